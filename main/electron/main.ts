import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTilePath } from '../api/basemap-tiles.js';
import { type BackendState, INPUT_PURPOSES, type InputPurpose } from '../api/contract.js';
import { resolveRendererFile } from '../api/renderer-files.js';
import { securityHeaders } from '../api/response-headers.js';
import { BackendHost } from '../backend/backend-host.js';
import { defaultDatabasePath } from '../core/settings.js';
import { type BrowserWindow, type ElectronRequest, loadElectron } from './electron-api.js';
import { utilityProcessBackend } from './utility-process-launcher.js';
import {
  APP_ORIGIN,
  APP_SCHEME,
  ELECTRON_CONTENT_SECURITY_POLICY,
  GRANTED_PERMISSIONS,
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  IPC_PORT_CHANNEL,
  MEDIA_SCHEME,
  PRIVILEGED_SCHEMES,
  WEB_PREFERENCES,
  isAllowedNavigation,
  isTrustedSender,
  isWikipediaUrl,
} from './security.js';

/**
 * The Electron shell: windows, menus and native dialogs only. The station (library, jobs,
 * alerts, training, model compilation) runs in a utilityProcess (dist/main/backend/entry.js)
 * behind the message protocol; this process forwards the window's calls (IPC), its photos
 * (invasives-media:// by id) and tiles to it, and its events and dialog requests back, so a
 * busy backend never stalls a window. Runs from dist/main/electron/main.js.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.resolve(here, '../..');
const rendererDir = path.join(distDir, 'renderer');
const preloadPath = path.join(distDir, 'preload', 'preload.cjs');
const backendEntryPath = path.join(distDir, 'main', 'backend', 'entry.js');


function databasePathFromArgs(argv: readonly string[]): string {
  const flag = argv.findIndex((arg) => arg === '--db' || arg.startsWith('--db='));
  if (flag < 0) return process.env.INVASIVES_DB ?? defaultDatabasePath();
  const value = argv[flag]!.includes('=') ? argv[flag]!.slice('--db='.length) : argv[flag + 1];
  return path.resolve(value ?? defaultDatabasePath());
}

const { app, BrowserWindow, ipcMain, protocol, session, dialog, shell, utilityProcess, MessageChannelMain } = loadElectron();
protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);

let mainWindow: BrowserWindow | null = null;

const DIALOG_TITLES: Record<InputPurpose, string> = {
  zones: 'Choose the park boundary or management zones (GeoJSON)',
  'model-pack': 'Choose a model pack',
  gpx: 'Choose the GPS track (GPX)',
  baseline: 'Choose the past records (CSV or GeoJSON)',
  basemap: 'Choose a basemap (MBTiles or PMTiles)',
  'station-bundle': "Choose another station's bundle or library file",
  intake: "Choose the visitors' mail (.eml, .mbox) or their folder",
  backup: 'Choose the station backup to restore (.tar.gz)',
  'photo-folder': 'Choose the folder of photos to import',
};

/**
 * The only way a path reaches the backend from the window: a native dialog run here, in the
 * main process, when the backend asks for one over the protocol. The renderer gets an opaque
 * handle back (files:pick, import:pickFolder) and never sees or sends the path; a save
 * replaces a file only after the dialog asked.
 */
