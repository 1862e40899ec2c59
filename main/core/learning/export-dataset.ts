/**
 * Hands the rangers' confirmed photos to the experts in image-classification-tf's own
 * dataset layout, so they can retrain the full network with the original tool:
 *
 *   OUT/images/<Species>/<photo id>_<file name>   copies of the confirmed/corrected photos
 *   OUT/dataset_files/classes.txt                 one species per line; line i is label i
 *   OUT/dataset_files/info.txt                    one line of text per species, same order
 *   OUT/dataset_files/train.txt, val.txt          "<path relative to images/> <label index>"
 *
 * image-classification-tf reads the split files with numpy.genfromtxt(delimiter=' '), so paths
 * must hold no spaces (nor '#', its comment sign): folder and file names are sanitised.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { StationError, errorMessage } from '../errors.js';
import type { Library } from '../library/index.js';
import { stratifiedSplit } from './dataset-split.js';
import { libraryTrainingPhotos, readTrainingPhoto } from './training-photos.js';

export interface ExportDatasetOptions {
  outDir: string;
  /** Share of each species written to val.txt (default 0.2). */
  validationFraction?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ExportDatasetResult {
  outDir: string;
  classes: string[];
  species: { label: string; train: number; validation: number }[];
  train: number;
  validation: number;
  /** Photos that could not be copied (not where they were imported from, or changed). */
  skipped: { photoId: number; path: string; message: string }[];
}

/** A file or folder name safe for the split files: letters, digits, '.', '_' and '-' only. */
export function datasetSafeName(name: string): string {
  const safe = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return safe || 'unnamed';
}

export async function exportDataset(library: Library, options: ExportDatasetOptions): Promise<ExportDatasetResult> {
  const outDir = path.resolve(options.outDir);
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) {
    throw new StationError('INVALID_ARGUMENT', `${outDir} is not empty; export the dataset into a new or empty folder so that old files do not mix in.`);
  }
  const photos = libraryTrainingPhotos(library);
  if (photos.length === 0) {
    throw new StationError('TRAINING_DATA_INSUFFICIENT', 'The library has no confirmed or corrected photos to export; review some photos first.');
  }
  const classes = [...new Set(photos.map((p) => p.label))].sort((a, b) => a.localeCompare(b));
  const folders = new Map<string, string>();
  for (const label of classes) {
    let folder = datasetSafeName(label);
    for (let i = 2; [...folders.values()].includes(folder); i += 1) folder = `${datasetSafeName(label)}_${i}`;
    folders.set(label, folder);
  }
  const y = photos.map((p) => classes.indexOf(p.label));
  const split = stratifiedSplit(y, options.validationFraction ?? 0.2, options.seed ?? 1);
  const inValidation = new Set(split.validation);

  const imagesDir = path.join(outDir, 'images');
  fs.mkdirSync(imagesDir, { recursive: true });
  const trainLines: string[] = [];
  const valLines: string[] = [];
  const skipped: ExportDatasetResult['skipped'] = [];
  const species = classes.map((label) => ({ label, train: 0, validation: 0 }));
  for (const [i, photo] of photos.entries()) {
    try {
      const { bytes, path: source } = await readTrainingPhoto(photo, library);
      const relative = `${folders.get(photo.label)}/${photo.photoId}_${datasetSafeName(path.basename(source))}`;
      fs.mkdirSync(path.join(imagesDir, path.dirname(relative)), { recursive: true });
      fs.writeFileSync(path.join(imagesDir, relative), bytes);
      const line = `${relative} ${y[i]}`;
      if (inValidation.has(i)) {
        valLines.push(line);
        species[y[i]!]!.validation += 1;
      } else {
        trainLines.push(line);
        species[y[i]!]!.train += 1;
      }
    } catch (error) {
      skipped.push({ photoId: photo.photoId!, path: photo.path, message: errorMessage(error) });
    }
    options.onProgress?.(i + 1, photos.length);
  }
  const filesDir = path.join(outDir, 'dataset_files');
  fs.mkdirSync(filesDir, { recursive: true });
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  await writeFileAtomically(path.join(filesDir, 'classes.txt'), text(classes));
  const date = new Date().toISOString().slice(0, 10);
  await writeFileAtomically(path.join(filesDir, 'info.txt'), text(species.map((s) => `${s.train + s.validation} photos confirmed by rangers (Invasives Station export ${date})`)));
  await writeFileAtomically(path.join(filesDir, 'train.txt'), text(trainLines));
  await writeFileAtomically(path.join(filesDir, 'val.txt'), text(valLines));
  return { outDir, classes, species, train: trainLines.length, validation: valLines.length, skipped };
}
