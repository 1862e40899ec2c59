import { contentSecurityPolicy } from '../api/content-security-policy.js';

/**
 * Security settings of the browser transport, in one place so a test can read them.
 * The renderer loads nothing remote: scripts, styles, images and API calls come from this
 * server only (images may also be blob: URLs made from user-chosen files, e.g. map layers).
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy(['blob:', 'data:']);

/** Header carrying the per-run token for clients that do not use the cookie. */
export const TOKEN_HEADER = 'x-invasives-token';
