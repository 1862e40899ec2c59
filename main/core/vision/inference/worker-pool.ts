/**
 * A small pool of worker threads, each holding one ONNX Runtime session. Batches go to the
 * first idle worker; a worker that dies is replaced and its batch fails with a clear error.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../start-worker.js';
import { StationError } from '../../errors.js';
import type { RunRequest, RunResult, WorkerInit, WorkerMessage, WorkerReady } from './protocol.js';

export interface InferencePoolOptions {
  /** A .onnx file (preferred: each worker reads it) or the model's bytes. */
  modelPath?: string;
  modelBytes?: Uint8Array;
  workers: number;
  threadsPerWorker: number;
  /** Names the model in error messages. */
  modelName: string;
}

export interface BatchOutput {
  probabilities: Float32Array;
  classes: number;
  embedding: Float32Array | null;
  features: number;
}

interface Job {
  request: RunRequest;
  resolve: (output: BatchOutput) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

function startWorker(workerData: WorkerInit): Worker {
  return startModuleWorker(new URL('./onnx-worker.js', import.meta.url), workerData);
}

export class InferenceWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly options: InferencePoolOptions,
    /** What the model takes and gives, as the first worker reported it. */
    readonly model: WorkerReady,
  ) {}

  /** Starts the workers and waits until every session is loaded. */
  static async start(options: InferencePoolOptions): Promise<InferenceWorkerPool> {
    const count = Math.max(1, Math.floor(options.workers));
    const started = await Promise.allSettled(Array.from({ length: count }, () => spawn(options)));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.worker.terminate() : undefined)));
      throw (failed as PromiseRejectedResult).reason;
    }
    const ready = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; ready: WorkerReady }>).value);
    const pool = new InferenceWorkerPool(options, ready[0]!.ready);
    for (const { worker } of ready) pool.adopt(worker);
    return pool;
  }

  /** Workers with nothing to do and nothing queued for them. */
  get idleWorkers(): number {
    return this.slots.filter((s) => s.job === null).length - this.queue.length;
  }

  /** Runs one NHWC batch; resolves with the batch's outputs. */
  run(data: Float32Array, batch: number, height: number, width: number): Promise<BatchOutput> {
    if (this.closed) return Promise.reject(new StationError('CLASSIFY_FAILED', `Model "${this.options.modelName}" is closed; no more photos can be classified with it.`));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { type: 'run', id: this.nextId++, data, batch, height, width }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new StationError('CANCELLED', `Model "${this.options.modelName}" was closed before the photo was classified.`);
    for (const job of this.queue.splice(0)) job.reject(error);
    await Promise.all(this.slots.map(async (slot) => {
      slot.job?.reject(error);
      slot.job = null;
      await slot.worker.terminate();
    }));
    this.slots.length = 0;
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, job: null };
    this.slots.push(slot);
    worker.on('message', (message: WorkerMessage) => {
      const job = slot.job;
      if (!job || (message.type !== 'result' && message.type !== 'error') || message.id !== job.request.id) return;
      slot.job = null;
      if (message.type === 'result') job.resolve(outputOf(message));
      else job.reject(new StationError('CLASSIFY_FAILED', `ONNX Runtime failed on model "${this.options.modelName}": ${message.message}`));
      this.dispatch();
    });
    const replace = (reason: string): void => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      slot.job?.reject(new StationError('CLASSIFY_FAILED', `The inference worker for model "${this.options.modelName}" stopped (${reason}); the photo was not classified.`));
      slot.job = null;
      if (this.closed) return;
      spawn(this.options).then(
        ({ worker: fresh }) => {
          if (this.closed) void fresh.terminate();
          else {
            this.adopt(fresh);
            this.dispatch();
          }
        },
        (error: unknown) => {
          if (this.slots.length > 0) return;
          const failure = new StationError('CLASSIFY_FAILED', `No inference worker could be restarted for model "${this.options.modelName}": ${error instanceof Error ? error.message : String(error)}`);
          for (const job of this.queue.splice(0)) job.reject(failure);
        },
      );
    };
    worker.on('error', (error) => replace(error.message));
    worker.on('exit', (code) => replace(`exit code ${code}`));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      slot.worker.postMessage(job.request, [job.request.data.buffer as ArrayBuffer]);
    }
  }
}

function outputOf(message: RunResult): BatchOutput {
  return { probabilities: message.probabilities, classes: message.classes, embedding: message.embedding, features: message.features };
}

function spawn(options: InferencePoolOptions): Promise<{ worker: Worker; ready: WorkerReady }> {
  const init: WorkerInit = { threads: Math.max(1, Math.floor(options.threadsPerWorker)) };
  if (options.modelPath) init.modelPath = options.modelPath;
  else init.modelBytes = options.modelBytes;
  const worker = startWorker(init);
  return new Promise((resolve, reject) => {
    const fail = (message: string): void => {
      void worker.terminate();
      reject(new StationError('MODEL_INVALID', `ONNX Runtime could not load model "${options.modelName}": ${message}`));
    };
    const onMessage = (message: WorkerMessage): void => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.off('message', onMessage);
      if (message.type === 'ready') resolve({ worker, ready: message });
      else fail(message.type === 'error' ? message.message : 'unexpected message');
    };
    const onError = (error: Error): void => fail(error.message);
    const onExit = (code: number): void => fail(`the worker exited with code ${code} while loading`);
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}
