import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StationError, errorMessage } from '../core/errors.js';
import { DOWNLOAD_PATH, type EventName, INPUT_PURPOSES, UPLOAD_HANDLE_HEADER, UPLOAD_NAME_HEADER, UPLOAD_PATH, UPLOAD_PURPOSE_NAMES } from '../api/contract.js';
import { resolveRendererFile } from '../api/renderer-files.js';
import { securityHeaders } from '../api/response-headers.js';
import { type Station, type StationOptions, openStation } from '../api/station.js';
import { BackendHost, type BackendLauncher } from '../backend/backend-host.js';
import { forkBackend } from '../backend/child-process-launcher.js';
import { type StationLink, inProcessLink } from '../backend/station-link.js';
import { CONTENT_SECURITY_POLICY, SERVER_TIMEOUTS, SESSION_COOKIE_PREFIX, TOKEN_HEADER, sameOriginRedirectTarget } from './security.js';
import { serveTileRoute } from './tile-route.js';

/**
 * The browser transport: the built renderer, the API contract at POST /api/<call>, events
 * as Server-Sent Events at GET /api/events, photos and thumbnails by photo id, uploads of
 * input files and downloads of exports. Bound to loopback only. The run's token (from the
 * printed URL, or a single-use one for --open) is exchanged on first load for a session
 * cookie with a random per-run name (HttpOnly, SameSite=Strict); every request also needs a
 * Host/Origin naming this server and a browser fetch context that is not another site or
 * another localhost port (Sec-Fetch-Site). See README "Security".
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
  /** Connection limits; SERVER_TIMEOUTS unless given (tests shorten them). */
  timeouts?: Partial<ServerTimeouts>;
}

export type ServerTimeouts = { -readonly [K in keyof typeof SERVER_TIMEOUTS]: number };

/** The HTTP side of a running server, whichever process holds the station. */
export interface HttpHost {
  /** Open this in a browser: carries the run's token once, then a session cookie does. */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** The session cookie's name (random per run). */
  sessionCookieName: string;
  /** A URL whose token works once (for `--open`, where the command line is visible to `ps`). */
  singleUseUrl(): string;
  close(): Promise<void>;
}

/** The station in this process (tests, embedding): its library is at hand. */
export interface RunningServer extends HttpHost {
  station: Station;
}

/** `invasives serve`: the station in its backend process, which the host restarts if it dies. */
export interface RunningBackendServer extends HttpHost {
  backend: BackendHost;
}

