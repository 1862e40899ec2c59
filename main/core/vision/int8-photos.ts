/**
 * Photos for the int8 compile: a calibration set (activation ranges) and a separate
 * held-out set (the agreement check), taken from a folder or from the library's photos,
 * preprocessed exactly as the classifier preprocesses them. Unreadable photos are skipped
 * and counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../errors.js';
import { PHOTO_EXTENSIONS } from './image-format.js';
import type { Preprocessing } from './model-pack.js';
import type { CalibrationInput } from './onnx/int8/compile-int8.js';
import { preprocessPhoto } from './preprocess.js';

export const DEFAULT_CALIBRATION_PHOTOS = 200;
export const DEFAULT_HELD_OUT_PHOTOS = 100;

/** Photo files under a folder, recursively, sorted; hidden entries and links are skipped. */
export function photosInFolder(folder: string): string[] {
  let entries: fs.Dirent[];
  try {
    if (!fs.statSync(folder).isDirectory()) throw new Error('not a folder');
    entries = fs.readdirSync(folder, { recursive: true, withFileTypes: true });
  } catch {
    throw new StationError('FOLDER_NOT_FOUND', `The calibration folder ${folder} does not exist or is not a folder; give a folder of photos like the ones the model will see.`);
  }
  return entries
    .filter((e) => e.isFile() && PHOTO_EXTENSIONS.includes(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => !path.relative(folder, file).split(path.sep).some((part) => part.startsWith('.')))
    .sort();
}

/**
 * Spreads the photos over both sets: an even sample of at most calibration + heldOut
 * photos, the held-out ones spread evenly through it (so both sets cover every
 * sub-folder). With fewer photos than asked, the held-out set keeps its size up to half.
 */
export function splitPhotos(photos: string[], calibration: number, heldOut: number): { calibration: string[]; heldOut: string[] } {
  const wanted = Math.min(photos.length, calibration + heldOut);
  const heldCount = wanted < calibration + heldOut ? Math.min(heldOut, Math.floor(wanted / 2)) : heldOut;
  const step = photos.length / Math.max(wanted, 1);
  const sample = Array.from({ length: wanted }, (_, i) => photos[Math.floor(i * step)]!);
  const share = heldCount / Math.max(wanted, 1);
  const held: string[] = [];
  const cal: string[] = [];
  sample.forEach((file, i) => {
    if (Math.floor((i + 1) * share) > Math.floor(i * share)) held.push(file);
    else cal.push(file);
  });
  return { calibration: cal, heldOut: held };
}

async function preprocessOne(file: string, p: Preprocessing, maxPixels: number): Promise<CalibrationInput | null> {
  try {
    const { data } = await preprocessPhoto(await fs.promises.readFile(file), p, { maxPixels, path: file });
    return { data, dims: [1, p.height, p.width, 3] };
  } catch {
    return null;
  }
}

/** Streams preprocessed photos (one in memory at a time); `skipped` collects unreadable files. */
export async function* preprocessedPhotos(files: string[], p: Preprocessing, maxPixels: number, skipped: string[]): AsyncGenerator<CalibrationInput> {
  for (const file of files) {
    const input = await preprocessOne(file, p, maxPixels);
    if (input) yield input;
    else skipped.push(file);
  }
}

export async function preprocessAll(files: string[], p: Preprocessing, maxPixels: number, skipped: string[]): Promise<CalibrationInput[]> {
  const out: CalibrationInput[] = [];
  for await (const input of preprocessedPhotos(files, p, maxPixels, skipped)) out.push(input);
  return out;
}
