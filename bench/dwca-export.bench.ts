/**
 * How long `export --format dwca` (without photos) takes on a big library: observations,
 * taxa, countryCode (33 border look-ups per occurrence), meta.xml/eml.xml and the zip.
 * Builds a synthetic library of N photos (Cape Peninsula, a year, 5 classes) as
 * bench/alerts-refresh.bench.ts does, without embeddings.
 *
 * Run: node --import tsx bench/dwca-export.bench.ts [N=20000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDarwinCoreArchive } from '../main/core/geo/export-dwca.js';
import { Library } from '../main/core/library/index.js';
import { seededRandom } from '../main/core/seeded-random.js';
import { DEFAULT_SETTINGS } from '../main/core/settings.js';

const count = Number(process.argv[2] ?? 20_000);
const LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica', 'Arundo donax'];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-dwca-bench-'));
const library = Library.open(path.join(dir, 'library.sqlite'));
try {
  const random = seededRandom(7);
  const model = library.models.add({ name: 'bench', version: '1', contentHash: 'bench', format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
  library.models.setActive(model.id);
  const importId = library.imports.start(dir, model.id);
  library.transaction(() => {
    for (let i = 0; i < count; i++) {
      const day = Math.floor(random() * 365);
      const photoId = library.photos.insert({
        sha256: `bench-${i}`,
        byteSize: 1,
        importId,
        format: 'jpeg',
        width: 4000,
        height: 3000,
        orientation: 1,
        capturedAt: `${new Date(Date.UTC(2025, 0, 1) + day * 86_400_000 + Math.floor(random() * 36_000_000)).toISOString().slice(0, 19)}+02:00`,
        capturedAtSource: 'exif:DateTimeOriginal',
        latitude: -34.2 + random() * 0.3,
        longitude: 18.35 + random() * 0.1,
        altitude: null,
        cameraMake: 'Bench',
        cameraModel: 'Synthetic',
        exifWarning: null,
      });
      const probabilities = Float32Array.from(LABELS, () => random());
      const sum = probabilities.reduce((a, b) => a + b, 0);
      for (let c = 0; c < probabilities.length; c++) probabilities[c]! /= sum;
      library.predictions.save({ photoId, modelId: model.id, labels: LABELS, probabilities, topK: 5 });
      library.photos.recordPath(photoId, path.join(dir, `IMG_${i}.JPG`), importId);
    }
  });
  const started = performance.now();
  const result = await writeDarwinCoreArchive(library, DEFAULT_SETTINGS.geo, path.join(dir, 'dwca.zip'));
  const seconds = (performance.now() - started) / 1000;
  const size = fs.statSync(path.join(dir, 'dwca.zip')).size;
  console.log(`export --format dwca of ${count} photos: ${result.written} occurrences in ${seconds.toFixed(1)} s, ${(size / 1e6).toFixed(1)} MB zip`);
} finally {
  library.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
