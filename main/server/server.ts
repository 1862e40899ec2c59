import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StationError, errorMessage } from '../core/errors.js';
import type { EventName } from '../api/contract.js';
import { rendererContentType } from '../api/renderer-content-types.js';
import { readDisplayPhoto, readThumbnail } from '../api/media.js';
import { type Station, type StationOptions, openStation } from '../api/station.js';
import { CONTENT_SECURITY_POLICY, TOKEN_HEADER } from './security.js';
import { serveTileRoute } from './tile-route.js';

/**
 * The browser transport: the built renderer, the API contract at POST /api/<call>, events
 * as Server-Sent Events at GET /api/events, photos and thumbnails by photo id. Bound to
 * loopback only; every request needs the per-run token (query on the first page load,
 * then an HttpOnly cookie or the x-invasives-token header) and a Host/Origin naming this
 * server, which stops other local pages and DNS-rebinding sites from driving it.
 */
export interface ServerOptions extends StationOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Loopback only: the server refuses any other address. */
  host?: '127.0.0.1';
  /** Folder of the built renderer (index.html); found beside the code when absent. */
  rendererDir?: string;
  /** Fixed token (tests); a random one per run otherwise. */
  token?: string;
}

export interface RunningServer {
  /** Open this in a browser: carries the token once, then a cookie does. */
  url: string;
  origin: string;
  port: number;
  token: string;
  station: Station;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const SSE_HEARTBEAT_MS = 20_000;

/** dist/renderer, whether this module runs compiled (dist/main/server) or from source (main/server). */
export function findRendererDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const twoUp = path.resolve(here, '../..');
  // Compiled: dist/main/server → dist/renderer. From source: main/server → dist/renderer (never
  // the source renderer/, whose index.html points at .ts files a browser cannot run).
  const dir = path.basename(twoUp) === 'dist' ? path.join(twoUp, 'renderer') : path.join(twoUp, 'dist', 'renderer');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

async function readJsonBody(request: http.IncomingMessage): Promise<unknown> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'API calls must be sent as application/json.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body over ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.');
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new StationError('INVALID_ARGUMENT', `The review server listens on 127.0.0.1 only, not "${String(host)}".`);
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererDir = options.rendererDir ?? findRendererDir();
  const station = openStation({
    ...options,
    onInternalError: options.onInternalError ?? ((call, error) => console.error(`[invasives serve] ${call} failed:`, error)),
  });
  const sseClients = new Set<http.ServerResponse>();
  let port = 0;
  let cookieName = 'invasives_token';

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  function authorise(request: http.IncomingMessage, url: URL): 'ok' | 'token-in-query' {
    if (!allowedHosts().has(request.headers.host ?? '')) throw new HttpError(403, 'Unexpected Host header.');
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) throw new HttpError(403, 'Cross-origin requests are refused.');
    if (sameSecret(request.headers[TOKEN_HEADER] as string | undefined, token)) return 'ok';
    if (sameSecret(readCookie(request.headers.cookie, cookieName), token)) return 'ok';
    if (request.method === 'GET' && sameSecret(url.searchParams.get('token') ?? undefined, token)) return 'token-in-query';
    throw new HttpError(401, 'Missing or wrong access token: open the URL printed by `invasives serve` (it carries the token).');
  }

  function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    response.end(JSON.stringify(body));
  }

  function serveStatic(response: http.ServerResponse, pathname: string): void {
    if (!rendererDir) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('The review UI is not built: run `npm run build:renderer` (or `npm run build`), then restart `invasives serve`.');
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html';
    } catch {
      throw new HttpError(404, 'Not found.');
    }
    let file = path.resolve(rendererDir, relative);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) throw new HttpError(404, 'Not found.');
    // The app has one page: unknown paths without an extension get it too.
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      if (path.extname(relative)) throw new HttpError(404, 'Not found.');
      file = path.join(rendererDir, 'index.html');
    }
    const extension = path.extname(file);
    response.writeHead(200, {
      'content-type': rendererContentType(file),
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': extension === '.html' ? 'no-store' : 'private, max-age=3600',
    });
    fs.createReadStream(file).pipe(response);
  }

  function openEventStream(request: http.IncomingMessage, response: http.ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(': connected\n\n');
    sseClients.add(response);
    const unsubscribe = station.events.subscribe((name: EventName, payload: unknown) => {
      response.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    request.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      sseClients.delete(response);
    });
  }

  async function serveMedia(response: http.ServerResponse, kind: string, idText: string): Promise<void> {
    const photoId = Number(idText);
    if (!Number.isSafeInteger(photoId) || photoId <= 0) throw new HttpError(404, 'Not found.');
    try {
      const media = kind === 'thumb'
        ? await readThumbnail(station.library, station.settings, photoId)
        : await readDisplayPhoto(station.library, station.settings, photoId);
      response.writeHead(200, { 'content-type': media.contentType, 'cache-control': 'private, max-age=86400', 'x-content-type-options': 'nosniff' });
      response.end(media.bytes);
    } catch (error) {
      const status = error instanceof StationError && error.code === 'NOT_FOUND' ? 404 : 422;
      throw new HttpError(status, errorMessage(error));
    }
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const access = authorise(request, url);
    if (access === 'token-in-query') {
      // Swap the token in the address bar for a cookie, so it does not linger in history or screenshots.
      url.searchParams.delete('token');
      response.writeHead(303, {
        'set-cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: `${url.pathname}${url.search}`,
        'cache-control': 'no-store',
      });
      response.end();
      return;
    }
    const apiMatch = /^\/api\/([a-z]+:[a-zA-Z]+)$/.exec(url.pathname);
    if (url.pathname === '/api/events' && request.method === 'GET') return openEventStream(request, response);
    if (apiMatch) {
      if (request.method !== 'POST') throw new HttpError(405, 'API calls are POST requests.');
      const outcome = await station.dispatch(apiMatch[1]!, await readJsonBody(request));
      return sendJson(response, 200, outcome);
    }
    const mediaMatch = /^\/media\/(thumb|photo)\/(\d+)$/.exec(url.pathname);
    if (mediaMatch && request.method === 'GET') return serveMedia(response, mediaMatch[1]!, mediaMatch[2]!);
    if (await serveTileRoute(station, request, response, url.pathname)) return;
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/media/')) throw new HttpError(404, 'Not found.');
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new HttpError(405, 'Method not allowed.');
    serveStatic(response, url.pathname);
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(error instanceof HttpError ? error.message : `Internal error: ${errorMessage(error)}`);
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    await station.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StationError('INVALID_ARGUMENT', `Port ${options.port} is already in use; choose another with --port (or 0 for any free port).`);
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  // Cookies are shared across ports of one host: name it per port so two servers do not clash.
  cookieName = `invasives_token_${port}`;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    station,
    async close() {
      for (const client of sseClients) client.end();
      sseClients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await station.close();
    },
  };
}
