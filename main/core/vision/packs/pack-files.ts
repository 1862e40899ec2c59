import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { StationError } from '../../errors.js';
import type { Preprocessing } from '../model-pack.js';

/** Files beside a model that may hold its class labels, in the order they are looked for. */
export const LABEL_FILE_NAMES = ['labels.txt', 'classes.txt'] as const;
export const PREPROCESSING_FILE_NAME = 'preprocessing.json';

/**
 * Class labels from a text file, one per line. Teachable Machine writes `0 name`, `1 name`, ...:
 * when every line starts with its own index, the index is dropped.
 */
export function readLabels(filePath: string): string[] {
  const text = readText(filePath);
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (lines.length === 0) throw new StationError('MODEL_INVALID', `${filePath} holds no class labels; write one label per line.`);
  const indexed = lines.every((line, i) => new RegExp(`^${i}\\s+\\S`).test(line));
  return indexed ? lines.map((line) => line.replace(/^\d+\s+/, '')) : lines;
}

export function findLabelsFile(dir: string): string | undefined {
  for (const name of LABEL_FILE_NAMES) {
    const candidate = path.join(dir, name);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

const triple = z.tuple([z.number(), z.number(), z.number()]);
const preprocessingJson = z
  .object({
    size: z.number().int().positive().optional(),
    image_size: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    width: z.number().int().positive().optional(),
    resize: z.enum(['stretch', 'centre-crop', 'center-crop']).optional(),
    mean: triple.optional(),
    meanRgb: triple.optional(),
    mean_RGB: triple.optional(),
    std: triple.optional(),
    stdRgb: triple.optional(),
    std_RGB: triple.optional(),
    mode: z.enum(['tf', 'torch', 'caffe', 'raw']).optional(),
    preprocess_mode: z.enum(['tf', 'torch', 'caffe', 'raw']).optional(),
  })
  .strict();

/**
 * Reads a pack's `preprocessing.json`: `{ "size": 224, "mean": [127.5,127.5,127.5], "std": [1,1,1],
 * "mode": "tf", "resize": "stretch" }` (also `height`/`width`, DEEP-OC's `image_size`/`mean_RGB`/
 * `std_RGB`/`preprocess_mode` spellings, and `"resize": "centre-crop"`). Missing fields come
 * from `fallback`.
 */
export function readPreprocessingJson(filePath: string, fallback: Preprocessing): Preprocessing {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(filePath));
  } catch (error) {
    if (error instanceof StationError) throw error;
    throw new StationError('MODEL_INVALID', `${filePath} is not valid JSON (${(error as Error).message}).`, { cause: error });
  }
  const parsed = preprocessingJson.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new StationError('MODEL_INVALID', `${filePath} is not a valid preprocessing description (${issues}). Expected e.g. {"size": 224, "mean": [127.5, 127.5, 127.5], "std": [1, 1, 1], "mode": "tf"}.`);
  }
  const p = parsed.data;
  const size = p.size ?? p.image_size;
  return {
    height: p.height ?? size ?? fallback.height,
    width: p.width ?? size ?? fallback.width,
    resize: p.resize === undefined ? fallback.resize : p.resize === 'stretch' ? 'stretch' : 'centre-crop',
    meanRgb: p.mean ?? p.meanRgb ?? p.mean_RGB ?? fallback.meanRgb,
    stdRgb: p.std ?? p.stdRgb ?? p.std_RGB ?? fallback.stdRgb,
    mode: p.mode ?? p.preprocess_mode ?? fallback.mode,
  };
}

/** Input height and width of a Keras/TF.js image model, when they are fixed. */
export function modelInputSize(model: tf.LayersModel): { height?: number; width?: number } {
  const shape = model.inputs[0]?.shape ?? [];
  const height = shape[1];
  const width = shape[2];
  return { height: typeof height === 'number' ? height : undefined, width: typeof width === 'number' ? width : undefined };
}

/** Number of classes the model's (first) output gives. */
export function modelOutputSize(model: tf.LayersModel): number | undefined {
  const shape = model.outputs[0]?.shape ?? [];
  const last = shape[shape.length - 1];
  return typeof last === 'number' ? last : undefined;
}

/** Name of the last GlobalAveragePooling2D layer (nested models included): the pooled features. */
export function findEmbeddingLayer(model: tf.LayersModel): string | undefined {
  let found: string | undefined;
  const visit = (layer: tf.layers.Layer): void => {
    if (layer.getClassName() === 'GlobalAveragePooling2D') found = layer.name;
    const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (Array.isArray(inner)) inner.forEach(visit);
  };
  model.layers.forEach(visit);
  return found;
}

/**
 * sha256 over the pack's files: for each, in sorted relative-path order, its path, its size and
 * its bytes. The same files give the same hash wherever they lie (archive or unpacked folder).
 */
export function hashPackFiles(baseDir: string, files: string[]): string {
  const hash = createHash('sha256');
  const relative = files.map((file) => path.relative(baseDir, file).split(path.sep).join('/')).sort();
  const buffer = Buffer.alloc(1 << 20);
  for (const rel of relative) {
    const full = path.join(baseDir, rel);
    const size = fs.statSync(full).size;
    hash.update(`${rel}\0${size}\0`);
    const fd = fs.openSync(full, 'r');
    try {
      for (let read = fs.readSync(fd, buffer, 0, buffer.length, null); read > 0; read = fs.readSync(fd, buffer, 0, buffer.length, null)) {
        hash.update(buffer.subarray(0, read));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return hash.digest('hex');
}

export function readText(filePath: string): string {
  try {
    return fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StationError(code === 'ENOENT' ? 'MODEL_NOT_FOUND' : 'FILE_UNREADABLE', `${filePath} cannot be read (${code ?? 'error'}).`, { cause: error });
  }
}

export function isFile(filePath: string): boolean {
  try {
    return fs.statSync(filePath).isFile();
  } catch {
    return false;
  }
}

export function isDirectory(filePath: string): boolean {
  try {
    return fs.statSync(filePath).isDirectory();
  } catch {
    return false;
  }
}
