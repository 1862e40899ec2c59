import { serveBackend } from './backend-service.js';
import { type ParentPortLike, nodeProcessEndpoint, parentPortEndpoint } from './endpoints.js';

/**
 * The backend process: the whole station (library, jobs, alerts, training, model compilation)
 * behind the message protocol. Started by a host: Electron's main process as a
 * utilityProcess (`process.parentPort`), or `invasives serve` (and the tests) with
 * child_process.fork (`process.send`). Built to dist/main/backend/entry.js.
 */
const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
const endpoint = parentPort ? parentPortEndpoint(parentPort) : process.send ? nodeProcessEndpoint(process) : null;
if (!endpoint) {
  console.error('The station backend is started by the app or by `invasives serve`, not on its own.');
  process.exit(2);
}

// A Node host that goes away (killed) closes the channel: the backend has no one to serve.
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal reaches the whole process group: the host decides when the backend
// stops (its `shutdown` closes the station cleanly), so the backend does not die under it.
process.on('SIGINT', () => undefined);

await serveBackend(endpoint);
process.exit(0);
