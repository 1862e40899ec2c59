import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { StationError } from '../../errors.js';
import type { ModelPack, Preprocessing } from '../model-pack.js';
import { assignWeightsByName, buildModelFromKerasConfig, readKerasH5 } from '../keras/read-keras-h5.js';
import { buildDeepOcXception, deepOcNamesFromLayerNames } from '../keras/xception.js';
import { findEmbeddingLayer, hashPackFiles, isDirectory, isFile, modelOutputSize, readLabels, readText } from './pack-files.js';
import { listArchiveEntries } from './safe-extract.js';

/**
 * DEEP-OC image-classification-tf artifacts: `models/<timestamp>/{ckpts/final_model.h5,
 * dataset_files/classes.txt, dataset_files/info.txt, conf/conf.json, stats/stats.json}`, as a
 * folder or packed in a `.tar.gz` (with or without the `models/` level).
 */

/** image-classification-tf's `model_modes`: the preprocessing each Keras Applications net was trained with. */
const MODEL_MODES: Record<string, Preprocessing['mode']> = {
  DenseNet121: 'torch',
  DenseNet169: 'torch',
  DenseNet201: 'torch',
  InceptionResNetV2: 'tf',
  InceptionV3: 'tf',
  MobileNet: 'tf',
  NASNetLarge: 'tf',
  NASNetMobile: 'tf',
  Xception: 'tf',
  ResNet50: 'caffe',
  VGG16: 'caffe',
  VGG19: 'caffe',
};

/** config.yaml's defaults when a conf.json lacks them (ImageNet statistics). */
const DEFAULT_MEAN_RGB: [number, number, number] = [123.675, 116.28, 103.53];
const DEFAULT_STD_RGB: [number, number, number] = [58.395, 57.12, 57.375];
const DEFAULT_IMAGE_SIZE = 224;

/** A `<timestamp>/ckpts/<file>.h5` path, under at most two folders (`models/`, an archive's top folder). */
const CHECKPOINT_PATTERN = /^(?:([^/]+)\/)?(?:([^/]+)\/)?([^/]+)\/ckpts\/([^/]+\.h5)$/;

export interface DeepOcTimestamp {
  timestamp: string;
  /** The timestamp folder, relative to the pack root ('' when the root is the timestamp folder). */
  dir: string;
  checkpoint: string;
}

/**
 * Says where a DEEP-OC checkpoint was looked for, and what the pack holds instead, for the
 * message refusing a pack without one.
 */
export function whereDeepOcLooked(relativeFiles: string[]): string {
  const shown = relativeFiles.slice(0, 8).join(', ');
  const held = relativeFiles.length === 0 ? 'it is empty' : `it holds ${shown}${relativeFiles.length > 8 ? `, … (${relativeFiles.length} files)` : ''}`;
  return `looked for models/<timestamp>/ckpts/final_model.h5 (with models/<timestamp>/dataset_files/, conf/ and stats/ beside ckpts/), at the top, under models/ and under one top folder; ${held}.`;
}

/** Finds the timestamp folders among a pack's relative file paths (folder walk or archive listing). */
export function findDeepOcTimestamps(relativeFiles: string[], rootName = ''): DeepOcTimestamp[] {
  const found = new Map<string, DeepOcTimestamp>();
  for (const raw of relativeFiles) {
    const file = raw.replace(/^\.\//, '').split(path.sep).join('/');
    const match = CHECKPOINT_PATTERN.exec(file) ?? CHECKPOINT_PATTERN.exec(`${rootName}/${file}`);
    if (!match) continue;
    const [, outer, inner, timestamp, checkpoint] = match as unknown as [string, string | undefined, string | undefined, string, string];
    const viaRoot = !CHECKPOINT_PATTERN.test(file);
    const dir = viaRoot ? '' : [outer, inner, timestamp].filter(Boolean).join('/');
    const previous = found.get(dir);
    // final_model.h5 is the trained model; epoch checkpoints only stand in when it is missing.
    if (!previous || checkpoint === 'final_model.h5' || (previous.checkpoint !== 'final_model.h5' && checkpoint > previous.checkpoint)) {
      found.set(dir, { timestamp, dir, checkpoint });
    }
  }
  return [...found.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.dir.localeCompare(b.dir));
}

/** Lists the relative file paths of a folder, a few levels deep (enough for the DEEP-OC layout). */
export function listFolderFiles(root: string, maxDepth = 5): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < maxDepth) walk(full, depth + 1);
      else if (entry.isFile()) out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root, 0);
  return out;
}

