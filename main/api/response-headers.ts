/**
 * Headers every response of both transports carries (pages, API, media, downloads, errors):
 * no content sniffing, the renderer's CSP, no Referer leaving the app, no framing, no use of
 * our resources by other origins (other localhost ports included), and nothing that holds
 * library data kept in any cache.
 */
export function securityHeaders(contentSecurityPolicy: string, holdsData: boolean): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': holdsData ? 'no-store' : 'private, max-age=3600',
  };
}
