import * as tf from '@tensorflow/tfjs';
import { StationError } from '../../errors.js';

/**
 * Keras model configs as Keras 2.2 to 2.x (and 3.x, partly) write them, rewritten into the
 * dialect `@tensorflow/tfjs` 4.x deserialises. Keras kept adding and renaming fields; tfjs
 * rejects some old ones outright (SeparableConv2D's `kernel_*`) and knows nothing of newer
 * ones (dtype policies, `batch_shape`, Keras 3's `module`/`build_config`).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A Keras model config (`{ class_name, config }`) ready for `tf.models.modelFromJSON`. */
export interface NormalizedKerasConfig {
  modelConfig: JsonObject;
  /** `keras_version` from the wrapper or the file, when known (e.g. '2.2.4-tf'). */
  kerasVersion?: string;
  backend?: string;
}

/** Layer classes whose name differs between Keras and tfjs. */
const CLASS_ALIASES: Record<string, string> = {
  Functional: 'Model',
  'keras.Model': 'Model',
};

const ACTIVATION_ALIASES: Record<string, string> = {
  hard_sigmoid: 'hardSigmoid',
  relu6: 'relu6',
  silu: 'swish',
};

/** Keys written by Keras 3 (and some 2.x) that tfjs does not understand and that carry no maths. */
const DROPPED_KEYS = new Set(['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id']);

/** Container classes whose `config.layers` hold further layers. */
const CONTAINER_CLASSES = new Set(['Model', 'Functional', 'Sequential']);

/**
 * Accepts any of: a model config object, its JSON text, a `{keras_version, backend, model_config}`
 * wrapper, or a TF.js `model.json` (`{modelTopology: ...}`), and returns the model config in the
 * dialect tfjs 4 accepts. Throws MODEL_UNSUPPORTED naming every layer class tfjs cannot build,
 * MODEL_INVALID when it is not a Keras model config at all.
 */
export function normalizeKerasConfig(input: unknown, source = 'model config'): NormalizedKerasConfig {
  let value: unknown = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new StationError('MODEL_INVALID', `${source} is not valid JSON (${(error as Error).message}); the model file is damaged or not a Keras model.`, { cause: error });
    }
  }
  let kerasVersion: string | undefined;
  let backend: string | undefined;
  // Unwrap the layers a TF.js model.json and a Keras .h5 put around the model config.
  for (let depth = 0; depth < 3 && isObject(value); depth++) {
    if (typeof value.keras_version === 'string') kerasVersion ??= value.keras_version;
    if (typeof value.backend === 'string') backend ??= value.backend;
    if (isObject(value.modelTopology)) value = value.modelTopology;
    else if (isObject(value.model_config)) value = value.model_config;
    else if (typeof value.model_config === 'string') value = JSON.parse(value.model_config);
    else break;
  }
  if (!isObject(value) || typeof value.class_name !== 'string' || !isObject(value.config)) {
    throw new StationError('MODEL_INVALID', `${source} is not a Keras model config (no "class_name"/"config" at its root); use a model saved by Keras model.save() or exported by the TF.js converter.`);
  }
  const modelConfig = normalizeLayer(structuredClone(value) as JsonObject, []);
  if (!CONTAINER_CLASSES.has(String(modelConfig.class_name))) {
    throw new StationError('MODEL_INVALID', `${source} describes a single ${String(modelConfig.class_name)} layer, not a model (Model/Functional/Sequential).`);
  }
  const unsupported = new Set<string>();
  const problems: string[] = [];
  checkLayers(modelConfig, unsupported, problems);
  if (unsupported.size > 0 || problems.length > 0) {
    const parts: string[] = [];
    if (unsupported.size > 0) parts.push(`unsupported layer classes: ${[...unsupported].sort().join(', ')}`);
    parts.push(...problems);
    throw new StationError('MODEL_UNSUPPORTED', `${source} uses what this app cannot run: ${parts.join('; ')}. Re-export the model with standard Keras layers.`);
  }
  return { modelConfig, kerasVersion, backend };
}

/** Every leaf layer config in a (possibly nested) model config, depth first, in file order. */
export function listLayerConfigs(modelConfig: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const visit = (layer: JsonObject): void => {
    const config = layer.config;
    if (CONTAINER_CLASSES.has(String(layer.class_name)) && isObject(config) && Array.isArray(config.layers)) {
      for (const child of config.layers) if (isObject(child)) visit(child);
    } else {
      out.push(layer);
    }
  };
  visit(modelConfig);
  return out;
}

