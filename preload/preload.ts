import type { BackendState, CallName, CallOutcome, EventName, StationBridge } from '../main/api/contract.js';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PORT_CHANNEL } from '../main/electron/security.js';
import { type BridgePort, createPortCalls } from '../main/electron/window-port-calls.js';

/**
 * The renderer's only door to the app: the contract's transport (call + listen) and nothing
 * else. No ipcRenderer, no Node. Built to one CommonJS file (dist/preload/preload.cjs),
 * because sandboxed preloads cannot be ES modules; `electron` is the one module a sandboxed
 * preload may require (the channel names are bundled in from main/electron/security.ts).
 * Calls go over a MessagePort straight to the backend process once the main process has
 * handed one over (IPC_PORT_CHANNEL), and through the main process (IPC) until then.
 */
const { contextBridge, ipcRenderer } = require('electron') as {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: { ports?: BridgePort[] }, ...args: unknown[]) => void): void;
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void;
  };
};

const calls = createPortCalls((name, args) => ipcRenderer.invoke(IPC_CALL_CHANNEL, name, args) as Promise<CallOutcome<CallName>>);
ipcRenderer.on(IPC_PORT_CHANNEL, (event) => {
  const port = event.ports?.[0];
  if (port) calls.usePort(port);
});
ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, name, payload) => {
  if (name === 'backend:state' && (payload as BackendState).state !== 'ready') calls.backendStopped();
});

const bridge = {
  call: (name: string, args: unknown) => calls.call(name, args),
  listen(listener: (name: EventName, payload: unknown) => void) {
    const forward = (_event: unknown, name: unknown, payload: unknown) => listener(name as EventName, payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
  },
} satisfies StationBridge;

contextBridge.exposeInMainWorld('invasives', bridge);
