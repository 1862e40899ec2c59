import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StationError } from '../../errors.js';
import { normalizeKerasConfig, type JsonObject } from './keras-config.js';

/**
 * Reads Keras HDF5 files (`model.save('x.h5')` and `model.save_weights('x.h5')`) with h5wasm,
 * and builds the matching tfjs LayersModel with every weight set by name and shape-checked.
 */

/** One weight as stored in the file, e.g. `block1_conv1/kernel:0`. */
export interface KerasH5Weight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** One top-level layer group of the file, weights in its `weight_names` order. */
export interface KerasH5Layer {
  name: string;
  weights: KerasH5Weight[];
}

export interface KerasH5Contents {
  /** The raw `model_config` attribute (parsed JSON); absent in weights-only files. */
  modelConfig?: JsonObject;
  kerasVersion?: string;
  backend?: string;
  /** Layers in the file's `layer_names` order (layers without weights included, with none). */
  layers: KerasH5Layer[];
  /** True for `save_weights` files: layer groups at the root, no `model_config`. */
  weightsOnly: boolean;
}

export interface LoadedKerasModel {
  model: tf.LayersModel;
  kerasVersion?: string;
  /** Total weight values set from the file. */
  weightCount: number;
}

// h5wasm ships its own type declarations; load it lazily so importing this module costs nothing.
type H5wasm = typeof import('h5wasm');
type H5Group = InstanceType<H5wasm['Group']>;
type H5Dataset = InstanceType<H5wasm['Dataset']>;
let h5wasmPromise: Promise<H5wasm> | undefined;