function normalizeLayer(layer: JsonObject, path: string[]): JsonObject {
  stripKeys(layer);
  let className = String(layer.class_name);
  className = CLASS_ALIASES[className] ?? className;
  layer.class_name = className;
  const config = isObject(layer.config) ? layer.config : (layer.config = {});
  if (Array.isArray(layer.inbound_nodes)) layer.inbound_nodes = normalizeInboundNodes(layer.inbound_nodes);

  if (CONTAINER_CLASSES.has(className)) {
    if (Array.isArray(config.layers)) {
      config.layers = config.layers.map((child) => (isObject(child) ? normalizeLayer(child, [...path, String(config.name ?? '')]) : child));
    }
    normalizeDtype(config);
    return layer;
  }

  normalizeDtype(config);
  if (Array.isArray(config.batch_shape) && config.batch_input_shape === undefined) {
    config.batch_input_shape = config.batch_shape;
  }
  delete config.batch_shape;
  if (typeof config.activation === 'string') config.activation = ACTIVATION_ALIASES[config.activation] ?? config.activation;
  else if (isObject(config.activation) && typeof config.activation.class_name === 'string') {
    // Keras 3 may serialise activations as objects; tfjs wants the plain name.
    const name = isObject(config.activation.config) ? config.activation.config.name : undefined;
    config.activation = String(name ?? config.activation.class_name);
  }

  switch (className) {
    case 'SeparableConv2D':
    case 'SeparableConv1D':
      // Keras 2.2 wrote the (unused) base-class kernel_* fields; tfjs 4 refuses them.
      delete config.kernel_initializer;
      delete config.kernel_regularizer;
      delete config.kernel_constraint;
      break;
    case 'DepthwiseConv2D':
      if (config.depthwise_initializer !== undefined) {
        delete config.kernel_initializer;
        delete config.kernel_regularizer;
        delete config.kernel_constraint;
      }
      delete config.filters;
      break;
    case 'BatchNormalization':
      if (Array.isArray(config.axis) && config.axis.length === 1) config.axis = config.axis[0] ?? -1;
      // Keras 2.3+ fields tfjs ignores or rejects.
      delete config.renorm;
      delete config.renorm_clipping;
      delete config.renorm_momentum;
      delete config.fused;
      delete config.virtual_batch_size;
      delete config.adjustment;
      delete config.synchronized;
      break;
    case 'InputLayer':
      delete config.ragged;
      delete config.optional;
      break;
    case 'Dense':
    case 'Conv2D':
    case 'Conv1D':
      delete config.lora_rank;
      delete config.lora_alpha;
      break;
    default:
      break;
  }
  if ((className === 'Conv2D' || className === 'Conv1D') && config.groups === 1) delete config.groups;
  return layer;
}

/** Keras 3 writes inbound nodes as `{args: [{class_name:'__keras_tensor__', config:{keras_history:[...]}}]}`. */
function normalizeInboundNodes(nodes: Json[]): Json[] {
  return nodes.map((node) => {
    if (!isObject(node) || !Array.isArray(node.args)) return node;
    const tensors: Json[] = [];
    const collect = (arg: Json): void => {
      if (Array.isArray(arg)) arg.forEach(collect);
      else if (isObject(arg) && arg.class_name === '__keras_tensor__' && isObject(arg.config) && Array.isArray(arg.config.keras_history)) {
        const [name, nodeIndex, tensorIndex] = arg.config.keras_history;
        tensors.push([name ?? '', nodeIndex ?? 0, tensorIndex ?? 0, {}]);
      }
    };
    node.args.forEach(collect);
    return tensors;
  });
}

/** Dtype policies (`{class_name:'Policy'|'DTypePolicy', config:{name}}`) become the plain compute dtype. */
function normalizeDtype(config: JsonObject): void {
  const dtype = config.dtype;
  if (isObject(dtype)) {
    const name = isObject(dtype.config) ? String(dtype.config.name ?? 'float32') : 'float32';
    config.dtype = name.includes('float') ? 'float32' : name;
  } else if (typeof dtype === 'string' && dtype !== 'float32' && dtype.includes('float')) {
    // mixed_float16 / float16 / float64: tfjs computes in float32.
    config.dtype = 'float32';
  }
}

function stripKeys(value: Json): void {
  if (Array.isArray(value)) value.forEach(stripKeys);
  else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (DROPPED_KEYS.has(key)) delete value[key];
      else stripKeys(value[key] ?? null);
    }
  }
}

function checkLayers(layer: JsonObject, unsupported: Set<string>, problems: string[]): void {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  const className = String(layer.class_name);
  const config = isObject(layer.config) ? layer.config : {};
  const name = String(config.name ?? className);
  if (!(className in registered)) unsupported.add(className);
  if (CONTAINER_CLASSES.has(className)) {
    if (Array.isArray(config.layers)) for (const child of config.layers) if (isObject(child)) checkLayers(child, unsupported, problems);
    return;
  }
  if (typeof config.groups === 'number' && config.groups !== 1) problems.push(`layer ${name} (${className}) uses grouped convolution (groups=${config.groups})`);
  if (className === 'ReLU') {
    if (typeof config.negative_slope === 'number' && config.negative_slope !== 0) problems.push(`layer ${name} (ReLU) has negative_slope=${config.negative_slope}`);
    if (typeof config.threshold === 'number' && config.threshold !== 0) problems.push(`layer ${name} (ReLU) has threshold=${config.threshold}`);
  }
  if (typeof config.activation === 'string' && !(config.activation in registered)) {
    problems.push(`layer ${name} (${className}) uses activation "${config.activation}"`);
  }
  const dataFormat = config.data_format;
  if (dataFormat === 'channels_first') problems.push(`layer ${name} (${className}) is channels_first`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
