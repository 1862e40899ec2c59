import { toApiError } from '../api/api-error.js';
import { answerTileRequest } from '../api/basemap-tiles.js';
import type { InputPurpose } from '../api/contract.js';
import type { NativeDialogs } from '../api/handlers.js';
import { mediaResponse } from '../api/media.js';
import { type Station, type StationOptions, openStation } from '../api/station.js';
import { type BackendSide, type DialogRequest, type HostMessage, PROTOCOL_VERSION, type WindowAnswer, type WindowPort, asBuffer } from './protocol.js';

/** Photos and thumbnails made at once at most, and tiles read at once at most; the rest wait in line, where a cancel drops them. */
const MEDIA_CONCURRENCY = 4;
const TILE_CONCURRENCY = 8;

/**
 * Requests waiting for their turn, at most `limit` running. Tiles have a line of their own,
 * so the map never waits behind a slow display preview (HEIC) being made.
 */
class WorkLine {
  private running = 0;
  private readonly waiting: { id: number; run: () => Promise<void> }[] = [];

  constructor(private readonly limit: number) {}

  push(id: number, run: () => Promise<void>): void {
    this.waiting.push({ id, run });
    this.pump();
  }

  /** Drops a request still waiting; false when it is not waiting (running or done). */
  drop(id: number): boolean {
    const index = this.waiting.findIndex((entry) => entry.id === id);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  private pump(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running += 1;
      void next.run().finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }
}

/**
 * A window's own port (Electron): its calls are answered here directly, so their results never
 * pass through the main process. Events still reach the window from its host, which also
 * announces the backend's restarts.
 */
function serveWindowPort(port: WindowPort, station: () => Station | null): void {
  port.on('message', (event) => {
    const request = event.data as { type?: unknown; id?: unknown; name?: unknown; args?: unknown } | null;
    if (!request || request.type !== 'call' || typeof request.id !== 'number') return;
    const id = request.id;
    const open = station();
    const reply = (answer: WindowAnswer) => port.postMessage(answer);
    if (!open) return reply({ type: 'result', id, outcome: { ok: false, error: { code: 'BACKEND_STOPPED', message: 'The station is closing.' } } });
    void open.dispatch(typeof request.name === 'string' ? request.name : '', request.args).then((outcome) => reply({ type: 'result', id, outcome }));
  });
  port.start();
}

/** Opens the station from the start options (tests may wrap it). */
export type StationOpener = (options: StationOptions) => Station;

/** An upload arriving chunk by chunk, read by FileTransfers as an async iterable. */
class ChunkStream implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private aborted = false;
  private wake: (() => void) | null = null;

  constructor(private readonly acknowledge: () => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.wake?.();
  }

