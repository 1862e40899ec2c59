import { StationError, type StationErrorCode } from '../errors.js';
import type { Settings } from '../settings.js';
import { startModuleWorker } from '../start-worker.js';
import type { ImportProgress, ImportResult } from './import-events.js';

export interface ImportWorkerRequest {
  rootPath: string;
  settings: Settings;
  /** Classify with the active model (or `model`). */
  classify: boolean;
  /** A library model id or a model pack path; absent → the active model. */
  model?: string;
}

export type ImportWorkerMessage =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; result: ImportResult }
  | { type: 'failed'; code: StationErrorCode; message: string };

export interface ImportInWorkerOptions extends ImportWorkerRequest {
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

/**
 * `importFolder` in a worker thread: same results, progress and cancellation, but none of
 * its CPU work on the calling thread (the UI's server or the Electron main process).
 */
export function importFolderInWorker(options: ImportInWorkerOptions): Promise<ImportResult> {
  const { signal, onProgress, ...request } = options;
  const worker = startModuleWorker(new URL('./import-worker.js', import.meta.url), request);
  const cancel = () => worker.postMessage({ type: 'cancel' });
  signal?.addEventListener('abort', cancel, { once: true });
  return new Promise<ImportResult>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: ImportWorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.progress);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new StationError(message.code, message.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      signal?.removeEventListener('abort', cancel);
      if (!settled) reject(new Error(`The import worker stopped unexpectedly (exit code ${code}); run the import again to resume it.`));
    });
  });
}
