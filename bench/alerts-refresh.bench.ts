/**
 * How long one alert refresh takes on a big library: the UI runs it after every import and,
 * debounced, after reviews and placements. Builds a synthetic library (N photos spread over
 * a park, a year, 6 species, each with a 6-class probability vector and a 2048-wide float16
 * embedding, as an Xception import stores them), then times refreshAlerts cold and warm.
 *
 * Run: node --import tsx bench/alerts-refresh.bench.ts [N=20000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { refreshAlerts } from '../main/core/geo/alerts.js';
import { Library } from '../main/core/library/index.js';
import { seededRandom } from '../main/core/seeded-random.js';
import { DEFAULT_SETTINGS } from '../main/core/settings.js';

const count = Number(process.argv[2] ?? 20_000);
const LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica', 'Arundo donax', 'not a plant'];
const EMBEDDING_WIDTH = 2048;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-alerts-bench-'));
const library = Library.open(path.join(dir, 'library.sqlite'));
try {
  const random = seededRandom(11);
  const model = library.models.add({ name: 'bench', version: '1', contentHash: 'bench', format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
  library.models.setActive(model.id);
  const importId = library.imports.start(dir, model.id);
  const built = performance.now();
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
        capturedAt: new Date(Date.UTC(2025, 0, 1) + day * 86_400_000 + Math.floor(random() * 36_000_000)).toISOString().slice(0, 19),
        latitude: -33.9 + (random() - 0.5) * 0.3,
        longitude: 18.4 + (random() - 0.5) * 0.4,
        altitude: null,
        cameraMake: 'Bench',
        cameraModel: 'Synthetic',
        exifWarning: null,
      });
      const probabilities = Float32Array.from(LABELS, () => random());
      const sum = probabilities.reduce((a, b) => a + b, 0);
      for (let c = 0; c < probabilities.length; c++) probabilities[c]! /= sum;
      const embedding = Float32Array.from({ length: EMBEDDING_WIDTH }, () => random());
      library.predictions.save({ photoId, modelId: model.id, labels: LABELS, probabilities, embedding, topK: 5 });
    }
  });
  console.log(`library of ${count} photos built in ${((performance.now() - built) / 1000).toFixed(1)} s`);
  const settings = { ...DEFAULT_SETTINGS.geo, alertMinScore: 0 };
  for (const run of ['cold', 'warm']) {
    const started = performance.now();
    const result = refreshAlerts(library, settings);
    console.log(`refreshAlerts (${run}): ${(performance.now() - started).toFixed(0)} ms, ${result.raised.length} raised, ${result.open} open, ${result.observations} observations`);
  }
} finally {
  library.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
