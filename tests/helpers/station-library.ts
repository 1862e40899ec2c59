import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Library } from '../../main/core/library/index.js';
import { thumbnailCacheDir } from '../../main/core/settings.js';

/** A content hash as the import computes it, for bytes named by `seed`. */
export function hashOf(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

/** Adds a photo row (as an import would) and a real JPEG thumbnail for it; returns its id. */
export async function addPhoto(library: Library, seed: string, options: { latitude?: number; longitude?: number; importId?: number } = {}): Promise<{ id: number; sha256: string }> {
  const sha256 = hashOf(seed);
  const importId = options.importId ?? library.imports.start('/cards/' + seed, null);
  const id = library.photos.insert({
    sha256,
    byteSize: 1000 + seed.length,
    importId,
    format: 'jpeg',
    width: 640,
    height: 480,
    orientation: 1,
    capturedAt: '2026-05-01T10:00:00',
    latitude: options.latitude ?? 46.5,
    longitude: options.longitude ?? 7.5,
    altitude: null,
    cameraMake: 'Test',
    cameraModel: seed,
    exifWarning: null,
  });
  const thumbs = thumbnailCacheDir(library.databasePath);
  fs.mkdirSync(thumbs, { recursive: true });
  const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: seed.length * 20, g: 90, b: 40 } } }).jpeg().toBuffer();
  fs.writeFileSync(path.join(thumbs, `${sha256}.jpg`), jpeg);
  return { id, sha256 };
}

/** A model identity and a prediction of it on `photoId`. */
export function addPrediction(library: Library, photoId: number, modelSeed = 'model-1'): number {
  const model = library.models.add({
    name: `Test model ${modelSeed}`,
    version: '1',
    contentHash: hashOf(modelSeed),
    format: 'onnx',
    sourcePath: `/models/${modelSeed}`,
    labels: ['Ailanthus altissima', 'Fallopia japonica'],
    preprocessing: { size: 224 },
  });
  return library.predictions.save({ photoId, modelId: model.id, labels: ['Ailanthus altissima', 'Fallopia japonica'], probabilities: new Float32Array([0.8, 0.2]), topK: 2 });
}
