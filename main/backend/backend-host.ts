import type { ApiError, BackendState, CallName, CallOutcome, EventName, InputFile, InputPurpose } from '../api/contract.js';
import type { NativeDialogs } from '../api/handlers.js';
import type { TileResponse } from '../api/basemap-tiles.js';
import type { MediaResponse } from '../api/media.js';
import { STATION_ERROR_CLASSES, StationError, type StationErrorCode } from '../core/errors.js';
import { type BackendMessage, type BackendStartOptions, type DialogRequest, type HostMessage, type HostSide, PROTOCOL_VERSION, type TakenOutput, asBuffer } from './protocol.js';
import type { StationLink, TakenDownload } from './station-link.js';

/** A started backend process, whatever starts it (Node's fork, Electron's utilityProcess, a test). */
export interface LaunchedBackend {
  endpoint: HostSide;
  /** Calls `listener` once when the process is gone, with how it ended ("killed by SIGKILL", "exit code 1"). */
  onExit(listener: (how: string) => void): void;
  kill(): void;
  readonly pid: number | undefined;
}

export type BackendLauncher = () => LaunchedBackend;

export interface BackendHostOptions {
  launch: BackendLauncher;
  station: Omit<BackendStartOptions, 'dialogs' | 'resumeInterruptedJobs'>;
  /** Native dialogs the backend may ask for (Electron); absent: it has none (the browser uploads). */
  dialogs?: NativeDialogs;
  /** Restarts allowed within `restartWindowMs` before the host gives up and says so. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** Wait before a restart (a crash loop must not spin the CPU). */
  restartDelayMs?: number;
  log?: (line: string) => void;
}

/** Chunks of an upload in flight before the host waits for the backend to take one. */
const UPLOAD_WINDOW = 4;
const SHUTDOWN_WAIT_MS = 10_000;

interface Pending {
  settle(message: BackendMessage): void;
  /** The backend stopped before answering. */
  fail(reason: string): void;
}

interface Session {
  backend: LaunchedBackend;
  pending: Map<number, Pending>;
  ready: Promise<void>;
  exited: boolean;
  onClosed: (() => void) | null;
}

function stoppedError(reason: string): ApiError {
  return { code: 'BACKEND_STOPPED', message: `The station's backend stopped (${reason}) before answering; it restarts by itself: try again in a moment.` };
}

/** An error the backend sent, thrown on this side as the StationError it was when it has a station code. */
export function errorFromBackend(error: ApiError): Error {
  if (Object.hasOwn(STATION_ERROR_CLASSES, error.code)) return new StationError(error.code as StationErrorCode, error.message, { details: error.details });
  return Object.assign(new Error(error.message), { code: error.code });
}

/**
 * The host's half of the protocol: starts the backend process, forwards calls, media, tiles,
 * uploads and downloads to it and its events back, runs the native dialogs it asks for, and
 * restarts it when it dies: calls in flight fail with BACKEND_STOPPED, the UI hears
 * `backend:state` (restarting, then ready), and the new backend resumes the interrupted import
 * and reports interrupted training or compilation. It holds no library of its own and does
 * no heavy work: it only moves messages and bytes.
 */
export class BackendHost implements StationLink {
  private session: Session | null = null;
  private current: Promise<Session> = Promise.reject(new Error('The backend was not started.'));
  private readonly listeners = new Set<(name: EventName, payload: unknown) => void>();
  private readonly restarts: number[] = [];
  private nextId = 1;
  private closing = false;
  private gaveUp: ApiError | null = null;
  private state: BackendState = { state: 'stopped', message: 'Not started.' };

  constructor(private readonly options: BackendHostOptions) {
    this.current.catch(() => undefined);
  }

  /** Starts the backend; rejects with the backend's error when the station cannot be opened (nothing is restarted then). */
  async start(): Promise<void> {
    this.current = this.launch(false);
    await this.current;
  }

  get pid(): number | undefined {
    return this.session?.backend.pid;
  }

  get backendState(): BackendState {
    return this.state;
  }

  private setState(state: BackendState): void {
    this.state = state;
    this.emit('backend:state', state);
  }

