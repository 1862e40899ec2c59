import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackendServer } from '../../server/server.js';
import { buildReviewUiIfMissing } from '../build-review-ui.js';
import { type CliCommand, usageError } from '../command.js';

/** Opens a URL in the desktop's browser; failure is fine (the URL is printed anyway). */
function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No desktop opener: the ranger copies the printed URL.
  }
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'open the review station in a web browser (local only)',
  usage: `invasives serve [--db FILE] [--port N] [--open]

Serves the review station on http://127.0.0.1 only and prints its address, which carries
a secret token for this run: only a browser given that address can use it. Stop with Ctrl-C.

Options:
  --db FILE   library database (default: your app data folder)
  --port N    port to listen on (default: any free port)
  --open      open the address in the default browser`,
  options: {
    port: { type: 'string' },
    open: { type: 'boolean', default: false },
  },
  async run(context) {
    const portText = context.options.port as string | undefined;
    const port = portText === undefined ? 0 : Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw usageError(`--port "${portText}" is not a port number (0-65535).`);
    }
    context.library.check('write');
    const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    if (path.basename(repoRoot) !== 'dist') buildReviewUiIfMissing(repoRoot, path.join(repoRoot, 'dist', 'renderer'), (line) => context.stderr.write(`${line}\n`));
    // The station runs in a backend process of its own; this one only serves HTTP (and restarts it if it dies).
    const server = await startBackendServer({ databasePath: context.databasePath, port });
    if (context.json) context.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, databasePath: context.databasePath })}\n`);
    else context.stdout.write(`Review station for ${context.databasePath}\nOpen ${server.url}\n(Ctrl-C to stop)\n`);
    // The browser gets a token that works once: the command line of the opener is visible to `ps`.
    if (context.options.open) openInBrowser(server.singleUseUrl());
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    context.stderr.write('Stopping…\n');
    await server.close();
    return 0;
  },
};
