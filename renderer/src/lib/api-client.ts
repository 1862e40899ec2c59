import {
  ApiCallError,
  DOWNLOAD_PATH,
  type InputFile,
  type OutputFile,
  type UploadPurpose,
  UPLOAD_HANDLE_HEADER,
  UPLOAD_NAME_HEADER,
  UPLOAD_PATH,
  type CallName,
  type CallOutcome,
  type CallResult,
  type CallArgsTuple,
  EVENT_NAMES,
  RANGER_CALLS,
  type EventMap,
  type EventName,
  type StationApi,
  type StationBridge,
} from '../../../main/api/contract.js';

/**
 * The renderer's one door to the core, typed by the contract. The transport is the
 * Electron preload's `window.invasives` when there is one, else HTTP + Server-Sent Events
 * to `invasives serve` (same origin; the session cookie carries the token).
 */

declare global {
  interface Window {
    invasives?: StationBridge;
  }
}

/** The browser transport: POST /api/<call> and an EventSource on /api/events. */
export class HttpBridge implements StationBridge {
  /** `signal` aborts the request (a superseded grid page, photo or neighbourhood): its connection is freed at once. */
  async call(name: string, args: unknown, signal?: AbortSignal): Promise<CallOutcome<CallName>> {
    let response: Response;
    try {
      response = await fetch(`/api/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args ?? {}),
        credentials: 'same-origin',
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw new SupersededCall(name);
      return { ok: false, error: { code: 'TRANSPORT', message: `The station server is not reachable (${String(error)}); is \`invasives serve\` still running?` } };
    }
    if (!response.ok) {
      return { ok: false, error: { code: 'TRANSPORT', message: `${response.status}: ${await response.text()}` } };
    }
    return (await response.json()) as CallOutcome<CallName>;
  }

  listen(listener: (name: EventName, payload: unknown) => void): () => void {
    const source = new EventSource('/api/events');
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (event) => listener(name, JSON.parse((event as MessageEvent<string>).data)));
    }
    return () => source.close();
  }
}

/** A call dropped because a newer one replaced it (the view moved on); callers ignore it. */
export class SupersededCall extends Error {
  constructor(readonly call: string) {
    super(`${call} was superseded by a newer request`);
    this.name = 'SupersededCall';
  }
}

export function isSuperseded(error: unknown): error is SupersededCall {
  return error instanceof SupersededCall;
}

/** A bridge that can abort (HTTP); the Electron bridge cannot, so its superseded results are dropped instead. */
interface AbortableBridge extends StationBridge {
  call(name: string, args: unknown, signal?: AbortSignal): Promise<CallOutcome<CallName>>;
}

/**
 * Adds the ranger's name to the calls that record a decision (when one was chosen and the
 * call does not name one itself), so that every decision says who made it.
 */
function withRanger(name: CallName, args: unknown, ranger: () => string | null): unknown {
  const who = ranger();
  if (!who || !(RANGER_CALLS as readonly string[]).includes(name)) return args;
  const object = (args ?? {}) as Record<string, unknown>;
  return 'ranger' in object ? object : { ...object, ranger: who };
}

/** The contract's client plus calls that a newer request may supersede (see `cancellable`). */
export interface RendererApi extends StationApi {
  /** Like `call`, but `signal` aborts it: the fetch is cancelled (HTTP) or its result dropped (IPC); rejects with SupersededCall. */
  cancellable<K extends CallName>(signal: AbortSignal, name: K, ...args: CallArgsTuple<K>): Promise<CallResult<K>>;
}

