/**
 * PhotoClassifier on ONNX Runtime: the pack's Keras graph is compiled to ONNX once (cached
 * by content hash), sessions live in worker threads, photos are decoded and resized by
 * sharp on libuv threads while earlier photos are inferred, and photos waiting when a
 * worker frees up go in one batch.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SETTINGS } from '../../settings.js';
import { StationError } from '../../errors.js';
import type { Classification, ClassifierInput, DecodeRequest, ModelIdentity, PhotoClassifier } from '../classifier.js';
import type { ModelPack, Preprocessing } from '../model-pack.js';
import { compileKerasToOnnx } from '../onnx/compile-keras-to-onnx.js';
import { decodeSizeFor, networkPlan, preprocessDecoded, preprocessPhoto } from '../preprocess.js';
import { inferenceWorkersFor } from '../../inference-workers.js';
import { InferenceWorkerPool } from './worker-pool.js';

/** Bump when the compiler's output changes, so cached .onnx files are rebuilt. */
export const ONNX_COMPILER_VERSION = 1;

/**
 * 2 cores: two workers of one intra-op thread each, photos decoding on libuv threads in
 * between. Measured on Xception (bench/pipeline.bench.ts): one thread costs ~175 core-ms per
 * photo, two threads sharing a run ~205 (synchronisation), and ~300 when idle threads spin;
 * with two single-threaded sessions neither core waits for the other, and decoding fills
 * the gaps. Larger machines get more single-threaded workers (see inference-workers.ts).
 */
export const DEFAULT_INFERENCE_WORKERS = inferenceWorkersFor();
export const DEFAULT_THREADS_PER_WORKER = 1;
/**
 * Photos per ONNX run at most. Batching gains nothing measurable on CPU, and each photo of a
 * batch adds its activations (tens of MB for Xception) to the session's memory arena.
 */
export const DEFAULT_MAX_BATCH = 1;

export interface OnnxClassifierOptions {
  /** Where compiled .onnx files are kept, named by content hash. Without it, compile every time. */
  cacheDir?: string;
  /** Deterministic ten-crop test-time augmentation (ten inferences per photo). */
  tta?: boolean;
  workers?: number;
  threadsPerWorker?: number;
  maxPixels?: number;
  /** Photos per ONNX run at most. */
  maxBatch?: number;
  /** 'exact' (default) or 'fast' (sharp shrink-on-load); see preprocess.ts. */
  resampler?: 'exact' | 'fast';
  /**
   * A compiled .onnx file to run instead of the pack's graph or bytes (e.g. a library's model
   * store): workers load it directly, so the model's bytes never sit in this thread's memory.
   */
  onnxPath?: string;
}

interface Pending {
  views: number;
  data: Float32Array;
  path: string;
  resolve: (c: Classification) => void;
  reject: (e: Error) => void;
}

/** Cache key: the pack's content, the compiler version and the requested outputs. */
function cacheKey(pack: ModelPack): string {
  return crypto
    .createHash('sha256')
    .update(`${pack.identity.contentHash}\0${ONNX_COMPILER_VERSION}\0${pack.embeddingLayer ?? ''}`)
    .digest('hex');
}

/**
 * The pack's ONNX model: its own bytes, a cached compile, or a fresh compile (written to the
 * cache atomically). Returns a path when the model is on disk.
 */
export async function resolveOnnxModel(pack: ModelPack, cacheDir?: string): Promise<{ path?: string; bytes?: Uint8Array }> {
  if (pack.onnxModel) return { bytes: pack.onnxModel };
  const file = cacheDir ? path.join(cacheDir, `${cacheKey(pack)}.onnx`) : null;
  if (file && fs.existsSync(file)) return { path: file };
  if (!pack.layersModel) {
    throw new StationError('MODEL_INVALID', `Model "${pack.identity.name}" (${pack.identity.sourcePath}) has neither a Keras graph nor ONNX bytes; reload the model pack.`);
  }
  const bytes = compileKerasToOnnx(pack.layersModel, pack.embeddingLayer ? { embeddingLayer: pack.embeddingLayer } : {});
  if (!file) return { bytes };
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.promises.writeFile(temp, bytes);
  await fs.promises.rename(temp, file);
  return { path: file };
}

