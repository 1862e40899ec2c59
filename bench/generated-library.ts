/**
 * The synthetic libraries the library benches build: a temp folder with a library file, a
 * model (active) and its import, and N photos spread over an area and a year.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Library, type NewPhoto } from '../main/core/library/index.js';

export interface BenchLibrary {
  dir: string;
  library: Library;
  modelId: number;
  importId: number;
  /** Closes the library and removes its folder. */
  dispose(): void;
}

/** A fresh library in a temp folder (`prefix` names it), with an active model of `labels` and an import started. */
export function openBenchLibrary(prefix: string, labels: readonly string[]): BenchLibrary {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const library = Library.open(path.join(dir, 'library.sqlite'));
  const dispose = () => {
    library.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const model = library.models.add({ name: 'bench', version: '1', contentHash: 'bench', format: 'onnx', sourcePath: dir, labels: [...labels], preprocessing: {} });
    library.models.setActive(model.id);
    return { dir, library, modelId: model.id, importId: library.imports.start(dir, model.id), dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

export interface GeneratedPhotos {
  count: number;
  /** The bench's seeded generator: each photo draws its day, time of day, latitude and longitude from it, in that order. */
  random: () => number;
  area: { west: number; east: number; south: number; north: number };
  /** Appended to the capture time (e.g. `+02:00`); none: a local time without offset. */
  utcOffset?: string;
  capturedAtSource?: NewPhoto['capturedAtSource'];
  /** What the bench adds to each photo (predictions, paths), in the same transaction. */
  eachPhoto(photoId: number, index: number): void;
}

/** Inserts `count` photos taken in 2025 (a day, then a time within its first 10 hours) in one transaction. */
export function insertGeneratedPhotos({ library, importId }: BenchLibrary, photos: GeneratedPhotos): void {
  const { random, area } = photos;
  library.transaction(() => {
    for (let i = 0; i < photos.count; i++) {
      const day = Math.floor(random() * 365);
      const photoId = library.photos.insert({
        sha256: `bench-${i}`,
        byteSize: 1,
        importId,
        format: 'jpeg',
        width: 4000,
        height: 3000,
        orientation: 1,
        capturedAt: `${new Date(Date.UTC(2025, 0, 1) + day * 86_400_000 + Math.floor(random() * 36_000_000)).toISOString().slice(0, 19)}${photos.utcOffset ?? ''}`,
        capturedAtSource: photos.capturedAtSource,
        latitude: area.south + random() * (area.north - area.south),
        longitude: area.west + random() * (area.east - area.west),
        altitude: null,
        cameraMake: 'Bench',
        cameraModel: 'Synthetic',
        exifWarning: null,
      });
      photos.eachPhoto(photoId, i);
    }
  });
}