/**
 * The timestamps a DEEP-OC pack (folder or `.tar.gz`) holds, oldest first; the loader takes the
 * newest by default.
 */
export async function listDeepOcTimestamps(sourcePath: string): Promise<string[]> {
  const files = isDirectory(sourcePath)
    ? listFolderFiles(sourcePath)
    : (await listArchiveEntries(sourcePath)).filter((entry) => entry.type !== 'Directory').map((entry) => entry.path);
  return findDeepOcTimestamps(files, path.basename(sourcePath)).map((t) => t.timestamp);
}

/** Picks the requested timestamp folder (default: newest) in an unpacked DEEP-OC pack. */
export function selectDeepOcTimestamp(root: string, requested?: string): DeepOcTimestamp {
  const timestamps = findDeepOcTimestamps(listFolderFiles(root), path.basename(root));
  if (timestamps.length === 0) {
    throw new StationError('MODEL_INVALID', `${root} is not a DEEP-OC model pack: ${whereDeepOcLooked(listFolderFiles(root))}`);
  }
  if (requested === undefined) return timestamps.at(-1) as DeepOcTimestamp;
  const chosen = timestamps.filter((t) => t.timestamp === requested).at(-1);
  if (!chosen) {
    throw new StationError('MODEL_NOT_FOUND', `Timestamp "${requested}" is not in ${root}; it holds: ${timestamps.map((t) => t.timestamp).join(', ')}.`);
  }
  return chosen;
}

interface DeepOcConf {
  modelName?: string;
  numClasses?: number;
  preprocessing: Preprocessing;
}

/** Reads conf.json's preprocessing exactly as image-classification-tf applies it. */
export function readDeepOcConf(confPath: string): DeepOcConf {
  let conf: Record<string, Record<string, unknown> | undefined>;
  try {
    conf = JSON.parse(readText(confPath)) as typeof conf;
  } catch (error) {
    if (error instanceof StationError) throw error;
    throw new StationError('MODEL_INVALID', `${confPath} is not valid JSON (${(error as Error).message}).`, { cause: error });
  }
  const model = conf.model ?? {};
  const dataset = conf.dataset ?? {};
  const modelName = typeof model.modelname === 'string' ? model.modelname : undefined;
  const size = model.image_size ?? DEFAULT_IMAGE_SIZE;
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
    throw new StationError('MODEL_INVALID', `${confPath}: model.image_size is ${JSON.stringify(size)}, expected a positive whole number of pixels.`);
  }
  const modeValue = model.preprocess_mode ?? (modelName ? MODEL_MODES[modelName] : undefined) ?? 'tf';
  if (modeValue !== 'tf' && modeValue !== 'torch' && modeValue !== 'caffe') {
    throw new StationError('MODEL_UNSUPPORTED', `${confPath}: model.preprocess_mode "${String(modeValue)}" is not one of tf, torch, caffe.`);
  }
  const triple = (value: unknown, key: string, fallback: [number, number, number]): [number, number, number] => {
    if (value === undefined || value === null) return fallback;
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) return value as [number, number, number];
    throw new StationError('MODEL_INVALID', `${confPath}: dataset.${key} is ${JSON.stringify(value)}, expected three numbers (R, G, B).`);
  };
  const stdRgb = triple(dataset.std_RGB, 'std_RGB', DEFAULT_STD_RGB);
  if (modeValue === 'torch' && stdRgb.some((v) => v === 0)) {
    throw new StationError('MODEL_INVALID', `${confPath}: dataset.std_RGB has a zero, which torch mode divides by.`);
  }
  return {
    modelName,
    numClasses: typeof model.num_classes === 'number' ? model.num_classes : undefined,
    preprocessing: {
      height: size,
      width: size,
      resize: 'stretch',
      meanRgb: triple(dataset.mean_RGB, 'mean_RGB', DEFAULT_MEAN_RGB),
      stdRgb,
      mode: modeValue,
    },
  };
}

/** The folder holding classes.txt: `dataset_files` (deephdc) or `demo-dataset_files` (ai4os). */
function findDatasetFilesDir(tsDir: string): string | undefined {
  if (!isDirectory(tsDir)) return undefined;
  const names = fs.readdirSync(tsDir).filter((name) => name.endsWith('dataset_files') && isFile(path.join(tsDir, name, 'classes.txt'))).sort();
  const preferred = names.includes('dataset_files') ? 'dataset_files' : names[0];
  return preferred ? path.join(tsDir, preferred) : undefined;
}