  end(aborted: boolean): void {
    this.ended = true;
    this.aborted = aborted;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        // Taken by the writer: the host may send another.
        this.acknowledge();
        yield chunk;
        continue;
      }
      if (this.ended) {
        if (this.aborted) throw new Error('The upload was interrupted.');
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}

/**
 * The backend's half of the protocol: opens the station when the host says `start`, answers
 * calls, media and tile requests, forwards the station's events, asks the host for native
 * dialogs, takes uploads chunk by chunk and hands exports over for download. Resolves when the
 * host said `shutdown` and the station is closed.
 */
export function serveBackend(endpoint: BackendSide, open: StationOpener = openStation): Promise<void> {
  let station: Station | null = null;
  const cancelled = new Set<number>();
  const dialogAnswers = new Map<number, (path: string | null) => void>();
  const uploads = new Map<number, ChunkStream>();
  const outputs = new Map<string, () => Promise<void>>();
  let nextDialogId = 1;
  const mediaLine = new WorkLine(MEDIA_CONCURRENCY);
  const tileLine = new WorkLine(TILE_CONCURRENCY);

  const dialogs: NativeDialogs = {
    chooseInput: (purpose: InputPurpose, folder: boolean) => askDialog({ dialog: 'input', purpose, folder }),
    chooseSaveDestination: (suggestedName: string, contentType: string) => askDialog({ dialog: 'save', suggestedName, contentType }),
  };
  function askDialog(request: DialogRequest): Promise<string | null> {
    const id = nextDialogId++;
    return new Promise((resolve) => {
      dialogAnswers.set(id, resolve);
      endpoint.send({ type: 'dialog', id, request });
    });
  }

  function answer(id: number, send: () => void): void {
    // A cancelled request gets no answer: its host stopped waiting.
    if (!cancelled.delete(id)) send();
  }

  let finished: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));

  async function start(message: Extract<HostMessage, { type: 'start' }>): Promise<void> {
    if (message.version !== PROTOCOL_VERSION) {
      endpoint.send({ type: 'fatal', error: { code: 'INTERNAL', message: `The host speaks protocol ${message.version}, this backend ${PROTOCOL_VERSION}; reinstall the station.` } });
      return;
    }
    try {
      station = open({
        databasePath: message.options.databasePath,
        settings: message.options.settings,
        typedImportFolders: message.options.typedImportFolders,
        dialogs: message.options.dialogs ? dialogs : undefined,
        onInternalError: (call, error) => console.error(`[invasives backend] ${call} failed:`, error),
      });
    } catch (error) {
      endpoint.send({ type: 'fatal', error: toApiError(error) });
      return;
    }
    station.events.subscribe((name, payload) => endpoint.send({ type: 'event', name, payload }));
    endpoint.send({ type: 'ready', version: PROTOCOL_VERSION, pid: process.pid });
    // After `ready`, so the host hears the events of what is resumed or reported.
    if (message.options.resumeInterruptedJobs) {
      await station.resumeInterruptedJobs().catch((error: unknown) => console.error('[invasives backend] resuming interrupted jobs failed:', error));
    }
  }

  async function handle(message: HostMessage): Promise<void> {
    if (message.type === 'start') return start(message);
    if (message.type === 'window-port') {
      if (message.port) serveWindowPort(message.port, () => station);
      return;
    }
    if (message.type === 'dialog-answer') {
      dialogAnswers.get(message.id)?.(message.path);
      dialogAnswers.delete(message.id);
      return;
    }
    if (message.type === 'cancel') {
      // Still waiting: dropped unmade. Running: its answer is not sent.
      if (!mediaLine.drop(message.id) && !tileLine.drop(message.id)) cancelled.add(message.id);
      return;
    }
    if (message.type === 'shutdown') {
      for (const resolve of dialogAnswers.values()) resolve(null);
      await station?.close();
      station = null;
      endpoint.send({ type: 'closed' });
      finished();
      return;
    }
    const open = station;
    if (!open) {
      if (message.type === 'call') endpoint.send({ type: 'result', id: message.id, outcome: { ok: false, error: { code: 'BACKEND_STOPPED', message: 'The station is not open yet.' } } });
      return;
    }
    switch (message.type) {
      case 'call': {
        const outcome = await open.dispatch(message.name, message.args);
        answer(message.id, () => endpoint.send({ type: 'result', id: message.id, outcome }));
        return;
      }
      case 'media':
        return mediaLine.push(message.id, async () => {
          const media = await mediaResponse(open.library, open.settings, message.kind, message.photo);
          answer(message.id, () => endpoint.send({ type: 'media-response', id: message.id, status: media.status, contentType: media.contentType, bytes: media.body }));
        });
      case 'tile':
        return tileLine.push(message.id, async () => {
          const tile = await answerTileRequest(open.basemaps, message.path);
          answer(message.id, () => endpoint.send({ type: 'tile-response', id: message.id, status: tile.status, headers: tile.headers, body: tile.body }));
        });
      case 'upload-start': {
        const stream = new ChunkStream(() => endpoint.send({ type: 'upload-ack', id: message.id }));
        uploads.set(message.id, stream);
        try {
          const value = await open.transfers.receiveUpload(message.purpose, message.name, stream, message.handle);
          endpoint.send({ type: 'upload-result', id: message.id, outcome: { ok: true, value } });
        } catch (error) {
          endpoint.send({ type: 'upload-result', id: message.id, outcome: { ok: false, error: toApiError(error) } });
        } finally {
          uploads.delete(message.id);
        }
        return;
      }
      case 'upload-chunk':
        uploads.get(message.id)?.push(asBuffer(message.bytes));
        return;
      case 'upload-end':
        uploads.get(message.id)?.end(message.aborted);
        return;
      case 'output-take': {
        const output = open.transfers.takeOutput(message.outputId);
        if (output) outputs.set(output.id, output.done);
        endpoint.send({
          type: 'output',
          id: message.id,
          output: output ? { id: output.id, name: output.name, bytes: output.bytes, contentType: output.contentType, path: output.path } : null,
        });
        return;
      }
      case 'output-done':
        await outputs.get(message.outputId)?.();
        outputs.delete(message.outputId);
        endpoint.send({ type: 'output-released', id: message.id });
        return;
    }
  }

  endpoint.onMessage((message) => {
    handle(message).catch((error: unknown) => console.error(`[invasives backend] ${message.type} failed:`, error));
  });
  return done;
}
