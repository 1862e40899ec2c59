/**
 * Where labelled photos come from: the library (photos a ranger confirmed or corrected) or
 * folders with one sub-folder per species (the layout of a ranger's sorted pictures).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StationError } from '../errors.js';
import { scanFolder } from '../scan-folder.js';
import type { Library } from '../library/index.js';

export interface LabelledPhoto {
  source: 'library' | 'folder';
  /** Library photo id (library photos only). */
  photoId: number | null;
  path: string;
  sha256: string;
  /** The species the photo shows. */
  label: string;
}

/** Photos whose current review is 'confirmed' or 'corrected', labelled with the reviewed species. */
export function libraryTrainingPhotos(library: Library): LabelledPhoto[] {
  const photos: LabelledPhoto[] = [];
  for (const status of ['confirmed', 'corrected'] as const) {
    for (const photo of library.photos.iterate({ status, order: 'added' })) {
      const label = photo.review?.species ?? photo.species;
      if (label) photos.push({ source: 'library', photoId: photo.id, path: photo.path, sha256: photo.sha256, label });
    }
  }
  return photos.sort((a, b) => a.photoId! - b.photoId!);
}

/**
 * Photos under `dir`, one sub-folder per species (sub-folder name = label; photos nested deeper
 * count for that species). Photos lying directly in `dir` are ignored: they have no label.
 */
export async function folderTrainingPhotos(dir: string): Promise<LabelledPhoto[]> {
  const root = path.resolve(dir);
  let entries;
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    throw new StationError('FOLDER_NOT_FOUND', `The folder ${root} does not exist or cannot be read; give a folder with one sub-folder per species.`);
  }
  const species = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (species.length === 0) {
    throw new StationError('TRAINING_DATA_INSUFFICIENT', `${root} has no sub-folders: put each species' photos in a sub-folder named after the species.`);
  }
  const photos: LabelledPhoto[] = [];
  for (const label of species) {
    const scan = await scanFolder(path.join(root, label));
    for (const file of scan.files) {
      const bytes = await fs.readFile(file);
      photos.push({ source: 'folder', photoId: null, path: file, sha256: createHash('sha256').update(bytes).digest('hex'), label });
    }
  }
  return photos;
}

/** The photo's bytes from the first of its known places that still holds the same content. */
export async function readTrainingPhoto(photo: LabelledPhoto, library: Library | null): Promise<{ bytes: Buffer; path: string }> {
  const candidates = photo.photoId !== null && library ? [photo.path, ...library.photos.paths(photo.photoId)] : [photo.path];
  for (const candidate of [...new Set(candidates)]) {
    const bytes = await fs.readFile(candidate).catch(() => null);
    if (bytes && createHash('sha256').update(bytes).digest('hex') === photo.sha256) return { bytes, path: candidate };
  }
  throw new StationError(
    'FILE_UNREADABLE',
    `${photo.photoId !== null ? `Photo #${photo.photoId}` : photo.path} is no longer where it was (${[...new Set(candidates)].join(', ')}) or has changed; insert its card or folder and train again.`,
  );
}
