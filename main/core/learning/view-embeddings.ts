/**
 * Embeddings of the augmented training views (training-views.ts) of each photo: cached by
 * backbone content hash + photo sha256 + view set, else computed by running the backbone's
 * ONNX graph on the views, all of a photo's views in one batch.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { errorMessage } from '../errors.js';
import { RateMeter, runWorkQueue } from '../work-queue.js';
import type { Library, ModelRow } from '../library/index.js';
import type { Settings } from '../settings.js';
import { InferenceWorkerPool } from '../vision/inference/worker-pool.js';
import type { Preprocessing } from '../vision/model-pack.js';
import { normalizeInto, photoViews } from '../vision/preprocess.js';
import { countFinishedPhoto } from './embedding-progress.js';
import { embeddingCacheDir } from './embeddings.js';
import { type LabelledPhoto, readTrainingPhoto } from './training-photos.js';
import { AUGMENTED_VIEWS, type TrainingViewSpec, trainingView, viewSetKey } from './training-views.js';

export interface ViewEmbeddingProgress {
  total: number;
  done: number;
  fromCache: number;
  computed: number;
  /** Photos whose views could not be made (they train on their plain view only). */
  failed: number;
  /** Photos per second of those computed so far. */
  rate: number;
}

export interface ViewEmbeddingResult {
  /** Index-aligned with the photos: one embedding per view, or null where the photo failed. */
  views: (Float32Array[] | null)[];
  failed: { path: string; photoId: number | null; message: string }[];
  progress: ViewEmbeddingProgress;
  computeSeconds: number;
}

export interface EmbedViewsOptions {
  library: Library;
  settings: Settings;
  views?: readonly TrainingViewSpec[];
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (progress: ViewEmbeddingProgress) => void;
}

function readCached(file: string, views: number): Float32Array[] | null {
  try {
    const bytes = fs.readFileSync(file);
    if (bytes.length === 0 || bytes.length % (4 * views) !== 0) return null;
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const width = all.length / views;
    return Array.from({ length: views }, (_, v) => all.slice(v * width, (v + 1) * width));
  } catch {
    return null;
  }
}

/** The augmented views' embeddings of `photos` under `backbone` (a model with an `embedding` output). */
export async function embedTrainingViews(photos: readonly LabelledPhoto[], backbone: ModelRow, options: EmbedViewsOptions): Promise<ViewEmbeddingResult> {
  const specs = options.views ?? AUGMENTED_VIEWS;
  const key = createHash('sha256').update(viewSetKey(specs)).digest('hex').slice(0, 12);
  const cacheDir = path.join(options.cacheDir ?? embeddingCacheDir(options.library.databasePath), backbone.contentHash);
  const cacheFile = (photo: LabelledPhoto) => path.join(cacheDir, `${photo.sha256}.views-${key}.f32`);
  const views: (Float32Array[] | null)[] = photos.map(() => null);
  const failed: ViewEmbeddingResult['failed'] = [];
  const progress: ViewEmbeddingProgress = { total: photos.length, done: 0, fromCache: 0, computed: 0, failed: 0, rate: 0 };
  if (specs.length === 0) return { views: photos.map(() => []), failed, progress: { ...progress, done: photos.length }, computeSeconds: 0 };
  const todo: number[] = [];
  photos.forEach((photo, i) => {
    const cached = readCached(cacheFile(photo), specs.length);
    if (!cached) return todo.push(i);
    views[i] = cached;
    progress.fromCache += 1;
    progress.done += 1;
  });
  options.onProgress?.({ ...progress });
  if (todo.length === 0 || !backbone.onnxPath) return { views, failed, progress, computeSeconds: 0 };

  const started = performance.now();
  const preprocessing = backbone.preprocessing as unknown as Preprocessing;
  const { width, height } = preprocessing;
  const pool = await InferenceWorkerPool.start({ modelPath: backbone.onnxPath, workers: 1, threadsPerWorker: 2, modelName: backbone.name });
  const meter = new RateMeter();
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    await runWorkQueue(todo, {
      concurrency: Math.max(1, Math.min(2, options.settings.importConcurrency)),
      signal: options.signal,
      work: async (i) => {
        const photo = photos[i]!;
        try {
          const { bytes, path: where } = await readTrainingPhoto(photo, options.library);
          // The classifier's own network input (no ten-crop), then the views derived from it.
          const [input] = await photoViews(bytes, preprocessing, { maxPixels: options.settings.maxImagePixels, path: where });
          const size = width * height * 3;
          const data = new Float32Array(specs.length * size);
          specs.forEach((spec, v) => normalizeInto(trainingView(input!, spec), preprocessing, data, v * size));
          const output = await pool.run(data, specs.length, height, width);
          if (!output.embedding) return `model #${backbone.id} "${backbone.name}" gives no embedding`;
          const all = output.embedding;
          const features = output.features;
          if (all.some(Number.isNaN)) return `model "${backbone.name}" produced NaN for "${where}"`;
          await writeFileAtomically(cacheFile(photo), Buffer.from(all.buffer, all.byteOffset, all.byteLength));
          views[i] = Array.from({ length: specs.length }, (_, v) => all.slice(v * features, (v + 1) * features));
          return null;
        } catch (error) {
          return errorMessage(error);
        }
      },
      after: (i, message) => countFinishedPhoto(progress, photos[i]!, message, { meter, failed, onProgress: options.onProgress }),
    });
  } finally {
    await pool.close();
  }
  return { views, failed, progress, computeSeconds: (performance.now() - started) / 1000 };
}
