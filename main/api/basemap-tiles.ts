import type { BasemapLibrary } from '../core/basemaps/basemap-library.js';
import { StationError, errorMessage } from '../core/errors.js';

/**
 * Basemap tiles for the map, shared by both transports: the page asks for
 * `tiles/<basemapId>/<z>/<x>/<y>` on its own origin (never a file path); the answer is the
 * tile's bytes, 204 where the basemap has no tile (MapLibre leaves that square empty), 404 for
 * an unknown basemap or a malformed address.
 */
export const TILE_PATH = /^\/tiles\/(\d{1,9})\/(\d{1,2})\/(\d{1,9})\/(\d{1,9})$/;

export interface TileResponse {
  status: 200 | 204 | 404 | 410;
  headers: Record<string, string>;
  body: Buffer | string | null;
}

export function isTilePath(pathname: string): boolean {
  return pathname.startsWith('/tiles/');
}

export async function answerTileRequest(basemaps: BasemapLibrary, pathname: string): Promise<TileResponse> {
  const match = TILE_PATH.exec(pathname);
  const text = (status: 404 | 410, message: string): TileResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message });
  if (!match) return text(404, 'Not found.');
  const [id, z, x, y] = match.slice(1).map(Number) as [number, number, number, number];
  try {
    const tile = await basemaps.readTile(id, z, x, y);
    if (!tile) return { status: 204, headers: { 'cache-control': 'private, max-age=3600' }, body: null };
    return {
      status: 200,
      headers: { 'content-type': tile.contentType, 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' },
      body: tile.bytes,
    };
  } catch (error) {
    if (error instanceof StationError && error.code === 'NOT_FOUND') return text(404, error.message);
    // The file went away or broke since it was added: the map shows the world outline and says why.
    return text(410, errorMessage(error));
  }
}
