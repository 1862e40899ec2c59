/**
 * How long `export --format dwca` (without photos) takes on a big library: observations,
 * taxa, countryCode (33 border look-ups per occurrence), meta.xml/eml.xml and the zip.
 * Builds a synthetic library of N photos (Cape Peninsula, a year, 5 classes) with
 * bench/generated-library.ts, as bench/alerts-refresh.bench.ts does, without embeddings.
 *
 * Run: node --import tsx bench/dwca-export.bench.ts [N=20000]
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeDarwinCoreArchive } from '../main/core/geo/export-dwca.js';
import { seededRandom } from '../main/core/seeded-random.js';
import { DEFAULT_SETTINGS } from '../main/core/settings.js';
import { insertGeneratedPhotos, openBenchLibrary } from './generated-library.js';

const count = Number(process.argv[2] ?? 20_000);
const LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica', 'Arundo donax'];

const bench = openBenchLibrary('invasives-dwca-bench-', LABELS);
const { dir, library, modelId, importId } = bench;
try {
  const random = seededRandom(7);
  insertGeneratedPhotos(bench, {
    count,
    random,
    area: { west: 18.35, east: 18.45, south: -34.2, north: -33.9 },
    utcOffset: '+02:00',
    capturedAtSource: 'exif:DateTimeOriginal',
    eachPhoto(photoId, i) {
      const probabilities = Float32Array.from(LABELS, () => random());
      const sum = probabilities.reduce((a, b) => a + b, 0);
      for (let c = 0; c < probabilities.length; c++) probabilities[c]! /= sum;
      library.predictions.save({ photoId, modelId, labels: LABELS, probabilities, topK: 5 });
      library.photos.recordPath(photoId, path.join(dir, `IMG_${i}.JPG`), importId);
    },
  });
  const started = performance.now();
  const result = await writeDarwinCoreArchive(library, DEFAULT_SETTINGS.geo, path.join(dir, 'dwca.zip'));
  const seconds = (performance.now() - started) / 1000;
  const size = fs.statSync(path.join(dir, 'dwca.zip')).size;
  console.log(`export --format dwca of ${count} photos: ${result.written} occurrences in ${seconds.toFixed(1)} s, ${(size / 1e6).toFixed(1)} MB zip`);
} finally {
  bench.dispose();
}
