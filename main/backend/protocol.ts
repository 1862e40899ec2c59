import type { ApiError, CallName, CallOutcome, EventName, InputFile, InputPurpose, OutputFile } from '../api/contract.js';
import type { Settings } from '../core/settings.js';

/**
 * The ONE message protocol between a host (Electron's main process, the HTTP server, a test)
 * and the backend process that holds the station (library, jobs, alerts, training, model
 * compilation). Every message is a plain structured-cloneable object; bytes travel as
 * Uint8Array (structured clone: never base64). The adapters in `endpoints.ts` carry these
 * messages over Electron's utilityProcess parentPort or a Node child process's IPC channel;
 * nothing else knows how they travel.
 *
 * Requests carry an `id` chosen by their sender; the answer names the same id. A host may send
 * `cancel` for any of its requests: a request not started yet is dropped, and no answer is
 * sent for a cancelled one.
 */
export const PROTOCOL_VERSION = 1;

/** What the backend needs to open the station (functions cannot cross a process boundary). */
export interface BackendStartOptions {
  databasePath: string;
  settings?: Partial<Omit<Settings, 'databasePath'>>;
  /** Whether the page may type a folder to import (the browser); false in Electron (its dialog only). */
  typedImportFolders: boolean;
  /** Whether the host runs native dialogs (Electron): the backend then asks for them with `dialog`. */
  dialogs: boolean;
  /** Jobs the previous backend process left unfinished are resumed or reported (a restart after a crash). */
  resumeInterruptedJobs: boolean;
}

/** A native dialog the backend asks the host to run (Electron's NativeDialogs). */
export type DialogRequest =
  | { dialog: 'input'; purpose: InputPurpose; folder: boolean }
  | { dialog: 'save'; suggestedName: string; contentType: string };

/**
 * Electron: a MessagePort whose other end is in the window's preload. The window's calls and
 * results travel over it straight between window and backend (`WindowRequest`/`WindowAnswer`),
 * not through the main process. Typed as Electron's MessagePortMain (messages arrive as `{ data }`).
 */
export interface WindowPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
}

/** From the window, over its port: a call of the contract. */
export type WindowRequest = { type: 'call'; id: number; name: string; args: unknown };
/** To the window, over its port: the call's outcome. */
export type WindowAnswer = { type: 'result'; id: number; outcome: CallOutcome<CallName> };

/** Messages from the host to the backend. */
export type HostMessage =
  | { type: 'start'; version: number; options: BackendStartOptions }
  /** A window's port, transferred with the message (the adapter puts it in `port` on arrival). */
  | { type: 'window-port'; port?: WindowPort }
  | { type: 'call'; id: number; name: string; args: unknown }
  | { type: 'media'; id: number; kind: string; photo: string }
  | { type: 'tile'; id: number; path: string }
  | { type: 'cancel'; id: number }
  | { type: 'dialog-answer'; id: number; path: string | null }
  | { type: 'upload-start'; id: number; purpose: InputPurpose; name: string; handle?: string }
  | { type: 'upload-chunk'; id: number; bytes: Uint8Array }
  | { type: 'upload-end'; id: number; aborted: boolean }
  | { type: 'output-take'; id: number; outputId: string }
  | { type: 'output-done'; id: number; outputId: string }
  | { type: 'shutdown' };

/** An export handed to the host for its download: the host streams the file, then says `output-done`. */
export interface TakenOutput extends OutputFile {
  path: string;
}

/** Messages from the backend to the host. */
export type BackendMessage =
  | { type: 'ready'; version: number; pid: number }
  /** The station could not be opened (a library in use, newer, damaged): the host reports it and does not restart. */
  | { type: 'fatal'; error: ApiError }
  | { type: 'result'; id: number; outcome: CallOutcome<CallName> }
  | { type: 'event'; name: EventName; payload: unknown }
  | { type: 'media-response'; id: number; status: number; contentType: string; bytes: Uint8Array }
  | { type: 'tile-response'; id: number; status: number; headers: Record<string, string>; body: Uint8Array | string | null }
  | { type: 'dialog'; id: number; request: DialogRequest }
  /** An upload chunk was written: the host reads the next one (flow control for uploads of gigabytes). */
  | { type: 'upload-ack'; id: number }
  | { type: 'upload-result'; id: number; outcome: { ok: true; value: InputFile } | { ok: false; error: ApiError } }
  | { type: 'output'; id: number; output: TakenOutput | null }
  | { type: 'output-released'; id: number }
  /** The answer to `shutdown`: the station is closed; the process exits next. */
  | { type: 'closed' };

/** One side's view of a message channel: what the adapters provide. */
export interface Endpoint<Incoming, Outgoing> {
  /** `transfer`: MessagePorts handed over with the message (Electron only). */
  send(message: Outgoing, transfer?: unknown[]): void;
  /** Registers the one receiver of incoming messages. */
  onMessage(receive: (message: Incoming) => void): void;
}

export type BackendSide = Endpoint<HostMessage, BackendMessage>;
export type HostSide = Endpoint<BackendMessage, HostMessage>;

const HOST_MESSAGE_TYPES = new Set<HostMessage['type']>([
  'start',
  'window-port',
  'call',
  'media',
  'tile',
  'cancel',
  'dialog-answer',
  'upload-start',
  'upload-chunk',
  'upload-end',
  'output-take',
  'output-done',
  'shutdown',
]);
const BACKEND_MESSAGE_TYPES = new Set<BackendMessage['type']>([
  'ready',
  'fatal',
  'result',
  'event',
  'media-response',
  'tile-response',
  'dialog',
  'upload-ack',
  'upload-result',
  'output',
  'output-released',
  'closed',
]);

function hasType<T extends string>(message: unknown, types: ReadonlySet<T>): boolean {
  return typeof message === 'object' && message !== null && types.has((message as { type: T }).type);
}

/** A message from the host, or null for anything else arriving on the channel. */
export function asHostMessage(message: unknown): HostMessage | null {
  return hasType(message, HOST_MESSAGE_TYPES) ? (message as HostMessage) : null;
}

export function asBackendMessage(message: unknown): BackendMessage | null {
  return hasType(message, BACKEND_MESSAGE_TYPES) ? (message as BackendMessage) : null;
}

/** Bytes received from the channel as a Buffer, without copying (structured clone may hand over a Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
