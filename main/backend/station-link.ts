import type { TileResponse } from '../api/basemap-tiles.js';
import { answerTileRequest } from '../api/basemap-tiles.js';
import type { CallName, CallOutcome, EventName, InputFile, InputPurpose, OutputFile } from '../api/contract.js';
import { type MediaResponse, mediaResponse } from '../api/media.js';
import type { Station } from '../api/station.js';

/** An export handed over for its download: stream `path`, then call `done`. */
export type TakenDownload = OutputFile & { path: string; done(): Promise<void> };

/**
 * What a transport (the HTTP server, Electron's main process) needs from the station: the
 * contract's calls, its events, photos and tiles by id, uploads and downloads. Either the
 * station in this process (`inProcessLink`, for tests and embedding) or the backend process
 * behind the message protocol (`BackendHost`).
 */
export interface StationLink {
  dispatch(name: string, args: unknown, signal?: AbortSignal): Promise<CallOutcome<CallName>>;
  /** Returns the unsubscribe function. */
  subscribe(listener: (name: EventName, payload: unknown) => void): () => void;
  media(kind: string, photo: string, signal?: AbortSignal): Promise<MediaResponse>;
  tile(pathname: string, signal?: AbortSignal): Promise<TileResponse>;
  receiveUpload(purpose: InputPurpose, name: string, body: AsyncIterable<Buffer>, handle?: string): Promise<InputFile>;
  takeOutput(outputId: string): Promise<TakenDownload | null>;
  close(): Promise<void>;
}

/** The station of this process, as a link (no process boundary; signals are not needed). */
export function inProcessLink(station: Station): StationLink {
  return {
    dispatch: (name, args) => station.dispatch(name, args),
    subscribe: (listener) => station.events.subscribe(listener),
    media: (kind, photo) => mediaResponse(station.library, station.settings, kind, photo),
    tile: (pathname) => answerTileRequest(station.basemaps, pathname),
    receiveUpload: (purpose, name, body, handle) => station.transfers.receiveUpload(purpose, name, body, handle),
    takeOutput: async (outputId) => station.transfers.takeOutput(outputId),
    close: () => station.close(),
  };
}
