/**
 * Backbone embeddings of training photos: the library's stored ones when the photo was
 * classified with the backbone, else a cached one (by backbone content hash + photo sha256),
 * else computed by running the backbone's ONNX model, and cached for the next training.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { StationError, errorMessage } from '../errors.js';
import { RateMeter, runWorkQueue } from '../work-queue.js';
import type { Library, ModelRow } from '../library/index.js';
import { type Settings, modelStoreDir } from '../settings.js';
import type { PhotoClassifier } from '../vision/classifier.js';
import { openLibraryModel } from '../vision/open-classifier.js';
import { countFinishedPhoto } from './embedding-progress.js';
import { type LabelledPhoto, readTrainingPhoto } from './training-photos.js';

export interface EmbeddingProgress {
  total: number;
  done: number;
  /** Taken from the library's stored predictions. */
  fromLibrary: number;
  fromCache: number;
  computed: number;
  failed: number;
  /** Photos per second of those computed so far. */
  rate: number;
}

export interface EmbeddingResult {
  /** Index-aligned with the photos; null where the photo failed. */
  embeddings: (Float32Array | null)[];
  failed: { path: string; photoId: number | null; message: string }[];
  progress: EmbeddingProgress;
  /** Seconds spent running the backbone (0 when everything was stored or cached). */
  computeSeconds: number;
}

export interface EmbedOptions {
  library: Library;
  settings: Settings;
  /** Where computed embeddings are cached; default `<library>.models/embeddings`. */
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (progress: EmbeddingProgress) => void;
}

export function embeddingCacheDir(databasePath: string): string {
  return path.join(modelStoreDir(databasePath), 'embeddings');
}

function readCached(file: string): Float32Array | null {
  try {
    const bytes = fs.readFileSync(file);
    if (bytes.length === 0 || bytes.length % 4 !== 0) return null;
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  } catch {
    return null;
  }
}

/** Embeddings of `photos` under `backbone` (a library model whose ONNX graph has an `embedding` output). */
export async function embedPhotos(photos: readonly LabelledPhoto[], backbone: ModelRow, options: EmbedOptions): Promise<EmbeddingResult> {
  const cacheDir = path.join(options.cacheDir ?? embeddingCacheDir(options.library.databasePath), backbone.contentHash);
  const embeddings: (Float32Array | null)[] = photos.map(() => null);
  const failed: EmbeddingResult['failed'] = [];
  const progress: EmbeddingProgress = { total: photos.length, done: 0, fromLibrary: 0, fromCache: 0, computed: 0, failed: 0, rate: 0 };
  const todo: number[] = [];
  photos.forEach((photo, i) => {
    const stored = photo.photoId !== null ? options.library.predictions.vectorsOf(photo.photoId, backbone.id)?.embedding : null;
    const cached = stored ? null : readCached(path.join(cacheDir, `${photo.sha256}.f32`));
    if (stored) progress.fromLibrary += 1;
    else if (cached) progress.fromCache += 1;
    else return todo.push(i);
    embeddings[i] = stored ?? cached;
    progress.done += 1;
  });
  options.onProgress?.({ ...progress });
  if (todo.length === 0) return { embeddings, failed, progress, computeSeconds: 0 };

  const started = performance.now();
  // Ten-crop would change the features; training and the stored embeddings use the plain view.
  const classifier: PhotoClassifier = await openLibraryModel(backbone, { ...options.settings, tenCrop: false });
  const meter = new RateMeter();
  let noEmbedding = false;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    await runWorkQueue(todo, {
      concurrency: options.settings.importConcurrency,
      signal: options.signal,
      work: async (i) => {
        const photo = photos[i]!;
        try {
          const { bytes, path: where } = await readTrainingPhoto(photo, options.library);
          const result = await classifier.classify({ bytes, path: where });
          if (!result.embedding) {
            noEmbedding = true;
            return 'no embedding';
          }
          await writeFileAtomically(path.join(cacheDir, `${photo.sha256}.f32`), Buffer.from(result.embedding.buffer, result.embedding.byteOffset, result.embedding.byteLength));
          embeddings[i] = result.embedding;
          return null;
        } catch (error) {
          return errorMessage(error);
        }
      },
      after: (i, message) => {
        if (noEmbedding) return 'stop';
        countFinishedPhoto(progress, photos[i]!, message, { meter, failed, onProgress: options.onProgress });
      },
    });
  } finally {
    await classifier.close();
  }
  if (noEmbedding) {
    throw new StationError('MODEL_UNSUPPORTED', `Model #${backbone.id} "${backbone.name}" gives no embedding (pooled features), so it cannot be a backbone; choose a model added from a Keras or TF.js pack.`);
  }
  return { embeddings, failed, progress, computeSeconds: (performance.now() - started) / 1000 };
}
