import type { Library } from '../main/core/library/index.js';
import { seededRandom } from '../main/core/seeded-random.js';

export const BENCH_SPECIES = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica', 'Arundo donax', 'Robinia pseudoacacia', 'Fallopia japonica', 'Impatiens glandulifera'];

/**
 * The review benches' library: `count` photos over an 18 × 20 km park and a year, each with a
 * prediction of 8 species saved through the real stores (no pixels: thumbnails and photos are
 * missing on purpose, so the figures are the station's and the UI's own).
 */
export function buildReviewLibrary(library: Library, count: number, dir: string, seed = 13): () => number {
  const model = library.models.add({ name: 'bench', version: '1', contentHash: 'bench', format: 'onnx', sourcePath: dir, labels: BENCH_SPECIES, preprocessing: {} });
  library.models.setActive(model.id);
  const random = seededRandom(seed);
  const batch = 5_000;
  for (let start = 0; start < count; start += batch) {
    library.transaction(() => {
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const id = library.photos.insert({
          sha256: `review-bench-${i}`, byteSize: 1, importId: null as unknown as number, format: 'jpeg', width: 4000, height: 3000, orientation: 1,
          capturedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().slice(0, 19),
          latitude: 41.92 + random() * 0.16, longitude: -93.76 + random() * 0.24, altitude: null, cameraMake: 'Canon', cameraModel: 'EOS 80D', exifWarning: null,
        });
        const probabilities = new Float32Array(BENCH_SPECIES.length).map(() => random() * 0.1);
        probabilities[Math.floor(random() * BENCH_SPECIES.length)] = 0.3 + random() * 0.6;
        library.predictions.save({ photoId: id, modelId: model.id, labels: BENCH_SPECIES, probabilities, topK: 5 });
      }
    });
  }
  return random;
}
