import * as tf from '@tensorflow/tfjs';
import { StationError } from '../../errors.js';

/**
 * Keras Applications' Xception, rebuilt with tfjs layers under Keras' exact layer names, so that
 * weights-only `.h5` files (which carry no topology) load by name. Checked layer for layer against
 * the real Keras 2.2.4 topology in ../shared/models/keras-xception-topology.
 */

/**
 * Names Keras generated from its session counters (they differ from file to file); the defaults are
 * those of the Keras 2.2.4-tf topology in ../shared.
 */
export interface XceptionAutoNames {
  input: string;
  /** The four strided 1x1 residual convolutions. */
  residualConvs: [string, string, string, string];
  /** Their BatchNormalization layers. */
  residualBns: [string, string, string, string];
  /** The twelve Add layers, in graph order. */
  adds: string[];
}

export const KERAS_XCEPTION_AUTO_NAMES: XceptionAutoNames = {
  input: 'input_2',
  residualConvs: ['conv2d_4', 'conv2d_5', 'conv2d_6', 'conv2d_7'],
  residualBns: ['batch_normalization_4', 'batch_normalization_5', 'batch_normalization_6', 'batch_normalization_7'],
  adds: Array.from({ length: 12 }, (_, i) => `add_${12 + i}`),
};

export interface XceptionOptions {
  inputShape?: [number, number, number];
  classes?: number;
  includeTop?: boolean;
  pooling?: 'avg' | 'max';
  names?: Partial<XceptionAutoNames>;
  /** Model name (Keras: 'xception'). */
  name?: string;
}

/** Xception's feature extractor output, for building heads on top of it. */
interface XceptionBase {
  input: tf.SymbolicTensor;
  output: tf.SymbolicTensor;
}

function buildBase(inputShape: [number, number, number], autoNames: XceptionAutoNames): XceptionBase {
  if (inputShape[2] !== 3 || inputShape[0] < 71 || inputShape[1] < 71) {
    throw new StationError('INVALID_ARGUMENT', `Xception needs a 3-channel input of at least 71x71 pixels, got ${inputShape.join('x')}.`);
  }
  if (autoNames.adds.length !== 12) throw new StationError('INVALID_ARGUMENT', `Xception has 12 Add layers; ${autoNames.adds.length} names were given.`);
  const input = tf.input({ shape: inputShape, name: autoNames.input, dtype: 'float32' });
  const conv = (x: tf.SymbolicTensor, filters: number, kernel: number, strides: number, padding: 'valid' | 'same', name: string): tf.SymbolicTensor =>
    tf.layers.conv2d({ filters, kernelSize: kernel, strides, padding, useBias: false, name }).apply(x) as tf.SymbolicTensor;
  const sep = (x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor =>
    tf.layers.separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, name }).apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    tf.layers.batchNormalization({ axis: 3, momentum: 0.99, epsilon: 1e-3, name }).apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    tf.layers.activation({ activation: 'relu', name }).apply(x) as tf.SymbolicTensor;
  const pool = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name }).apply(x) as tf.SymbolicTensor;
  let addIndex = 0;
  const add = (a: tf.SymbolicTensor, b: tf.SymbolicTensor): tf.SymbolicTensor =>
    tf.layers.add({ name: autoNames.adds[addIndex++] }).apply([a, b]) as tf.SymbolicTensor;

  let x = relu(bn(conv(input, 32, 3, 2, 'valid', 'block1_conv1'), 'block1_conv1_bn'), 'block1_conv1_act');
  x = relu(bn(conv(x, 64, 3, 1, 'valid', 'block1_conv2'), 'block1_conv2_bn'), 'block1_conv2_act');

  // Entry flow: blocks 2-4, each halving the resolution with a 1x1 strided residual.
  const entryFilters = [128, 256, 728];
  for (const [i, filters] of entryFilters.entries()) {
    const block = `block${i + 2}`;
    const residual = bn(conv(x, filters, 1, 2, 'same', autoNames.residualConvs[i] as string), autoNames.residualBns[i] as string);
    // Block 2 starts straight from block1's activation; later blocks activate first.
    if (i > 0) x = relu(x, `${block}_sepconv1_act`);
    x = bn(sep(x, filters, `${block}_sepconv1`), `${block}_sepconv1_bn`);
    x = relu(x, `${block}_sepconv2_act`);
    x = bn(sep(x, filters, `${block}_sepconv2`), `${block}_sepconv2_bn`);
    x = add(pool(x, `${block}_pool`), residual);
  }

  // Middle flow: blocks 5-12, identity residuals.
  for (let i = 0; i < 8; i++) {
    const block = `block${i + 5}`;
    const residual = x;
    for (let j = 1; j <= 3; j++) {
      x = relu(x, `${block}_sepconv${j}_act`);
      x = bn(sep(x, 728, `${block}_sepconv${j}`), `${block}_sepconv${j}_bn`);
    }
    x = add(x, residual);
  }

  // Exit flow.
  const residual = bn(conv(x, 1024, 1, 2, 'same', autoNames.residualConvs[3] as string), autoNames.residualBns[3] as string);
  x = relu(x, 'block13_sepconv1_act');
  x = bn(sep(x, 728, 'block13_sepconv1'), 'block13_sepconv1_bn');
  x = relu(x, 'block13_sepconv2_act');
  x = bn(sep(x, 1024, 'block13_sepconv2'), 'block13_sepconv2_bn');
  x = add(pool(x, 'block13_pool'), residual);
  x = relu(bn(sep(x, 1536, 'block14_sepconv1'), 'block14_sepconv1_bn'), 'block14_sepconv1_act');
  x = relu(bn(sep(x, 2048, 'block14_sepconv2'), 'block14_sepconv2_bn'), 'block14_sepconv2_act');
  return { input, output: x };
}

