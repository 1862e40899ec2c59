import { type BackendSide, type HostSide, type WindowPort, asBackendMessage, asHostMessage } from './protocol.js';

/**
 * The small adapters between the protocol and each way a message travels. Everything else
 * (the backend service, the host) works on an Endpoint and never sees which one it got.
 */

/** Electron's `process.parentPort` in a utilityProcess (a MessagePortMain: messages arrive as `{ data, ports }`). */
export interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown; ports?: WindowPort[] }) => void): unknown;
}

/** A Node process with an IPC channel (`child_process.fork`, serialization 'advanced' so bytes stay bytes). */
export interface NodeProcessLike {
  send?(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** The host's handle on an Electron UtilityProcess (messages arrive as they were posted). */
export interface UtilityProcessLike {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** The host's handle on a Node child process. */
export interface ChildProcessLike {
  send(message: unknown): boolean;
  connected: boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Backend side, in an Electron utilityProcess. */
export function parentPortEndpoint(port: ParentPortLike): BackendSide {
  return {
    send: (message) => port.postMessage(message),
    onMessage(receive) {
      port.on('message', (event) => {
        const message = asHostMessage(event.data);
        if (!message) return;
        // A window's port arrives beside the message, not in it.
        if (message.type === 'window-port') message.port = event.ports?.[0];
        receive(message);
      });
    },
  };
}

/** Backend side, in a Node child process started with an IPC channel. */
export function nodeProcessEndpoint(proc: NodeProcessLike): BackendSide {
  if (!proc.send) throw new Error('This process has no IPC channel: start the backend with child_process.fork.');
  const send = proc.send.bind(proc);
  return {
    send: (message) => void send(message),
    onMessage(receive) {
      proc.on('message', (raw) => {
        const message = asHostMessage(raw);
        if (message) receive(message);
      });
    },
  };
}

/** Host side, Electron's main process talking to its utilityProcess. */
export function utilityProcessEndpoint(child: UtilityProcessLike): HostSide {
  return {
    send: (message, transfer) => (transfer ? child.postMessage(message, transfer) : child.postMessage(message)),
    onMessage(receive) {
      child.on('message', (raw) => {
        const message = asBackendMessage(raw);
        if (message) receive(message);
      });
    },
  };
}

/** Host side, a Node process (the HTTP server, a test) talking to its child. */
export function childProcessEndpoint(child: ChildProcessLike): HostSide {
  return {
    // A message to a child that just died is dropped: the host hears the exit and fails what was in flight.
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage(receive) {
      child.on('message', (raw) => {
        const message = asBackendMessage(raw);
        if (message) receive(message);
      });
    },
  };
}