/** Loads an unpacked DEEP-OC pack found under `root`. */
export async function loadDeepOcFolder(
  root: string,
  options: { timestamp?: string; sourcePath: string; displayName: string },
): Promise<ModelPack> {
  const chosen = selectDeepOcTimestamp(root, options.timestamp);
  const tsDir = chosen.dir ? path.join(root, chosen.dir) : root;
  const where = `${options.displayName} (timestamp ${chosen.timestamp})`;
  const checkpoint = path.join(tsDir, 'ckpts', chosen.checkpoint);
  const datasetDir = findDatasetFilesDir(tsDir);
  const inPack = (file: string) => [chosen.dir, file].filter(Boolean).join('/');
  if (!datasetDir) throw new StationError('MODEL_INVALID', `${where} has no ${inPack('dataset_files/classes.txt')} (looked there, beside ckpts/): the class names are missing from the pack.`);
  const confPath = path.join(tsDir, 'conf', 'conf.json');
  if (!isFile(confPath)) throw new StationError('MODEL_INVALID', `${where} has no ${inPack('conf/conf.json')} (looked there, beside ckpts/): the preprocessing the model was trained with is unknown.`);

  const classesPath = path.join(datasetDir, 'classes.txt');
  const labels = readLabels(classesPath);
  const infoPath = path.join(datasetDir, 'info.txt');
  let labelInfo: (string | null)[] | undefined;
  if (isFile(infoPath)) {
    const lines = readText(infoPath).split(/\r?\n/).map((line) => line.trim());
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    if (lines.length !== labels.length) {
      throw new StationError('MODEL_INVALID', `${where}: info.txt has ${lines.length} lines but classes.txt has ${labels.length} classes; they must match line for line.`);
    }
    labelInfo = lines.map((line) => (line === '' || line === '-' ? null : line));
  }
  const conf = readDeepOcConf(confPath);

  const contents = await readKerasH5(checkpoint);
  let model: tf.LayersModel;
  if (contents.modelConfig) {
    model = await buildModelFromKerasConfig(contents.modelConfig, chosen.checkpoint);
  } else {
    // A save_weights checkpoint: rebuild image-classification-tf's create_model from conf.json.
    if (conf.modelName !== undefined && conf.modelName !== 'Xception') {
      throw new StationError('MODEL_UNSUPPORTED', `${where}: ${chosen.checkpoint} holds weights only and conf.json names ${conf.modelName}; only Xception can be rebuilt without its model_config. Export the model with model.save().`);
    }
    const layerNames = contents.layers.map((layer) => layer.name);
    const recovered = deepOcNamesFromLayerNames(layerNames);
    model = buildDeepOcXception({ classes: labels.length, imageSize: conf.preprocessing.height, ...recovered });
  }
  assignWeightsByName(model, contents.layers, `${where} ${chosen.checkpoint}`);
  const outputs = modelOutputSize(model);
  if (outputs !== labels.length) {
    throw new StationError('MODEL_INVALID', `${where}: classes.txt lists ${labels.length} classes but the model's output layer has ${outputs ?? 'an unknown number of'} units; the pack mixes files from different trainings.`);
  }
  const inputShape = model.inputs[0]?.shape ?? [];
  const preprocessing = conf.preprocessing;
  if (typeof inputShape[1] === 'number' && typeof inputShape[2] === 'number' && (inputShape[1] !== preprocessing.height || inputShape[2] !== preprocessing.width)) {
    throw new StationError('MODEL_INVALID', `${where}: conf.json says image_size ${preprocessing.height} but the model takes ${inputShape[1]}x${inputShape[2]} images.`);
  }

  const hashed = [checkpoint, classesPath, confPath, ...(labelInfo ? [infoPath] : [])];
  const statsPath = path.join(tsDir, 'stats', 'stats.json');
  const provenance: Record<string, unknown> = {
    source: 'DEEP-OC image-classification-tf',
    timestamp: chosen.timestamp,
    checkpoint: chosen.checkpoint,
    architecture: conf.modelName,
    kerasVersion: contents.kerasVersion,
  };
  if (isFile(statsPath)) {
    try {
      provenance.stats = JSON.parse(readText(statsPath));
    } catch {
      // stats.json is informative only; a damaged one does not stop the model.
    }
  }
  return {
    identity: {
      name: `DEEP-OC ${options.displayName}`,
      version: chosen.timestamp,
      contentHash: hashPackFiles(tsDir, hashed),
      format: 'deepoc',
      sourcePath: options.sourcePath,
      labels,
      labelInfo,
      preprocessing: { ...preprocessing, source: 'conf.json' },
      provenance,
    },
    preprocessing,
    layersModel: model,
    embeddingLayer: findEmbeddingLayer(model),
  };
}
