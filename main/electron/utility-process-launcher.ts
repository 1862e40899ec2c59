import type { BackendLauncher } from '../backend/backend-host.js';
import { utilityProcessEndpoint } from '../backend/endpoints.js';

/** The part of Electron's UtilityProcess the host uses (typed here: `electron` is an optional dependency). */
export interface UtilityProcessHandle {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export type UtilityProcessFork = (modulePath: string, args?: string[], options?: { serviceName?: string; stdio?: 'inherit' | 'pipe' | 'ignore' }) => UtilityProcessHandle;

/**
 * Starts the backend entry (dist/main/backend/entry.js) as an Electron utilityProcess: a Node
 * process of Chromium's own, whose parentPort (a MessagePort) carries the protocol. `fork` is
 * Electron's `utilityProcess.fork`, passed in so that this adapter is tested without Electron.
 */
export function utilityProcessBackend(fork: UtilityProcessFork, entryPath: string): BackendLauncher {
  return () => {
    const child = fork(entryPath, [], { serviceName: 'Invasives Station backend', stdio: 'inherit' });
    let exited: string | null = null;
    const listeners: ((how: string) => void)[] = [];
    child.on('exit', (code) => {
      exited = `exit code ${code}`;
      for (const listener of listeners) listener(exited);
    });
    return {
      endpoint: utilityProcessEndpoint(child),
      get pid() {
        return child.pid;
      },
      onExit(listener) {
        if (exited !== null) listener(exited);
        else listeners.push(listener);
      },
      kill: () => void child.kill(),
    };
  };
}