/** Keras Applications' `Xception(...)` with random weights and Keras' layer names. */
export function buildXception(options: XceptionOptions = {}): tf.LayersModel {
  const includeTop = options.includeTop ?? true;
  const inputShape = options.inputShape ?? [299, 299, 3];
  const names = { ...KERAS_XCEPTION_AUTO_NAMES, ...options.names };
  const base = buildBase(inputShape, names);
  let x = base.output;
  if (includeTop) {
    x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: options.classes ?? 1000, activation: 'softmax', name: 'predictions' }).apply(x) as tf.SymbolicTensor;
  } else if (options.pooling === 'avg') {
    x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tf.SymbolicTensor;
  } else if (options.pooling === 'max') {
    x = tf.layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }).apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: base.input, outputs: x, name: options.name ?? 'xception' });
}

/** Layer names of the head image-classification-tf puts on its base (tf.keras defaults of a fresh session). */
export interface DeepOcHeadNames {
  pooling: string;
  hidden: string;
  output: string;
}

export const DEEP_OC_HEAD_NAMES: DeepOcHeadNames = {
  pooling: 'global_average_pooling2d',
  hidden: 'dense',
  output: 'dense_1',
};

/**
 * image-classification-tf's `create_model` for Xception: the base without top, then
 * GlobalAveragePooling2D -> Dense(1024, relu) -> Dense(classes, softmax), as one flat model.
 */
export function buildDeepOcXception(options: {
  classes: number;
  imageSize?: number;
  headNames?: Partial<DeepOcHeadNames>;
  names?: Partial<XceptionAutoNames>;
}): tf.LayersModel {
  const size = options.imageSize ?? 224;
  const head = { ...DEEP_OC_HEAD_NAMES, ...options.headNames };
  const base = buildBase([size, size, 3], { ...KERAS_XCEPTION_AUTO_NAMES, ...options.names });
  let x = tf.layers.globalAveragePooling2d({ name: head.pooling }).apply(base.output) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 1024, activation: 'relu', name: head.hidden }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: options.classes, activation: 'softmax', name: head.output }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: base.input, outputs: x, name: 'model' });
}

/**
 * Reads the session-generated names back from a weights file's `layer_names` (Keras writes every
 * layer, in graph order), so that `buildDeepOcXception` reproduces that file's model exactly.
 */
export function deepOcNamesFromLayerNames(layerNames: readonly string[]): { names: Partial<XceptionAutoNames>; headNames: DeepOcHeadNames } {
  const pick = (pattern: RegExp): string[] => layerNames.filter((name) => pattern.test(name));
  const convs = pick(/^conv2d(_\d+)?$/);
  const bns = pick(/^batch_normalization(_\d+)?$/);
  const adds = pick(/^add(_\d+)?$/);
  const inputs = pick(/^input(_\d+)?$/);
  const last = layerNames.indexOf('block14_sepconv2_act');
  const head = last >= 0 ? layerNames.slice(last + 1) : [];
  if (convs.length !== 4 || bns.length !== 4 || adds.length !== 12 || head.length !== 3) {
    throw new StationError(
      'MODEL_INVALID',
      `the weights file's layers do not look like Xception + GlobalAveragePooling2D + two Dense layers (found ${convs.length} residual convolutions, ${adds.length} Add layers and ${head.length} layers after block14_sepconv2_act).`,
    );
  }
  const names: Partial<XceptionAutoNames> = {
    residualConvs: convs as XceptionAutoNames['residualConvs'],
    residualBns: bns as XceptionAutoNames['residualBns'],
    adds,
  };
  if (inputs[0]) names.input = inputs[0];
  return { names, headNames: { pooling: head[0] as string, hidden: head[1] as string, output: head[2] as string } };
}