export interface BackendServerOptions extends Omit<ServerOptions, 'openClassifier' | 'dialogs' | 'onInternalError' | 'typedImportFolders'> {
  /** How the backend process is started; a Node child process (child_process.fork) unless given. */
  launch?: BackendLauncher;
  /** Restarts within a minute before the host gives up (default 5). */
  maxRestarts?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;
const SSE_HEARTBEAT_MS = 20_000;
/** Sessions a run hands out at most (each first load of the URL makes one). */
const MAX_SESSIONS = 64;

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

function sameSecret(given: string | undefined | null, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function statusOfStationError(error: StationError): number {
  if (error.code === 'NOT_FOUND') return 404;
  if (error.code === 'FILE_TOO_LARGE') return 413;
  return 400;
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

function checkLoopback(options: { host?: string }): void {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new StationError('INVALID_ARGUMENT', `The review server listens on 127.0.0.1 only, not "${String(host)}".`);
}

/** The browser transport with the station in this process. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  checkLoopback(options);
  const station = openStation({
    ...options,
    // The browser types the folder to import (read-only input); it never names a file to read or write.
    typedImportFolders: true,
    onInternalError: options.onInternalError ?? ((call, error) => console.error(`[invasives serve] ${call} failed:`, error)),
  });
  const transport = await serveHttp(inProcessLink(station), options);
  return { ...transport, station };
}

/**
 * The browser transport as a host of the backend process (`invasives serve`): calls, events,
 * photos, tiles, uploads and downloads are forwarded over the message protocol; the HTTP
 * checks (token, session, Host, Origin, Sec-Fetch-Site, headers, limits) are the same code.
 */
export async function startBackendServer(options: BackendServerOptions): Promise<RunningBackendServer> {
  checkLoopback(options);
  const backend = new BackendHost({
    launch: options.launch ?? forkBackend(),
    // The browser types the folder to import (read-only input); it never names a file to read or write.
    station: { databasePath: options.databasePath, settings: options.settings, typedImportFolders: true },
    maxRestarts: options.maxRestarts,
    log: (line) => console.error(`[invasives serve] ${line}`),
  });
  await backend.start();
  const transport = await serveHttp(backend, options);
  return { ...transport, backend };
}

async function serveHttp(station: StationLink, options: Omit<ServerOptions, 'databasePath'>): Promise<HttpHost> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererDir = options.rendererDir ?? findRendererDir();
  const sseClients = new Set<http.ServerResponse>();
  const sessions = new Set<string>();
  const singleUseTokens = new Set<string>();
  // Cookies are shared by every port of 127.0.0.1: a random name no other local page can guess
  // (and HttpOnly: none can read it) keeps them from reading, overwriting or shadowing it.
  const sessionCookieName = `${SESSION_COOKIE_PREFIX}${randomBytes(12).toString('hex')}`;
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  function authorise(request: http.IncomingMessage, url: URL): 'ok' | 'token-in-query' {
    if (!allowedHosts().has(request.headers.host ?? '')) throw new HttpError(403, 'Unexpected Host header.');
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) throw new HttpError(403, 'Cross-origin requests are refused.');
    // Browsers say where a request comes from: another site, or another port of this host (same-site), is refused.
    const fetchSite = request.headers['sec-fetch-site'];
    if (fetchSite === 'cross-site' || fetchSite === 'same-site') throw new HttpError(403, 'Requests from other sites or other local ports are refused.');
    if (sameSecret(request.headers[TOKEN_HEADER] as string | undefined, token)) return 'ok';
    const session = readCookie(request.headers.cookie, sessionCookieName);
    if (session && [...sessions].some((known) => sameSecret(session, known))) return 'ok';
    if (request.method === 'GET') {
      const given = url.searchParams.get('token');
      if (sameSecret(given, token)) return 'token-in-query';
      const single = [...singleUseTokens].find((known) => sameSecret(given, known));
      if (single) {
        singleUseTokens.delete(single);
        return 'token-in-query';
      }
    }
    throw new HttpError(401, 'Missing or wrong access token: open the URL printed by `invasives serve` (it carries the token).');
  }

  function headers(holdsData: boolean, extra: Record<string, string> = {}): Record<string, string> {
    return { ...securityHeaders(CONTENT_SECURITY_POLICY, holdsData), ...extra };
  }

  function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, headers(true, { 'content-type': 'application/json; charset=utf-8' }));
    response.end(JSON.stringify(body));
  }

  function startSession(response: http.ServerResponse, url: URL): void {
    const session = randomBytes(32).toString('base64url');
    sessions.add(session);
    if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.values().next().value!);
    // Swap the token in the address bar for the cookie, so it does not linger in history or screenshots.
    response.writeHead(303, headers(true, {
      'set-cookie': `${sessionCookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`,
      location: sameOriginRedirectTarget(url.pathname),
    }));
    response.end();
  }

  async function serveStatic(response: http.ServerResponse, pathname: string, method: string): Promise<void> {
    const resolved = await resolveRendererFile(rendererDir, pathname);
    if (!resolved.ok) throw new HttpError(resolved.status, resolved.message);
    response.writeHead(200, headers(resolved.isPage, { 'content-type': resolved.contentType }));
    if (method === 'HEAD') {
      response.end();
      return;
    }
    fs.createReadStream(resolved.file).pipe(response);
  }

  function openEventStream(request: http.IncomingMessage, response: http.ServerResponse): void {
    response.writeHead(200, headers(true, { 'content-type': 'text/event-stream', connection: 'keep-alive' }));
    response.write(': connected\n\n');
    sseClients.add(response);
    const unsubscribe = station.subscribe((name: EventName, payload: unknown) => {
      response.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    request.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      sseClients.delete(response);
    });
  }

  /** Aborted when the browser gives up on the request (a superseded photo): the backend is told to drop it. */
  function abandonedSignal(response: http.ServerResponse): AbortSignal {
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) controller.abort();
    });
    return controller.signal;
  }

  async function serveMedia(response: http.ServerResponse, kind: string, idText: string): Promise<void> {
    const media = await station.media(kind, idText, abandonedSignal(response));
    if (response.destroyed) return;
    response.writeHead(media.status, headers(true, { 'content-type': media.contentType }));
    response.end(media.body);
  }

  async function receiveUpload(request: http.IncomingMessage, response: http.ServerResponse, purpose: string): Promise<void> {
    if (!(UPLOAD_PURPOSE_NAMES as readonly string[]).includes(purpose)) throw new HttpError(404, 'Not found.');
    const rawName = request.headers[UPLOAD_NAME_HEADER];
    if (typeof rawName !== 'string' || rawName === '') throw new HttpError(400, `An upload needs the ${UPLOAD_NAME_HEADER} header (the file's name).`);
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      throw new HttpError(400, `The ${UPLOAD_NAME_HEADER} header is not URI-encoded.`);
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > INPUT_PURPOSES[purpose as (typeof UPLOAD_PURPOSE_NAMES)[number]].maxBytes) {
      throw new HttpError(413, `${INPUT_PURPOSES[purpose as (typeof UPLOAD_PURPOSE_NAMES)[number]].description} is over its size limit.`);
    }
    const handle = request.headers[UPLOAD_HANDLE_HEADER];
    const uploaded = await station.receiveUpload(
      purpose as (typeof UPLOAD_PURPOSE_NAMES)[number],
      name,
      request as AsyncIterable<Buffer>,
      typeof handle === 'string' ? handle : undefined,
    );
    sendJson(response, 200, uploaded);
  }

  async function serveDownload(response: http.ServerResponse, id: string): Promise<void> {
    const output = await station.takeOutput(id);
    if (!output) throw new HttpError(404, 'That export is no longer waiting (each is downloaded once); export it again.');
    response.writeHead(200, headers(true, {
      'content-type': output.contentType,
      'content-length': String(output.bytes),
      'content-disposition': `attachment; filename="${output.name}"`,
    }));
    const stream = fs.createReadStream(output.path);
    stream.pipe(response);
    await new Promise<void>((resolve) => {
      response.on('close', resolve);
      stream.on('error', () => {
        response.destroy();
        resolve();
      });
    });
    await output.done();
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    if (authorise(request, url) === 'token-in-query') return startSession(response, url);
    if (method === 'GET' && url.searchParams.has('token')) {
      // Already in a session: still take the token out of the address bar.
      response.writeHead(303, headers(true, { location: sameOriginRedirectTarget(url.pathname) }));
      response.end();
      return;
    }
    if (url.pathname === '/api/events' && method === 'GET') return openEventStream(request, response);
    const apiMatch = /^\/api\/([a-z]+:[a-zA-Z]+)$/.exec(url.pathname);
    if (apiMatch) {
      if (method !== 'POST') throw new HttpError(405, 'API calls are POST requests.');
      const body = await readJsonBody(request);
      const outcome = await station.dispatch(apiMatch[1]!, body, abandonedSignal(response));
      if (response.destroyed) return;
      return sendJson(response, 200, outcome);
    }
    const mediaMatch = /^\/media\/(thumb|view|photo)\/(\d+)$/.exec(url.pathname);
    if (mediaMatch && method === 'GET') return serveMedia(response, mediaMatch[1]!, mediaMatch[2]!);
    if (await serveTileRoute((pathname) => station.tile(pathname, abandonedSignal(response)), request, response, url.pathname)) return;
    const uploadMatch = new RegExp(`^${UPLOAD_PATH}/([a-z-]+)$`).exec(url.pathname);
    if (uploadMatch) {
      if (method !== 'POST') throw new HttpError(405, 'Uploads are POST requests.');
      return receiveUpload(request, response, uploadMatch[1]!);
    }
    const downloadMatch = new RegExp(`^${DOWNLOAD_PATH}/(out-[A-Za-z0-9_-]{22})$`).exec(url.pathname);
    if (downloadMatch && method === 'GET') return serveDownload(response, downloadMatch[1]!);
    if (/^\/(api|media|upload|download)(\/|$)/.test(url.pathname)) throw new HttpError(404, 'Not found.');
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'Method not allowed.');
    return serveStatic(response, url.pathname, method);
  }

  const timeouts: ServerTimeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
  const server = http.createServer({ connectionsCheckingInterval: timeouts.checkIntervalMs }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof StationError ? statusOfStationError(error) : 500;
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const message = error instanceof HttpError || error instanceof StationError ? error.message : `Internal error: ${errorMessage(error)}`;
      // A refused request whose body was not read (an upload over its limit) is not drained:
      // the connection is closed once the answer is out, and the client told so.
      const unread = !request.complete;
      response.writeHead(status, headers(true, { 'content-type': 'text/plain; charset=utf-8', ...(unread ? { connection: 'close' } : {}) }));
      response.end(message, () => {
        if (unread) request.destroy();
      });
    });
  });
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.timeout = timeouts.idleSocketMs;
  server.maxHeadersCount = 100;

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
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    sessionCookieName,
    singleUseUrl() {
      const single = randomBytes(24).toString('base64url');
      singleUseTokens.add(single);
      return `${origin}/?token=${single}`;
    },
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
