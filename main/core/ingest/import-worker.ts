/**
 * Worker-thread entry that runs one import (see import-in-worker.ts): every per-photo CPU
 * step (hash, EXIF, HEIC decode, resize) happens here, so the thread that serves the UI never
 * waits on it. It opens its own connection to the library (WAL lets both work at once).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StationError, errorMessage } from '../errors.js';
import { Library } from '../library/index.js';
import { openClassifier } from '../vision/open-classifier.js';
import { importFolder } from './import-folder.js';
import type { ImportWorkerMessage, ImportWorkerRequest } from './import-in-worker.js';

const request = workerData as ImportWorkerRequest;
const port = parentPort!;
const post = (message: ImportWorkerMessage) => port.postMessage(message);
const controller = new AbortController();
port.on('message', (message: { type: 'cancel' }) => {
  if (message.type === 'cancel') controller.abort();
});

const library = Library.open(request.settings.databasePath);
let classifier = null;
try {
  classifier = request.classify ? await openClassifier(library, { model: request.model, settings: request.settings }) : null;
  const result = await importFolder(library, request.rootPath, {
    settings: request.settings,
    classifier,
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', progress }),
  });
  post({ type: 'done', result });
} catch (error) {
  post({ type: 'failed', code: error instanceof StationError ? error.code : 'IMPORT_FAILED', message: errorMessage(error) });
} finally {
  await classifier?.close();
  library.close();
  port.close();
}
