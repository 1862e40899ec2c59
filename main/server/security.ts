import { contentSecurityPolicy } from '../api/content-security-policy.js';

/**
 * Security settings of the browser transport, in one place so a test can read them.
 * The renderer loads nothing remote: scripts, styles, images and API calls come from this
 * server only (images may also be blob: URLs made from user-chosen files, e.g. map layers).
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy(['blob:', 'data:']);

/** Header carrying the per-run token for clients that are not a browser page (scripts, tests). */
export const TOKEN_HEADER = 'x-invasives-token';

/** The session cookie's name starts so; a random suffix per run follows. */
export const SESSION_COOKIE_PREFIX = 'invasives_session_';

/**
 * Connection limits: a client that sends its headers slowly (slowloris), never finishes its
 * request, or keeps an idle connection open between requests is cut off. Uploads of big
 * model packs get minutes. No limit on a response being prepared: adding a model pack may
 * compile for minutes before the answer, and the event stream stays open (0: off).
 */
export const SERVER_TIMEOUTS = {
  headersMs: 10_000,
  requestMs: 15 * 60_000,
  keepAliveMs: 5_000,
  idleSocketMs: 0,
  /** How often Node checks the header and request limits. */
  checkIntervalMs: 5_000,
} as const;

/**
 * Where the token exchange redirects: the requested path when it is a plain path of this
 * server, else "/". Never a scheme-relative ("//host") or backslash path, which browsers
 * would follow to another host (an open redirect).
 */
export function sameOriginRedirectTarget(pathname: string): string {
  return /^\/(?![/\\])[A-Za-z0-9._~\-/]*$/.test(pathname) && !pathname.includes('//') ? pathname : '/';
}
