import type { CallName, CallOutcome } from '../api/contract.js';
import type { WindowAnswer, WindowRequest } from '../backend/protocol.js';

/** The part of a DOM MessagePort the preload uses (Node's MessagePort has it too, for the tests). */
export interface BridgePort {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start(): void;
  close(): void;
}

export interface PortCalls {
  call(name: string, args: unknown): Promise<CallOutcome<CallName>>;
  /** A port to the backend from the main process (after the page loads, after each restart of the backend). */
  usePort(port: BridgePort): void;
  /** The backend stopped: calls waiting on its port fail now, and new calls go through the main process until a new port comes. */
  backendStopped(): void;
}

const STOPPED: CallOutcome<CallName> = {
  ok: false,
  error: { code: 'BACKEND_STOPPED', message: "The station's backend stopped before answering; it restarts by itself: try again in a moment." },
};

/**
 * The window's calls over its own MessagePort to the backend process, so results do not pass
 * through Electron's main process; until a port is there, `fallback` (IPC to the main process,
 * which forwards) carries them. Bundled into the preload (dist/preload/preload.cjs): plain
 * code, no `electron` import, so the tests run it with Node's MessageChannel.
 */
export function createPortCalls(fallback: (name: string, args: unknown) => Promise<CallOutcome<CallName>>): PortCalls {
  let port: BridgePort | null = null;
  let nextId = 1;
  const pending = new Map<number, (outcome: CallOutcome<CallName>) => void>();

  const failPending = () => {
    for (const resolve of pending.values()) resolve(STOPPED);
    pending.clear();
  };

  return {
    call(name, args) {
      const current = port;
      if (!current) return fallback(name, args);
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        current.postMessage({ type: 'call', id, name, args } satisfies WindowRequest);
      });
    },
    usePort(next) {
      failPending();
      port?.close();
      port = next;
      next.addEventListener('message', (event) => {
        if (port !== next) return;
        const answer = event.data as WindowAnswer | null;
        if (answer?.type !== 'result') return;
        pending.get(answer.id)?.(answer.outcome);
        pending.delete(answer.id);
      });
      next.start();
    },
    backendStopped() {
      failPending();
      port?.close();
      port = null;
    },
  };
}