class OnnxClassifier implements PhotoClassifier {
  private readonly pending: Pending[] = [];
  readonly decodeRequest: DecodeRequest;

  constructor(
    readonly identity: ModelIdentity,
    /** Only the preprocessing is kept: the pack's graph and bytes can be freed once workers run. */
    private readonly preprocessing: Preprocessing,
    private readonly pool: InferenceWorkerPool,
    private readonly options: Required<Pick<OnnxClassifierOptions, 'tta' | 'maxPixels' | 'maxBatch' | 'resampler'>>,
  ) {
    const atLeast = decodeSizeFor(preprocessing, options.resampler);
    this.decodeRequest = atLeast ? { atLeast } : { samples: networkPlan(preprocessing, { tenCrop: options.tta }) };
  }

  private closed = false;

  /**
   * Not async: the network input is made from `input.decoded` before this returns, and only
   * the input (1 MB) waits for a worker, not the full frame (36 MB at 12 MP).
   */
  classify(input: ClassifierInput): Promise<Classification> {
    if (this.closed) return Promise.reject(this.closedError(input.path, 'CLASSIFY_FAILED'));
    // A caller's decode serves when it has the detail this resampler needs (the full frame for 'exact').
    const usable = input.decoded && (!input.decoded.reduced || this.options.resampler === 'fast');
    if (!usable) return this.classifyBytes(input.bytes, input.path);
    let tensor: { views: number; data: Float32Array };
    try {
      tensor = preprocessDecoded(input.decoded!, this.preprocessing, { tenCrop: this.options.tta });
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(tensor, input.path);
  }

  /** sharp decodes on libuv's thread pool, so this overlaps the inference of earlier photos. */
  private async classifyBytes(bytes: Buffer, path: string): Promise<Classification> {
    const tensor = await preprocessPhoto(bytes, this.preprocessing, {
      maxPixels: this.options.maxPixels,
      path,
      tenCrop: this.options.tta,
      resampler: this.options.resampler,
    });
    return this.enqueue(tensor, path);
  }

  private enqueue({ views, data }: { views: number; data: Float32Array }, path: string): Promise<Classification> {
    if (this.closed) return Promise.reject(this.closedError(path, 'CANCELLED'));
    return new Promise((resolve, reject) => {
      this.pending.push({ views, data, path, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const item of this.pending.splice(0)) item.reject(this.closedError(item.path, 'CANCELLED'));
    await this.pool.close();
  }

  private closedError(photo: string, code: 'CANCELLED' | 'CLASSIFY_FAILED'): StationError {
    return new StationError(code, `Model "${this.identity.name}" was closed; "${photo}" was not classified.`);
  }

  /** Hands waiting photos to idle workers, several per batch when several are waiting. */
  private pump(): void {
    const { height, width } = this.preprocessing;
    const viewSize = height * width * 3;
    while (this.pending.length > 0 && this.pool.idleWorkers > 0) {
      const batch: Pending[] = [this.pending.shift()!];
      let views = batch[0]!.views;
      while (this.pending.length > 0 && batch.length < this.options.maxBatch) {
        batch.push(this.pending.shift()!);
        views += batch[batch.length - 1]!.views;
      }
      const data = batch.length === 1 ? batch[0]!.data : new Float32Array(views * viewSize);
      if (batch.length > 1) {
        let offset = 0;
        for (const item of batch) {
          data.set(item.data, offset);
          offset += item.data.length;
        }
      }
      this.pool.run(data, views, height, width).then(
        (output) => {
          let view = 0;
          for (const item of batch) {
            try {
              item.resolve(this.classification(output.probabilities, output.classes, output.embedding, output.features, view, item.views, item.path));
            } catch (error) {
              item.reject(error as Error);
            }
            view += item.views;
          }
          this.pump();
        },
        (error: unknown) => {
          for (const item of batch) item.reject(error instanceof Error ? error : new Error(String(error)));
          this.pump();
        },
      );
    }
  }

  /** One photo's result from a batch: its views averaged (ten-crop) and checked. */
  private classification(probs: Float32Array, classes: number, emb: Float32Array | null, features: number, first: number, views: number, photo: string): Classification {
    const probabilities = averageRows(probs, classes, first, views);
    const embedding = emb ? averageRows(emb, features, first, views) : undefined;
    if (probabilities.some(Number.isNaN) || embedding?.some(Number.isNaN)) {
      throw new StationError('CLASSIFY_FAILED', `Model "${this.identity.name}" produced NaN for "${photo}"; its weights may be damaged. Try another model or reload this one.`);
    }
    return embedding ? { probabilities, embedding } : { probabilities };
  }
}

function averageRows(matrix: Float32Array, width: number, first: number, rows: number): Float32Array {
  if (rows === 1) return matrix.slice(first * width, (first + 1) * width);
  const out = new Float32Array(width);
  const sums = new Float64Array(width);
  for (let r = first; r < first + rows; r += 1) for (let i = 0; i < width; i += 1) sums[i]! += matrix[r * width + i]!;
  for (let i = 0; i < width; i += 1) out[i] = sums[i]! / rows;
  return out;
}

/**
 * A PhotoClassifier for a loaded model pack, running ONNX Runtime in worker threads.
 * Rejects with MODEL_UNSUPPORTED / MODEL_INVALID when the model cannot be compiled or loaded,
 * or when its output does not match the pack's labels or its input the pack's image size.
 */
export async function createOnnxClassifier(
  pack: ModelPack,
  options: OnnxClassifierOptions = {},
): Promise<PhotoClassifier> {
  // A file is better than bytes: each worker reads it itself, no copy stays in this thread.
  const model = options.onnxPath ? { path: options.onnxPath } : await resolveOnnxModel(pack, options.cacheDir);
  if (options.onnxPath && !fs.existsSync(options.onnxPath)) {
    throw new StationError('MODEL_NOT_FOUND', `The compiled model file ${options.onnxPath} of "${pack.identity.name}" is missing; add the model again.`);
  }
  const pool = await InferenceWorkerPool.start({
    ...model.path ? { modelPath: model.path } : { modelBytes: model.bytes! },
    workers: options.workers ?? DEFAULT_INFERENCE_WORKERS,
    threadsPerWorker: options.threadsPerWorker ?? DEFAULT_THREADS_PER_WORKER,
    modelName: pack.identity.name,
  });
  try {
    checkModelFitsPack(pack, pool);
    // One run per worker on a blank image: proves each session works, tells the output size,
    // and pays each session's slower first run (~1.4x) before the first photo waits on it.
    const { height, width } = pack.preprocessing;
    const workers = Math.max(1, Math.floor(options.workers ?? DEFAULT_INFERENCE_WORKERS));
    const [probe] = await Promise.all(Array.from({ length: workers }, () => pool.run(new Float32Array(height * width * 3), 1, height, width)));
    if (probe!.classes !== pack.identity.labels.length) {
      throw new StationError('MODEL_INVALID', `Model "${pack.identity.name}" outputs ${probe!.classes} classes but its pack lists ${pack.identity.labels.length} labels; the labels file does not belong to this model.`);
    }
  } catch (error) {
    await pool.close();
    throw error;
  }
  return new OnnxClassifier(pack.identity, pack.preprocessing, pool, {
    tta: options.tta ?? false,
    maxPixels: options.maxPixels ?? DEFAULT_SETTINGS.maxImagePixels,
    maxBatch: Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH),
    resampler: options.resampler ?? 'exact',
  });
}

function checkModelFitsPack(pack: ModelPack, pool: InferenceWorkerPool): void {
  const { inputDims, channelsFirst } = pool.model;
  const [h, w] = channelsFirst ? [inputDims[2], inputDims[3]] : [inputDims[1], inputDims[2]];
  const { height, width } = pack.preprocessing;
  if ((typeof h === 'number' && h > 0 && h !== height) || (typeof w === 'number' && w > 0 && w !== width)) {
    throw new StationError('MODEL_INVALID', `Model "${pack.identity.name}" takes ${w}x${h} images but its preprocessing says ${width}x${height}; fix the pack's image size.`);
  }
}
