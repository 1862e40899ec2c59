import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import '../quiet-tfjs.js';
import { StationError } from '../../errors.js';
import type { ModelPack } from '../model-pack.js';
import { findDeepOcTimestamps, listFolderFiles, loadDeepOcFolder, whereDeepOcLooked } from './deep-oc-pack.js';
import { loadKerasH5Pack } from './keras-h5-pack.js';
import { loadOnnxPack } from './onnx-pack.js';
import { isFile } from './pack-files.js';
import { extractArchiveSafely } from './safe-extract.js';
import { loadTfjsPack } from './tfjs-pack.js';

export { listDeepOcTimestamps } from './deep-oc-pack.js';

export interface LoadModelPackOptions {
  /** DEEP-OC only: which `models/<timestamp>` to load; default the newest. */
  timestamp?: string;
  /**
   * Where a `.tar.gz` is unpacked (a fresh `pack-*` folder is made inside and kept). Without it the
   * archive is unpacked in a temporary folder that is removed once the model is in memory.
   */
  workDir?: string;
}

const ARCHIVE_PATTERN = /\.(tar\.gz|tgz|tar)$/i;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * Loads a model pack as the user has it, whatever its kind:
 *  - a DEEP-OC image-classification-tf `.tar.gz` or its unpacked folder;
 *  - a Keras `.h5` with labels.txt/classes.txt beside it;
 *  - a TF.js layers `model.json` (or its folder) with weight shards and labels;
 *  - a `.onnx` with labels and preprocessing.json beside it.
 */
export async function loadModelPack(sourcePath: string, options: LoadModelPackOptions = {}): Promise<ModelPack> {
  const resolved = path.resolve(sourcePath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new StationError('MODEL_NOT_FOUND', `${resolved} does not exist; check the path of the model pack.`);
  }
  const name = path.basename(resolved);
  if (stat.isDirectory()) return loadFolder(resolved, resolved, options);
  if (!stat.isFile()) throw new StationError('MODEL_INVALID', `${resolved} is neither a file nor a folder.`);
  if (stat.size === 0) throw new StationError('MODEL_INVALID', `${name} is empty (0 bytes); copy the model again.`);

  if (ARCHIVE_PATTERN.test(name) || startsWith(resolved, GZIP_MAGIC)) return loadArchive(resolved, options);
  const lower = name.toLowerCase();
  if (lower.endsWith('.h5') || lower.endsWith('.hdf5')) return loadKerasH5Pack(resolved, { sourcePath: resolved });
  if (lower.endsWith('.json')) return loadTfjsPack(resolved, { sourcePath: resolved });
  if (lower.endsWith('.onnx')) return loadOnnxPack(resolved, { sourcePath: resolved });
  if (lower.endsWith('.keras') || lower.endsWith('.zip')) {
    throw new StationError('MODEL_UNSUPPORTED', `${name} is a Keras 3 / zipped model, which this app cannot read; save the model as .h5 (Keras 2) or export it to ONNX.`);
  }
  throw new StationError('MODEL_INVALID', `${name} is not a model pack this app knows: use a DEEP-OC .tar.gz or folder, a Keras .h5, a TF.js model.json or an .onnx file.`);
}

async function loadArchive(archivePath: string, options: LoadModelPackOptions): Promise<ModelPack> {
  const keep = options.workDir !== undefined;
  const parent = options.workDir ?? os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  const destDir = fs.mkdtempSync(path.join(parent, keep ? 'pack-' : 'invasives-pack-'));
  try {
    await extractArchiveSafely(archivePath, destDir);
    const displayName = path.basename(archivePath).replace(ARCHIVE_PATTERN, '');
    const timestamps = findDeepOcTimestamps(listFolderFiles(destDir));
    if (timestamps.length === 0) {
      throw new StationError('MODEL_INVALID', `${path.basename(archivePath)} is not a DEEP-OC model archive: ${whereDeepOcLooked(listFolderFiles(destDir))}`);
    }
    return await loadDeepOcFolder(destDir, { timestamp: options.timestamp, sourcePath: archivePath, displayName });
  } catch (error) {
    fs.rmSync(destDir, { recursive: true, force: true });
    throw error;
  } finally {
    if (!keep) fs.rmSync(destDir, { recursive: true, force: true });
  }
}

async function loadFolder(dir: string, sourcePath: string, options: LoadModelPackOptions): Promise<ModelPack> {
  const files = listFolderFiles(dir);
  if (findDeepOcTimestamps(files, path.basename(dir)).length > 0) {
    return loadDeepOcFolder(dir, { timestamp: options.timestamp, sourcePath, displayName: path.basename(dir) });
  }
  const top = fs.readdirSync(dir).filter((entry) => isFile(path.join(dir, entry)));
  if (top.includes('model.json')) return loadTfjsPack(path.join(dir, 'model.json'), { sourcePath });
  const pick = (pattern: RegExp, kind: string): string | undefined => {
    const matches = top.filter((entry) => pattern.test(entry));
    if (matches.length > 1) throw new StationError('MODEL_INVALID', `${dir} holds several ${kind} files (${matches.join(', ')}); choose one file instead of the folder.`);
    return matches[0];
  };
  const h5 = pick(/\.(h5|hdf5)$/i, 'Keras .h5');
  if (h5) return loadKerasH5Pack(path.join(dir, h5), { sourcePath });
  const onnxFile = pick(/\.onnx$/i, '.onnx');
  if (onnxFile) return loadOnnxPack(path.join(dir, onnxFile), { sourcePath });
  throw new StationError(
    'MODEL_INVALID',
    `${dir} holds no model: looked for a model.json, a .h5 or an .onnx file at its top, and for a DEEP-OC layout; ${whereDeepOcLooked(files).replace(/^looked for /, 'for DEEP-OC, looked for ')}`,
  );
}

function startsWith(filePath: string, magic: Buffer): boolean {
  const fd = fs.openSync(filePath, 'r');
  try {
    const head = Buffer.alloc(magic.length);
    return fs.readSync(fd, head, 0, magic.length, 0) === magic.length && head.equals(magic);
  } finally {
    fs.closeSync(fd);
  }
}