async function loadH5wasm(): Promise<H5wasm> {
  h5wasmPromise ??= (async () => {
    // The 'h5wasm/node' entry reads host files directly (Emscripten NODERAWFS).
    const module = (await import('h5wasm/node')) as unknown as H5wasm;
    await module.ready;
    return module;
  })();
  return h5wasmPromise;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Reads model config, Keras version and every layer's weights from a Keras `.h5` file. */
export async function readKerasH5(filePath: string): Promise<KerasH5Contents> {
  const name = path.basename(filePath);
  checkHdf5Signature(filePath);
  const h5 = await loadH5wasm();
  let file: InstanceType<H5wasm['File']> | undefined;
  try {
    file = quietly(filePath, 'open', () => {
      const opening = new h5.File(filePath, 'r');
      // A failed open leaves a negative id instead of throwing.
      if (typeof opening.file_id === 'bigint' && opening.file_id < 0n) throw new Error('H5Fopen failed');
      return opening;
    });
    const opened = file;
    const rootKeys = quietly(filePath, 'list', () => opened.keys());
    const rootAttrs = quietly(filePath, 'read attributes of', () => readAttrs(opened));
    const modelConfigText = asString(rootAttrs.model_config);
    let modelConfig: JsonObject | undefined;
    if (typeof modelConfigText === 'string') {
      try {
        modelConfig = JSON.parse(modelConfigText) as JsonObject;
      } catch (error) {
        throw new StationError('MODEL_INVALID', `${name}: its model_config attribute is not valid JSON; the file is damaged.`, { cause: error });
      }
    }
    let weightsRoot: H5Group;
    let weightsOnly = false;
    if (rootKeys.includes('model_weights')) {
      weightsRoot = quietly(filePath, 'open group model_weights of', () => opened.get('model_weights')) as H5Group;
    } else if (rootAttrs.layer_names !== undefined) {
      weightsRoot = opened;
      weightsOnly = true;
    } else if (rootKeys.includes('layers') && rootKeys.includes('vars')) {
      throw new StationError('MODEL_UNSUPPORTED', `${name} is a Keras 3 ".weights.h5" file, which this app cannot read yet; save the model with Keras 2 (model.save('model.h5')) instead.`);
    } else {
      throw new StationError('MODEL_INVALID', `${name} is an HDF5 file but not a Keras model: it has no "model_weights" group and no "layer_names" attribute (top-level entries: ${rootKeys.slice(0, 8).join(', ') || 'none'}).`);
    }
    const weightsAttrs = quietly(filePath, 'read attributes of', () => readAttrs(weightsRoot));
    const layerNames = asStringList(weightsAttrs.layer_names);
    if (!layerNames) {
      throw new StationError('MODEL_INVALID', `${name}: its weights group has no "layer_names" attribute; the file was not written by Keras.`);
    }
    const layers: KerasH5Layer[] = [];
    for (const layerName of layerNames) {
      const group = quietly(filePath, `open layer group "${layerName}" of`, () => weightsRoot.get(layerName)) as H5Group | null;
      if (!group) throw new StationError('MODEL_INVALID', `${name}: layer "${layerName}" is listed in layer_names but its weights group is missing; the file is damaged.`);
      const groupAttrs = quietly(filePath, `read attributes of layer "${layerName}" in`, () => readAttrs(group));
      const weightNames = asStringList(groupAttrs.weight_names) ?? [];
      const weights: KerasH5Weight[] = [];
      for (const weightName of weightNames) {
        const dataset = quietly(filePath, `open weight "${layerName}/${weightName}" of`, () => group.get(weightName)) as H5Dataset | null;
        if (!dataset || !('shape' in dataset)) {
          throw new StationError('MODEL_INVALID', `${name}: weight "${weightName}" of layer "${layerName}" is listed but missing; the file is damaged.`);
        }
        const shape = (dataset.shape ?? []).map(Number);
        const values = quietly(filePath, `read weight "${layerName}/${weightName}" of`, () => toFloat32(dataset, `${layerName}/${weightName}`, name));
        const expected = shape.reduce((a, b) => a * b, 1);
        if (values.length !== expected) {
          throw new StationError('MODEL_INVALID', `${name}: weight "${layerName}/${weightName}" holds ${values.length} values for shape [${shape.join(', ')}]; the file is damaged.`);
        }
        weights.push({ name: weightName, shape, values });
      }
      layers.push({ name: layerName, weights });
    }
    return {
      modelConfig,
      kerasVersion: asString(rootAttrs.keras_version) ?? asString(weightsAttrs.keras_version),
      backend: asString(rootAttrs.backend) ?? asString(weightsAttrs.backend),
      layers,
      weightsOnly,
    };
  } finally {
    if (file && typeof file.file_id === 'bigint' && file.file_id >= 0n) {
      const open = file;
      quietly(filePath, 'close', () => open.close());
    }
  }
}

/**
 * Loads a Keras `.h5` into a tfjs LayersModel. A full model file brings its own topology; a
 * weights-only file needs `options.model` (an already built model, e.g. `buildXception`) or
 * `options.topology` (a Keras model config).
 */
export async function loadKerasH5Model(
  filePath: string,
  options: { model?: tf.LayersModel; topology?: unknown } = {},
): Promise<LoadedKerasModel> {
  const name = path.basename(filePath);
  const contents = await readKerasH5(filePath);
  let model = options.model;
  if (!model) {
    const topology = contents.modelConfig ?? options.topology;
    if (topology === undefined) {
      throw new StationError('MODEL_INVALID', `${name} holds weights only (no model_config); it needs its model definition, e.g. a DEEP-OC pack folder with conf.json naming the architecture.`);
    }
    model = await buildModelFromKerasConfig(topology, name);
  }
  const weightCount = assignWeightsByName(model, contents.layers, name);
  return { model, kerasVersion: contents.kerasVersion, weightCount };
}

/** Normalises a Keras config (any version/wrapper) and builds the tfjs model, weights untouched. */
export async function buildModelFromKerasConfig(topology: unknown, source: string): Promise<tf.LayersModel> {
  const { modelConfig } = normalizeKerasConfig(topology, source);
  try {
    return await tf.models.modelFromJSON({ modelTopology: modelConfig as unknown as tf.io.ModelJSON['modelTopology'] } as tf.io.ModelJSON);
  } catch (error) {
    if (error instanceof StationError) throw error;
    throw new StationError('MODEL_UNSUPPORTED', `${source}: TensorFlow.js could not build the model from its config (${(error as Error).message}).`, { cause: error });
  }
}

/**
 * Sets every weight of `model` from the file's layers, matching by layer name and weight name
 * (never by position across layers), and checks every shape. All problems are reported at once,
 * grouped by layer. Returns the number of values set.
 */
export function assignWeightsByName(model: tf.LayersModel, fileLayers: KerasH5Layer[], source: string): number {
  const topLayers = new Map(model.layers.map((layer) => [layer.name, layer]));
  const allLayers = new Map<string, tf.layers.Layer>();
  const collect = (layer: tf.layers.Layer): void => {
    allLayers.set(layer.name, layer);
    const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (Array.isArray(inner)) inner.forEach(collect);
  };
  model.layers.forEach(collect);

  const problems: string[] = [];
  const assignments: Array<{ variable: tf.LayerVariable; weight: KerasH5Weight }> = [];
  const assigned = new Set<tf.LayerVariable>();

  for (const fileLayer of fileLayers) {
    if (fileLayer.weights.length === 0) continue;
    const layer = topLayers.get(fileLayer.name) ?? allLayers.get(fileLayer.name);
    if (!layer) {
      problems.push(`layer "${fileLayer.name}" has weights in the file but no layer of that name in the model`);
      continue;
    }
    const variables = layer.weights;
    const isContainer = Array.isArray((layer as unknown as { layers?: unknown }).layers);
    for (const [index, weight] of fileLayer.weights.entries()) {
      const variable = matchVariable(weight.name, variables, isContainer, index, fileLayer.weights.length);
      if (!variable) {
        problems.push(`layer "${fileLayer.name}": file weight "${weight.name}" matches no weight of the model's layer (${variables.map((v) => v.originalName).join(', ') || 'none'})`);
        continue;
      }
      if (assigned.has(variable)) {
        problems.push(`layer "${fileLayer.name}": model weight "${variable.originalName}" is given twice by the file`);
        continue;
      }
      if (!sameShape(variable.shape, weight.shape)) {
        problems.push(`layer "${fileLayer.name}": weight "${weight.name}" is [${weight.shape.join(', ')}] in the file, the model expects [${variable.shape.join(', ')}]`);
        assigned.add(variable);
        continue;
      }
      assigned.add(variable);
      assignments.push({ variable, weight });
    }
  }
  const missing = model.weights.filter((variable) => !assigned.has(variable));
  if (missing.length > 0) {
    const names = missing.map((v) => v.originalName);
    problems.push(`${missing.length} model weight(s) absent from the file: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 12).join('; ');
    const more = problems.length > 12 ? `; and ${problems.length - 12} more` : '';
    throw new StationError('MODEL_INVALID', `${source}: its weights do not fit the model: ${shown}${more}. The weights file belongs to a different model or architecture.`);
  }
  let count = 0;
  for (const { variable, weight } of assignments) {
    const tensor = tf.tensor(weight.values, weight.shape, 'float32');
    variable.write(tensor);
    tensor.dispose();
    count += weight.values.length;
  }
  return count;
}

/**
 * Keras writes `<layer>/<weight>:0` (TF1/TF2), sometimes with an outer scope
 * (`model/<layer>/<weight>:0`) or a stale layer name (`dense_1/kernel:0` under layer `dense`);
 * tfjs names variables `<layer>/<weight>`.
 */
function matchVariable(fileName: string, variables: tf.LayerVariable[], isContainer: boolean, index: number, fileCount: number): tf.LayerVariable | undefined {
  const key = fileName.replace(/:\d+$/, '');
  const exact = variables.filter((v) => v.originalName === key);
  if (exact.length === 1) return exact[0];
  const suffixed = variables.filter((v) => key.endsWith(`/${v.originalName}`) || v.originalName.endsWith(`/${key}`));
  if (suffixed.length === 1) return suffixed[0];
  if (isContainer) return undefined;
  const last = key.split('/').pop();
  const byLast = variables.filter((v) => v.originalName.split('/').pop() === last);
  if (byLast.length === 1) return byLast[0];
  // A plain layer stores its weights in the same order in Keras and tfjs.
  if (fileCount === variables.length) return variables[index];
  return undefined;
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

function checkHdf5Signature(filePath: string): void {
  const name = path.basename(filePath);
  let fd: number;
  try {
    fd = fs.openSync(filePath, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StationError(code === 'ENOENT' ? 'MODEL_NOT_FOUND' : 'FILE_UNREADABLE', `${filePath} cannot be read (${code ?? 'error'}).`, { cause: error });
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) throw new StationError('MODEL_INVALID', `${name} is empty (0 bytes); copy the model file again.`);
    // The superblock sits at 0, 512, 1024, 2048, ... (after an optional user block).
    const probe = Buffer.alloc(8);
    for (let offset = 0; offset < size; offset = offset === 0 ? 512 : offset * 2) {
      if (fs.readSync(fd, probe, 0, 8, offset) === 8 && probe.equals(HDF5_SIGNATURE)) return;
      if (offset > 64 * 1024 * 1024) break;
    }
    fs.readSync(fd, probe, 0, 8, 0);
    const what = probe.subarray(0, 2).toString('latin1') === 'PK' ? ' (it is a zip archive, e.g. a Keras 3 ".keras" file: re-save it as .h5)' : '';
    throw new StationError('MODEL_INVALID', `${name} is not an HDF5 file${what}; a Keras model must be saved as .h5.`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Runs a synchronous h5wasm call with HDF5's diagnostic stack (printed through console.error by
 * the wasm module) captured instead of dumped on the terminal; turns failures into MODEL_INVALID.
 */
function quietly<T>(filePath: string, action: string, run: () => T): T {
  // Under NODERAWFS the wasm module writes its stderr with fs.writeSync(2, ...).
  const writable = fs as unknown as { writeSync: (...args: unknown[]) => number };
  const originalWriteSync = writable.writeSync;
  const captured: string[] = [];
  writable.writeSync = (...args: unknown[]): number => {
    const [fd, buffer, offset, length] = args;
    if (fd !== 2) return originalWriteSync.apply(fs, args);
    if (typeof buffer === 'string') {
      captured.push(buffer);
      return Buffer.byteLength(buffer);
    }
    const bytes = buffer as Uint8Array;
    const start = typeof offset === 'number' ? offset : 0;
    const count = typeof length === 'number' ? length : bytes.byteLength - start;
    captured.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, count).toString('utf8'));
    return count;
  };
  // Its abort() message goes through console.error, i.e. process.stderr.write.
  const stderr = process.stderr as unknown as { write: (...args: unknown[]) => boolean };
  const originalStderrWrite = stderr.write;
  stderr.write = (chunk: unknown): boolean => {
    captured.push(String(chunk));
    return true;
  };
  try {
    return run();
  } catch (error) {
    if (error instanceof StationError) throw error;
    const detail = summarizeHdf5Error(captured.join(''), error);
    throw new StationError('MODEL_INVALID', `${path.basename(filePath)}: could not ${action} the HDF5 file (${detail}); the file is damaged, truncated or not a Keras model.`, { cause: error });
  } finally {
    writable.writeSync = originalWriteSync;
    stderr.write = originalStderrWrite;
  }
}

function summarizeHdf5Error(diagnostics: string, error: unknown): string {
  const truncated = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(diagnostics);
  if (truncated) return `truncated: ${truncated[1]} of ${truncated[2]} bytes present`;
  const lines = diagnostics.split('\n').filter((line) => /\bminor: /.test(line));
  const last = lines.at(-1)?.replace(/^\s*minor:\s*/, '');
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 200);
  return last ? `${last.toLowerCase()}; ${message}` : message;
}

function readAttrs(entity: H5Group): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, attribute] of Object.entries(entity.attrs)) out[key] = attribute.value;
  return out;
}

function asStringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map((item) => (item instanceof Uint8Array ? Buffer.from(item).toString('utf8') : String(item)));
  return undefined;
}

/** String attributes come back as strings, or as raw bytes for some fixed-length encodings. */
function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8').replace(/\0+$/, '');
  return undefined;
}

function toFloat32(dataset: H5Dataset, weight: string, fileName: string): Float32Array {
  const value = dataset.value;
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array) return Float32Array.from(value);
  const dtype = String(dataset.dtype);
  if (value instanceof Uint8Array && /^[<>]?e$/.test(dtype)) return halfToFloat32(value, dtype.startsWith('>'));
  if (typeof value === 'number') return Float32Array.of(value);
  if (ArrayBuffer.isView(value) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array)) {
    return Float32Array.from(value as unknown as ArrayLike<number>);
  }
  throw new StationError('MODEL_UNSUPPORTED', `${fileName}: weight "${weight}" has data type ${dtype}, not a floating-point array.`);
}

function halfToFloat32(bytes: Uint8Array, bigEndian: boolean): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) {
    const h = view.getUint16(i * 2, !bigEndian);
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 31) out[i] = fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}
