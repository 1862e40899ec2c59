import path from 'node:path';
import envPaths from 'env-paths';

/** Every tunable of the pipeline, with its default, in one place. */
export interface Settings {
  /** SQLite library file. */
  databasePath: string;
  /** Photos in flight at once through read → hash → EXIF → decode → classify → store. */
  importConcurrency: number;
  /** Files larger than this are refused before being read (a photo is never this big). */
  maxFileBytes: number;
  /** Decoders refuse images with more pixels than this (decompression bombs). */
  maxImagePixels: number;
  /** Longest side of the cached review thumbnails, in pixels. */
  thumbnailSize: number;
  /** How many of the best classes are kept per prediction besides the full vector. */
  topK: number;
  /** Deterministic ten-crop test-time augmentation: ten inferences per photo, probabilities averaged. */
  tenCrop: boolean;
}

export const APP_NAME = 'invasives-station';

export function defaultDatabasePath(): string {
  return path.join(envPaths(APP_NAME, { suffix: '' }).data, 'library.sqlite');
}

export const DEFAULT_SETTINGS: Omit<Settings, 'databasePath'> = {
  importConcurrency: 4,
  maxFileBytes: 512 * 1024 * 1024,
  maxImagePixels: 120_000_000,
  thumbnailSize: 320,
  topK: 5,
  tenCrop: false,
};

export function resolveSettings(overrides: Partial<Settings> = {}): Settings {
  return { databasePath: defaultDatabasePath(), ...DEFAULT_SETTINGS, ...overrides };
}

/** Thumbnails live in a folder beside the database, so a library is one folder to back up. */
export function thumbnailCacheDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath)}.thumbs`);
}

/** Compiled models (ONNX) live beside the database too: the library keeps working without the original packs. */
export function modelStoreDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath)}.models`);
}
