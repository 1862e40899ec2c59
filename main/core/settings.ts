import path from 'node:path';
import envPaths from 'env-paths';
import { inferenceWorkersFor } from './inference-workers.js';

/** Every tunable of the pipeline, with its default, in one place. */
export interface Settings {
  /** SQLite library file. */
  databasePath: string;
  /** Photos in flight at once through read → hash → EXIF → decode → classify → store. */
  importConcurrency: number;
  /**
   * Of those, photos decoded to full size at once: each holds its frame (width x height x 3
   * bytes, 36 MB at 12 MP) until the network input and the thumbnail have been read from it.
   */
  decodeConcurrency: number;
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
  /**
   * Last resort for photos with no capture time in EXIF, XMP or IPTC: the file's modification
   * time (stored with source 'file:modified'). Off by default: a copied file's mtime is the copy's.
   */
  captureTimeFromFileModified: boolean;
  /** Geography and early alerts (issue 5). */
  geo: GeoSettings;
}

export interface GeoSettings {
  /** Side of the alert grid cells, in metres. */
  gridCellMetres: number;
  /** A prediction below this top-1 score raises no alert until a ranger confirms it. */
  alertMinScore: number;
  /** Species that can raise place alerts; null: every species the model names (an invasive-species model). */
  invasiveSpecies: readonly string[] | null;
  /** Surge alert: sightings in a zone over the last `surgeWindowDays`... */
  surgeWindowDays: number;
  /** ...compared with the mean per window over the `surgeHistoryWindows` windows before it... */
  surgeHistoryWindows: number;
  /** ...raise when at least `surgeMinSightings` and `surgeFactor` times that mean (or any, when there was none). */
  surgeFactor: number;
  surgeMinSightings: number;
  /** Photos this close in time and place are one observation (a burst of the same plant). */
  burstSeconds: number;
  burstMetres: number;
  /** Or: photos this close in time whose embeddings have at least this cosine similarity. */
  burstEmbeddingSimilarity: number;
  /** GPX matching refuses a photo farther than this from the nearest track points in time. */
  gpxMaxGapSeconds: number;
  /** Darwin Core coordinateUncertaintyInMeters per position source. */
  positionUncertaintyMetres: { exif: number; gpx: number; manual: number };
  /** A first record in a cell or zone this close to a known record of the same species is "spread", not a new introduction. */
  spreadBufferMetres: number;
  /** A watch-list species recorded this close to the park boundary (inside or out) raises a near-boundary alert. */
  boundaryBufferMetres: number;
  /** Unknown organisms raise at most one alert per grid cell and window of this many days. */
  unknownWindowDays: number;
  /** Alert kinds, most urgent first: lists and reports sort by it (then by the species' priority). */
  alertPriority: readonly AlertKindName[];
}

/** The alert kinds (kept here as names so that settings depend on nothing else). */
export type AlertKindName = 'new-species' | 'new-zone' | 'new-cell' | 'near-boundary' | 'spread' | 'surge' | 'unknown-organism' | 'regrowth';
export const DEFAULT_ALERT_PRIORITY: readonly AlertKindName[] = ['new-species', 'new-zone', 'new-cell', 'near-boundary', 'spread', 'surge', 'regrowth', 'unknown-organism'];

export const APP_NAME = 'invasives-station';

export function defaultDatabasePath(): string {
  return path.join(envPaths(APP_NAME, { suffix: '' }).data, 'library.sqlite');
}

export const DEFAULT_SETTINGS: Omit<Settings, 'databasePath'> = {
  // A photo in inference per ONNX Runtime worker (two on 2 cores) and one decoding keep the cores busy.
  importConcurrency: inferenceWorkersFor() + 1,
  // In steady state one photo decodes while two are inferred; at the start of an import all
  // three would decode at once, three frames at the peak of memory instead of two.
  decodeConcurrency: 2,
  maxFileBytes: 512 * 1024 * 1024,
  maxImagePixels: 120_000_000,
  thumbnailSize: 320,
  topK: 5,
  tenCrop: false,
  captureTimeFromFileModified: false,
  geo: {
    gridCellMetres: 1000,
    alertMinScore: 0.5,
    invasiveSpecies: null,
    surgeWindowDays: 14,
    surgeHistoryWindows: 6,
    surgeFactor: 3,
    surgeMinSightings: 5,
    burstSeconds: 180,
    burstMetres: 15,
    burstEmbeddingSimilarity: 0.97,
    gpxMaxGapSeconds: 300,
    positionUncertaintyMetres: { exif: 30, gpx: 30, manual: 100 },
    spreadBufferMetres: 1000,
    boundaryBufferMetres: 1000,
    unknownWindowDays: 30,
    alertPriority: DEFAULT_ALERT_PRIORITY,
  },
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

/** Basemap files (MBTiles, PMTiles) are copied beside the database, so the map keeps working without the originals. */
export function basemapStoreDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath)}.basemaps`);
}
