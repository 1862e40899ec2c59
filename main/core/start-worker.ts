import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread from a module of ours, given the URL of its compiled `.js` sibling
 * (`new URL('./x-worker.js', import.meta.url)`). After `tsc` that file exists and runs as is.
 * From the sources (tsx), Node 20 does not pass a worker's `.ts` entry through the
 * `--import tsx` hooks, so a small JS bootstrap registers tsx's loader inside the worker and
 * imports the `.ts` entry.
 */
export function startModuleWorker(compiledUrl: URL, workerData: unknown): Worker {
  if (fs.existsSync(fileURLToPath(compiledUrl))) return new Worker(compiledUrl, { workerData });
  const source = compiledUrl.href.replace(/\.js$/, '.ts');
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