  private emit(name: EventName, payload: unknown): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch {
        // One broken subscriber must not stop the others.
      }
    }
  }

  private launch(afterCrash: boolean): Promise<Session> {
    const backend = this.options.launch();
    let resolveReady!: () => void;
    let rejectReady!: (error: Error) => void;
    const session: Session = {
      backend,
      pending: new Map(),
      ready: new Promise<void>((resolve, reject) => {
        resolveReady = resolve;
        rejectReady = reject;
      }),
      exited: false,
      onClosed: null,
    };
    session.ready.catch(() => undefined);
    this.session = session;
    backend.endpoint.onMessage((message) => this.receive(session, message, resolveReady, rejectReady));
    backend.onExit((how) => {
      session.exited = true;
      for (const pending of session.pending.values()) pending.fail(how);
      session.pending.clear();
      session.onClosed?.();
      rejectReady(errorFromBackend({ code: 'BACKEND_STOPPED', message: `The station's backend stopped while starting (${how}).` }));
      if (this.session === session && !this.closing) this.restartAfter(how);
    });
    backend.endpoint.send({
      type: 'start',
      version: PROTOCOL_VERSION,
      options: { ...this.options.station, dialogs: this.options.dialogs !== undefined, resumeInterruptedJobs: true },
    });
    return session.ready.then(() => {
      if (afterCrash) {
        this.setState({ state: 'ready', message: 'An interrupted import goes on where it stopped; interrupted training or model compilation is reported as failed.' });
        // Lists on screen reload: nothing was lost, but what was in flight may have been stored or not.
        this.emit('library:changed', { reason: 'backend restarted' });
      }
      else this.state = { state: 'ready', message: 'Running.' };
      return session;
    });
  }

  private restartAfter(how: string): void {
    const now = Date.now();
    const windowMs = this.options.restartWindowMs ?? 60_000;
    while (this.restarts.length > 0 && this.restarts[0]! < now - windowMs) this.restarts.shift();
    if (this.restarts.length >= (this.options.maxRestarts ?? 5)) {
      this.gaveUp = { code: 'BACKEND_STOPPED', message: `The station's backend stopped ${this.restarts.length + 1} times within a minute (last: ${how}); close the station and open it again.` };
      this.current = Promise.reject(errorFromBackend(this.gaveUp));
      this.current.catch(() => undefined);
      this.setState({ state: 'stopped', message: this.gaveUp.message });
      return;
    }
    this.restarts.push(now);
    this.options.log?.(`The station's backend stopped (${how}); restarting it.`);
    this.setState({ state: 'restarting', message: `Its process ended (${how}). Calls in flight failed and can be made again; nothing stored is lost.` });
    this.current = new Promise<Session>((resolve, reject) => {
      setTimeout(() => {
        if (this.closing) return reject(new Error('The station is closing.'));
        this.launch(true).then(resolve, reject);
      }, this.options.restartDelayMs ?? 200);
    });
    this.current.catch(() => undefined);
  }

  private receive(session: Session, message: BackendMessage, ready: () => void, failed: (error: Error) => void): void {
    switch (message.type) {
      case 'ready':
        return ready();
      case 'fatal':
        failed(errorFromBackend(message.error));
        // A library that cannot be opened will not open on a restart either: calls are answered with why.
        this.gaveUp = message.error;
        if (this.state.state !== 'ready') this.setState({ state: 'stopped', message: message.error.message });
        this.closing = true;
        session.backend.kill();
        return;
      case 'event':
        return this.emit(message.name, message.payload);
      case 'dialog':
        void this.runDialog(message.request).then(
          (path) => session.backend.endpoint.send({ type: 'dialog-answer', id: message.id, path }),
          () => session.backend.endpoint.send({ type: 'dialog-answer', id: message.id, path: null }),
        );
        return;
      case 'closed':
        return session.onClosed?.();
      default: {
        const pending = session.pending.get(message.id);
        pending?.settle(message);
      }
    }
  }

  private async runDialog(request: DialogRequest): Promise<string | null> {
    const dialogs = this.options.dialogs;
    if (!dialogs) return null;
    return request.dialog === 'input' ? dialogs.chooseInput(request.purpose, request.folder) : dialogs.chooseSaveDestination(request.suggestedName, request.contentType);
  }

  /** Sends a request and waits for the answer that settles it; a signal that aborts sends `cancel`. */
  private async request<T>(
    build: (id: number) => HostMessage,
    settle: (message: BackendMessage, done: (value: T) => void) => void,
    onStopped: (reason: string) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    const session = await this.current;
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      const finish = (value: T) => {
        session.pending.delete(id);
        signal?.removeEventListener('abort', abort);
        resolve(value);
      };
      const abort = () => {
        session.backend.endpoint.send({ type: 'cancel', id });
        finish(onStopped('request cancelled'));
      };
      session.pending.set(id, { settle: (message) => settle(message, finish), fail: (reason) => finish(onStopped(reason)) });
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      session.backend.endpoint.send(build(id));
    });
  }

  async dispatch(name: string, args: unknown, signal?: AbortSignal): Promise<CallOutcome<CallName>> {
    if (this.gaveUp) return { ok: false, error: this.gaveUp };
    try {
      return await this.request<CallOutcome<CallName>>(
        (id) => ({ type: 'call', id, name, args }),
        (message, done) => {
          if (message.type === 'result') done(message.outcome);
        },
        (reason) => ({ ok: false, error: stoppedError(reason) }),
        signal,
      );
    } catch (error) {
      return { ok: false, error: stoppedError(error instanceof Error ? error.message : String(error)) };
    }
  }

  subscribe(listener: (name: EventName, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async media(kind: string, photo: string, signal?: AbortSignal): Promise<MediaResponse> {
    const unavailable = (reason: string): MediaResponse => ({ status: 503, contentType: 'text/plain; charset=utf-8', body: Buffer.from(stoppedError(reason).message) });
    try {
      return await this.request<MediaResponse>(
        (id) => ({ type: 'media', id, kind, photo }),
        (message, done) => {
          if (message.type === 'media-response') done({ status: message.status, contentType: message.contentType, body: asBuffer(message.bytes) });
        },
        unavailable,
        signal,
      );
    } catch (error) {
      return unavailable(error instanceof Error ? error.message : String(error));
    }
  }

  async tile(pathname: string, signal?: AbortSignal): Promise<TileResponse> {
    const unavailable = (reason: string): TileResponse => ({ status: 503 as TileResponse['status'], headers: { 'content-type': 'text/plain; charset=utf-8' }, body: stoppedError(reason).message });
    try {
      return await this.request<TileResponse>(
        (id) => ({ type: 'tile', id, path: pathname }),
        (message, done) => {
          if (message.type === 'tile-response') {
            done({ status: message.status as TileResponse['status'], headers: message.headers, body: message.body === null || typeof message.body === 'string' ? message.body : asBuffer(message.body) });
          }
        },
        unavailable,
        signal,
      );
    } catch (error) {
      return unavailable(error instanceof Error ? error.message : String(error));
    }
  }

  /** Streams an upload's bytes to the backend, a few chunks ahead of what it has written. */
  async receiveUpload(purpose: InputPurpose, name: string, body: AsyncIterable<Buffer>, handle?: string): Promise<InputFile> {
    const session = await this.current;
    const id = this.nextId++;
    let acknowledged = 0;
    let wakeSender: (() => void) | null = null;
    let stopped: string | null = null;
    const result = new Promise<InputFile>((resolve, reject) => {
      session.pending.set(id, {
        settle: (message) => {
          if (message.type === 'upload-ack') {
            acknowledged += 1;
            wakeSender?.();
          } else if (message.type === 'upload-result') {
            session.pending.delete(id);
            wakeSender?.();
            if (message.outcome.ok) resolve(message.outcome.value);
            else reject(errorFromBackend(message.outcome.error));
          }
        },
        fail: (reason) => {
          stopped = reason;
          wakeSender?.();
          reject(errorFromBackend(stoppedError(reason)));
        },
      });
    });
    result.catch(() => undefined);
    session.backend.endpoint.send({ type: 'upload-start', id, purpose, name, handle });
    let sent = 0;
    let aborted = false;
    try {
      for await (const chunk of body) {
        if (stopped || !session.pending.has(id)) break;
        session.backend.endpoint.send({ type: 'upload-chunk', id, bytes: chunk });
        sent += 1;
        while (sent - acknowledged >= UPLOAD_WINDOW && !stopped && session.pending.has(id)) {
          await new Promise<void>((resolve) => (wakeSender = resolve));
          wakeSender = null;
        }
      }
    } catch {
      aborted = true;
    }
    session.backend.endpoint.send({ type: 'upload-end', id, aborted });
    return result;
  }

  async takeOutput(outputId: string): Promise<TakenDownload | null> {
    const taken = await this.request<TakenOutput | null>(
      (id) => ({ type: 'output-take', id, outputId }),
      (message, done) => {
        if (message.type === 'output') done(message.output);
      },
      () => null,
    );
    if (!taken) return null;
    return {
      ...taken,
      done: async () => {
        await this.request<void>(
          (id) => ({ type: 'output-done', id, outputId }),
          (message, done) => {
            if (message.type === 'output-released') done();
          },
          () => undefined,
        ).catch(() => undefined);
      },
    };
  }

  /**
   * Electron: hands one end of a window's MessageChannel to the backend, which answers that
   * window's calls over it directly. False when no backend is running to take it.
   */
  async connectWindow(port: unknown): Promise<boolean> {
    try {
      const session = await this.current;
      session.backend.endpoint.send({ type: 'window-port' }, [port]);
      return true;
    } catch {
      return false;
    }
  }

  /** Kills the backend process as a crash would (tests; a stuck backend). The host restarts it. */
  killBackend(): void {
    this.session?.backend.kill();
  }

  /** Asks the backend to close the station (jobs stopped, library closed), then waits for its process to end. */
  async close(): Promise<void> {
    this.closing = true;
    const session = this.session;
    if (!session || session.exited) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        session.backend.kill();
        resolve();
      }, SHUTDOWN_WAIT_MS);
      session.onClosed = () => {
        clearTimeout(timer);
        resolve();
      };
      session.backend.endpoint.send({ type: 'shutdown' });
    });
  }
}
