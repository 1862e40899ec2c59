import type http from 'node:http';
import { type TileResponse, isTilePath } from '../api/basemap-tiles.js';
import { securityHeaders } from '../api/response-headers.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

/**
 * GET /tiles/<basemapId>/<z>/<x>/<y> for the browser transport. The server calls this only
 * after its token, Host and Origin checks, like every other route.
 */
export async function serveTileRoute(
  answerTile: (pathname: string) => Promise<TileResponse>,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  pathname: string,
): Promise<boolean> {
  if (!isTilePath(pathname)) return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...securityHeaders(CONTENT_SECURITY_POLICY, true), 'content-type': 'text/plain; charset=utf-8' });
    response.end('Tiles are GET requests.');
    return true;
  }
  const tile = await answerTile(pathname);
  // Tiles are map pictures, not library data: cacheable, with the same protective headers as every response.
  response.writeHead(tile.status, { ...securityHeaders(CONTENT_SECURITY_POLICY, false), ...tile.headers });
  response.end(request.method === 'HEAD' ? undefined : (tile.body ?? undefined));
  return true;
}