const backend = new BackendHost({
  launch: utilityProcessBackend(utilityProcess.fork.bind(utilityProcess), backendEntryPath),
  station: { databasePath: databasePathFromArgs(process.argv), typedImportFolders: false },
  log: (line) => console.error(`[invasives] ${line}`),
  dialogs: {
    async chooseInput(purpose, folder) {
      if (!mainWindow) return null;
      const extensions = INPUT_PURPOSES[purpose].extensions;
      const result = await dialog.showOpenDialog(mainWindow, {
        title: DIALOG_TITLES[purpose],
        properties: [folder ? 'openDirectory' : 'openFile'],
        filters: folder || extensions.length === 0 ? undefined : [{ name: INPUT_PURPOSES[purpose].description, extensions: [...extensions] }, { name: 'All files', extensions: ['*'] }],
      });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async chooseSaveDestination(suggestedName) {
      if (!mainWindow) return null;
      const result = await dialog.showSaveDialog(mainWindow, {
        title: 'Save the export',
        defaultPath: path.join(app.getPath('documents'), suggestedName),
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      });
      return result.canceled || !result.filePath ? null : result.filePath;
    },
  },
});

async function serveRendererFile(url: string): Promise<Response> {
  const resolved = await resolveRendererFile(rendererDir, new URL(url).pathname);
  if (!resolved.ok) return new Response(resolved.message, { status: resolved.status, headers: securityHeaders(ELECTRON_CONTENT_SECURITY_POLICY, true) });
  try {
    const bytes = await fs.readFile(resolved.file);
    return new Response(bytes, { headers: { ...securityHeaders(ELECTRON_CONTENT_SECURITY_POLICY, resolved.isPage), 'content-type': resolved.contentType } });
  } catch {
    return new Response('Not found', { status: 404, headers: securityHeaders(ELECTRON_CONTENT_SECURITY_POLICY, true) });
  }
}

async function serveMedia(request: ElectronRequest): Promise<Response> {
  const { hostname, pathname } = new URL(request.url);
  // A photo the window stopped waiting for (scrolled past) is dropped by the backend.
  const media = await backend.media(hostname, pathname.replace(/^\//, ''), request.signal);
  const headers: Record<string, string> = { ...securityHeaders(ELECTRON_CONTENT_SECURITY_POLICY, true), 'content-type': media.contentType };
  // The media scheme is another origin than app://station: the window must be allowed to show it.
  delete headers['cross-origin-resource-policy'];
  // A view of the bytes that came from the backend, not another copy of a photo of megabytes.
  return new Response(new Uint8Array(media.body.buffer, media.body.byteOffset, media.body.byteLength), { status: media.status, headers });
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
// The backend closes the station first (a running import stops cleanly, the library is closed), then the app quits.
let backendClosed = false;
app.on('before-quit', (event) => {
  if (backendClosed) return;
  event.preventDefault();
  void backend.close().finally(() => {
    backendClosed = true;
    app.quit();
  });
});

await app.whenReady();
// A utilityProcess can be started once the app is ready; a library that cannot be opened is said in a dialog.
await backend.start().catch((error: unknown) => {
  dialog.showErrorBox('The station cannot open its library', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(GRANTED_PERMISSIONS.includes(permission)));
session.defaultSession.setPermissionCheckHandler(() => false);
protocol.handle(APP_SCHEME, async (request) => {
  const { pathname } = new URL(request.url);
  if (!isTilePath(pathname)) return serveRendererFile(request.url);
  // Basemap tiles on the app's own origin, by basemap id (the same answer as the HTTP server's).
  const tile = await backend.tile(pathname, request.signal);
  return new Response(typeof tile.body === 'string' ? tile.body : tile.body ? new Uint8Array(tile.body) : null, {
    status: tile.status,
    headers: { ...securityHeaders(ELECTRON_CONTENT_SECURITY_POLICY, false), ...tile.headers },
  });
});
protocol.handle(MEDIA_SCHEME, (request) => serveMedia(request));

ipcMain.handle(IPC_CALL_CHANNEL, async (event, name, args) => {
  const frame = event.senderFrame;
  if (!isTrustedSender(frame?.url, frame?.parent === null)) {
    return { ok: false, error: { code: 'TRANSPORT', message: 'Calls are accepted from the station window only.' } };
  }
  return backend.dispatch(typeof name === 'string' ? name : '', args);
});

mainWindow = new BrowserWindow({
  width: 1400,
  height: 900,
  show: false,
  title: 'Invasives Station',
  webPreferences: { ...WEB_PREFERENCES, preload: preloadPath },
});
const window = mainWindow;

/**
 * Gives the window a MessagePort whose other end is in the backend process: the window's calls
 * and their results then go straight between them, not through this process. Again after each
 * page load and each restart of the backend (the old port died with it).
 */
function connectWindowToBackend(): void {
  const { port1, port2 } = new MessageChannelMain();
  void backend.connectWindow(port1).then((connected) => {
    if (connected && !window.webContents.isDestroyed()) window.webContents.postMessage(IPC_PORT_CHANNEL, null, [port2]);
  });
}
window.webContents.on('did-finish-load', connectWindowToBackend);
backend.subscribe((name, payload) => {
  if (!window.webContents.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, name, payload);
  if (name === 'backend:state' && (payload as BackendState).state === 'ready') connectWindowToBackend();
});
window.once('ready-to-show', () => window.show());
await window.loadURL(`${APP_ORIGIN}/index.html`);
