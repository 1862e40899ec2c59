/**
 * Every security setting of the Electron shell, in one module that tests read.
 * The renderer is untrusted: it gets the contract client from the preload and nothing else.
 */
import { contentSecurityPolicy } from '../api/content-security-policy.js';

/** The renderer's own origin: its files are served by a custom protocol, never file:// or http. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'station';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** Photos and thumbnails, by photo id only (invasives-media://thumb/42). */
export const MEDIA_SCHEME = 'invasives-media';

/** IPC channels: one for calls, one for events. Names of calls travel as data and are checked against the contract. */
export const IPC_CALL_CHANNEL = 'invasives:call';
export const IPC_EVENT_CHANNEL = 'invasives:event';
/** The main process hands the window a MessagePort to the backend process on this channel (calls then go straight to it). */
export const IPC_PORT_CHANNEL = 'invasives:port';

export const WEB_PREFERENCES = {
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  sandbox: true,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  safeDialogs: true,
} as const;

/** No remote content at all: the app works offline and must not load anything from the network. */
export const ELECTRON_CONTENT_SECURITY_POLICY = contentSecurityPolicy([`${MEDIA_SCHEME}:`, 'blob:', 'data:']);

/** Custom schemes, registered before the app is ready. */
export const PRIVILEGED_SCHEMES = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true } },
] as const;

/** Scheme and host, compared by hand: WHATWG URL gives custom schemes an opaque origin ("null"). */
function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Only the app's own main frame may call the API. */
export function isTrustedSender(frameUrl: string | undefined, isMainFrame: boolean): boolean {
  return frameUrl !== undefined && isMainFrame && isAppUrl(frameUrl);
}

/** Navigation stays inside the app; anything else (links, drags, redirects) is blocked. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * The only pages the app hands to the system browser (shell.openExternal): English or other
 * Wikipedia articles over https, nothing with credentials or an odd port. Everything else a
 * link points at is refused; the app window itself never leaves the app.
 */
export function isWikipediaUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const host = parsed.hostname.toLowerCase();
  return (
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    (host === 'wikipedia.org' || (host.endsWith('.wikipedia.org') && /^[a-z0-9-]+(\.m)?\.wikipedia\.org$/.test(host)))
  );
}

/** No permission (camera, geolocation, notifications…) is ever granted to the renderer. */
export const GRANTED_PERMISSIONS: readonly string[] = [];
