import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerTileRequest, isTilePath } from '../api/basemap-tiles.js';
import { readDisplayPhoto, readThumbnail } from '../api/media.js';
import { rendererContentType } from '../api/renderer-content-types.js';
import { openStation } from '../api/station.js';
import { defaultDatabasePath } from '../core/settings.js';
import { type BrowserWindow, loadElectron } from './electron-api.js';
import {
  APP_ORIGIN,
  APP_SCHEME,
  ELECTRON_CONTENT_SECURITY_POLICY,
  GRANTED_PERMISSIONS,
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  MEDIA_SCHEME,
  PRIVILEGED_SCHEMES,
  WEB_PREFERENCES,
  isAllowedNavigation,
  isTrustedSender,
  isWikipediaUrl,
} from './security.js';

/**
 * The Electron shell: one window showing the built renderer through the app:// protocol,
 * the contract over IPC (validated by the same dispatcher as the HTTP server), photos
 * through invasives-media:// by id. Runs from dist/main/electron/main.js.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.resolve(here, '../..');
const rendererDir = path.join(distDir, 'renderer');
const preloadPath = path.join(distDir, 'preload', 'preload.cjs');


function databasePathFromArgs(argv: readonly string[]): string {
  const flag = argv.findIndex((arg) => arg === '--db' || arg.startsWith('--db='));
  if (flag < 0) return process.env.INVASIVES_DB ?? defaultDatabasePath();
  const value = argv[flag]!.includes('=') ? argv[flag]!.slice('--db='.length) : argv[flag + 1];
  return path.resolve(value ?? defaultDatabasePath());
}

const { app, BrowserWindow, ipcMain, protocol, session, dialog, shell } = loadElectron();
protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);

let mainWindow: BrowserWindow | null = null;
const station = openStation({
  databasePath: databasePathFromArgs(process.argv),
  pickFolder: async () => {
    if (!mainWindow) return null;
    const result = await dialog.showOpenDialog(mainWindow, { title: 'Choose the folder of photos to import', properties: ['openDirectory'] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  },
  pickGeoJsonFile: async () => {
    if (!mainWindow) return null;
    const result = await dialog.showOpenDialog(mainWindow, {
      title: 'Choose the park boundary or management zones (GeoJSON)',
      properties: ['openFile'],
      filters: [{ name: 'GeoJSON', extensions: ['geojson', 'json'] }],
    });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  },
});

async function serveRendererFile(url: string): Promise<Response> {
  const { pathname } = new URL(url);
  const file = path.resolve(rendererDir, decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html');
  if (!file.startsWith(rendererDir + path.sep)) return new Response('Not found', { status: 404 });
  try {
    const bytes = await fs.readFile(file);
    return new Response(bytes, {
      headers: {
        'content-type': rendererContentType(file),
        'content-security-policy': ELECTRON_CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
      },
    });
  } catch {
    return new Response('Not found', { status: 404 });
  }
}

async function serveMedia(url: string): Promise<Response> {
  const { hostname, pathname } = new URL(url);
  const photoId = Number(pathname.replace(/^\//, ''));
  if (!Number.isSafeInteger(photoId) || photoId <= 0 || (hostname !== 'thumb' && hostname !== 'photo')) return new Response('Not found', { status: 404 });
  try {
    const media = hostname === 'thumb'
      ? await readThumbnail(station.library, station.settings, photoId)
      : await readDisplayPhoto(station.library, station.settings, photoId);
    return new Response(new Uint8Array(media.bytes), { headers: { 'content-type': media.contentType } });
  } catch (error) {
    return new Response(String(error), { status: 404 });
  }
}

/** A species' Wikipedia article goes to the system browser; nothing else leaves the app. */
function openOutside(url: string): void {
  if (isWikipediaUrl(url)) void shell.openExternal(url).catch(() => undefined);
}

app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url)) return;
    event.preventDefault();
    openOutside(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => app.quit());
app.on('before-quit', () => void station.close());

await app.whenReady();
session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(GRANTED_PERMISSIONS.includes(permission)));
session.defaultSession.setPermissionCheckHandler(() => false);
protocol.handle(APP_SCHEME, async (request) => {
  const { pathname } = new URL(request.url);
  if (!isTilePath(pathname)) return serveRendererFile(request.url);
  // Basemap tiles on the app's own origin, by basemap id (the same answer as the HTTP server's).
  const tile = await answerTileRequest(station.basemaps, pathname);
  return new Response(typeof tile.body === 'string' ? tile.body : tile.body ? new Uint8Array(tile.body) : null, { status: tile.status, headers: tile.headers });
});
protocol.handle(MEDIA_SCHEME, (request) => serveMedia(request.url));

ipcMain.handle(IPC_CALL_CHANNEL, async (event, name, args) => {
  const frame = event.senderFrame;
  if (!isTrustedSender(frame?.url, frame?.parent === null)) {
    return { ok: false, error: { code: 'TRANSPORT', message: 'Calls are accepted from the station window only.' } };
  }
  return station.dispatch(typeof name === 'string' ? name : '', args);
});

mainWindow = new BrowserWindow({
  width: 1400,
  height: 900,
  show: false,
  title: 'Invasives Station',
  webPreferences: { ...WEB_PREFERENCES, preload: preloadPath },
});
const window = mainWindow;
station.events.subscribe((name, payload) => {
  if (!window.webContents.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, name, payload);
});
window.once('ready-to-show', () => window.show());
await window.loadURL(`${APP_ORIGIN}/index.html`);
