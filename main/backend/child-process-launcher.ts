import { fork } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BackendLauncher } from './backend-host.js';
import { childProcessEndpoint } from './endpoints.js';

/**
 * The backend's entry as a Node child process: dist/main/backend/entry.js once built, or from
 * the sources (a checkout, the tests) entry.ts through tsx's loader.
 */
export function backendEntry(): { file: string; execArgv: string[] } {
  const compiled = new URL('./entry.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(compiled))) return { file: fileURLToPath(compiled), execArgv: [] };
  return { file: fileURLToPath(new URL('./entry.ts', import.meta.url)), execArgv: ['--import', import.meta.resolve('tsx')] };
}

/**
 * Starts the backend with child_process.fork: messages over the IPC channel with 'advanced'
 * serialization (structured clone), so photo and tile bytes cross as bytes, not base64 JSON.
 */
export function forkBackend(options: { env?: NodeJS.ProcessEnv } = {}): BackendLauncher {
  const entry = backendEntry();
  return () => {
    const child = fork(entry.file, [], {
      execArgv: entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: options.env ?? process.env,
    });
    let exited: string | null = null;
    const listeners: ((how: string) => void)[] = [];
    child.once('exit', (code, signal) => {
      exited = signal ? `killed by ${signal}` : `exit code ${code}`;
      for (const listener of listeners) listener(exited);
    });
    // A failed spawn also ends in 'exit'; the error itself needs a listener not to throw.
    child.on('error', () => undefined);
    return {
      endpoint: childProcessEndpoint(child),
      get pid() {
        return child.pid;
      },
      onExit(listener) {
        if (exited !== null) listener(exited);
        else listeners.push(listener);
      },
      kill: () => void child.kill('SIGKILL'),
    };
  };
}
