import { StationError, type StationErrorCode } from '../errors.js';
import { startModuleWorker } from '../start-worker.js';
import type { ImportBundleSummary, MergeStage } from './import-bundle.js';

export interface MergeWorkerRequest {
  databasePath: string;
  /** The bundle, or another station's library file when `kind` is 'library'. */
  file: string;
  kind: 'bundle' | 'library';
  /** The file's name as the user knows it (an upload's own name, not its private copy). */
  label: string;
}

export type MergeWorkerMessage =
  | { type: 'progress'; stage: MergeStage; done: number; total: number }
  | { type: 'done'; summary: ImportBundleSummary }
  /** code null: not a StationError (an unexpected failure, reported as such). */
  | { type: 'failed'; code: StationErrorCode | null; message: string };

export interface MergeInWorkerOptions extends MergeWorkerRequest {
  onProgress?: (stage: MergeStage, done: number, total: number) => void;
}

/**
 * A bundle import or a library merge in a worker thread, on its own connection to the library:
 * the merge's one long transaction and its thumbnail copying never hold up the thread that
 * serves the UI, which keeps answering (and streams the progress). Same summary as the merge.
 */
export function mergeInWorker(options: MergeInWorkerOptions): Promise<ImportBundleSummary> {
  const { onProgress, ...request } = options;
  const worker = startModuleWorker(new URL('./merge-worker.js', import.meta.url), request);
  return new Promise<ImportBundleSummary>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: MergeWorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.stage, message.done, message.total);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.summary);
      } else {
        settled = true;
        reject(message.code ? new StationError(message.code, message.message) : new Error(message.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`The merge stopped unexpectedly (exit code ${code}); nothing half-merged was kept: merge the file again.`));
    });
  });
}
