/**
 * Worker-thread entry that runs one merge (see merge-in-worker.ts) on its own connection to the
 * library (WAL lets the UI's connection keep reading meanwhile).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StationError, errorMessage } from '../errors.js';
import { Library } from '../library/index.js';
import { type MergeStage, importBundle } from './import-bundle.js';
import type { MergeWorkerMessage, MergeWorkerRequest } from './merge-in-worker.js';
import { mergeLibraryFile } from './merge-library.js';

const request = workerData as MergeWorkerRequest;
const port = parentPort!;
const post = (message: MergeWorkerMessage) => port.postMessage(message);
const onProgress = (stage: MergeStage, done: number, total: number) => post({ type: 'progress', stage, done, total });

let library: Library | null = null;
try {
  library = Library.open(request.databasePath);
  const summary =
    request.kind === 'library'
      ? await mergeLibraryFile(library, request.file, { onProgress, label: request.label })
      : await importBundle(library, request.file, { label: request.label, onProgress });
  post({ type: 'done', summary });
} catch (error) {
  post({ type: 'failed', code: error instanceof StationError ? error.code : null, message: errorMessage(error) });
} finally {
  library?.close();
  port.close();
}