export function createApiClient(bridge: AbortableBridge, ranger: () => string | null = () => null): RendererApi {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let unsubscribeBridge: (() => void) | null = null;
  return {
    async call(name, ...args) {
      const outcome = await bridge.call(name, withRanger(name, args[0], ranger));
      if (!outcome.ok) throw new ApiCallError(outcome.error.code, outcome.error.message, name);
      return outcome.value as CallResult<typeof name>;
    },
    async cancellable(signal, name, ...args) {
      if (signal.aborted) throw new SupersededCall(name);
      const dropped = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new SupersededCall(name)), { once: true }));
      dropped.catch(() => undefined); // an abort after the answer came is nobody's error
      const outcome = await Promise.race([bridge.call(name, withRanger(name, args[0], ranger), signal), dropped]);
      if (signal.aborted) throw new SupersededCall(name);
      if (!outcome.ok) throw new ApiCallError(outcome.error.code, outcome.error.message, name);
      return outcome.value as CallResult<typeof name>;
    },
    listen<E extends EventName>(name: E, listener: (payload: EventMap[E]) => void) {
      unsubscribeBridge ??= bridge.listen((eventName, payload) => {
        for (const fn of listeners.get(eventName) ?? []) (fn as (payload: unknown) => void)(payload);
      });
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  } satisfies RendererApi;
}

export const isElectron = typeof window !== 'undefined' && window.invasives !== undefined;
/** The ranger chosen in this browser (see stores/ranger.svelte.ts), read at each call. */
export const RANGER_STORAGE_KEY = 'invasives.ranger';
function storedRanger(): string | null {
  try {
    return globalThis.localStorage?.getItem(RANGER_STORAGE_KEY)?.trim() || null;
  } catch {
    return null;
  }
}
export const api = createApiClient(isElectron ? window.invasives! : new HttpBridge(), storedRanger);

/** Photo bytes by id only: a custom protocol in Electron, /media over HTTP. */
export function thumbnailUrl(photoId: number): string {
  return isElectron ? `invasives-media://thumb/${photoId}` : `/media/thumb/${photoId}`;
}
/** The photo as the photo view shows it (a cached 1600 px preview for large photos). */
export function viewUrl(photoId: number): string {
  return isElectron ? `invasives-media://view/${photoId}` : `/media/view/${photoId}`;
}
/** The original, for zoom. */
export function photoUrl(photoId: number): string {
  return isElectron ? `invasives-media://photo/${photoId}` : `/media/photo/${photoId}`;
}

/**
 * Browser only: uploads the files the user picked (one file, or a folder's files with their
 * relative names) as one input of `purpose`; the page keeps the returned handle, never a path.
 */
export async function uploadFiles(purpose: UploadPurpose, files: readonly File[]): Promise<InputFile> {
  let uploaded: InputFile | null = null;
  for (const file of files) {
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      [UPLOAD_NAME_HEADER]: encodeURIComponent(file.webkitRelativePath || file.name),
    };
    if (uploaded) headers[UPLOAD_HANDLE_HEADER] = uploaded.handle;
    let response: Response;
    try {
      response = await fetch(`${UPLOAD_PATH}/${purpose}`, { method: 'POST', headers, body: file, credentials: 'same-origin' });
    } catch (error) {
      throw new ApiCallError('TRANSPORT', `The upload of ${file.name} did not reach the station (${String(error)}).`, 'upload');
    }
    if (!response.ok) throw new ApiCallError(response.status === 413 ? 'FILE_TOO_LARGE' : 'TRANSPORT', await response.text(), 'upload');
    uploaded = (await response.json()) as InputFile;
  }
  if (!uploaded) throw new ApiCallError('FILE_EMPTY', 'No file was chosen.', 'upload');
  return uploaded;
}

/**
 * Hands an exported file to the user: Electron's save dialog (run by the main process, which
 * asks before replacing a file), or a download in the browser. Returns what happened, for the status line.
 */
export async function deliverExport(file: OutputFile): Promise<'saved' | 'not saved' | 'downloaded'> {
  if (isElectron) return (await api.call('files:save', { fileId: file.id })).saved ? 'saved' : 'not saved';
  const link = document.createElement('a');
  link.href = `${DOWNLOAD_PATH}/${encodeURIComponent(file.id)}`;
  link.download = file.name;
  document.body.append(link);
  link.click();
  link.remove();
  return 'downloaded';
}

export { describeError } from './error-messages.js';
