/**
 * The renderer's Content-Security-Policy, shared by both transports: nothing remote, scripts,
 * styles and API calls from the app itself only. Svelte sets style attributes on elements (grid
 * positions, score bars), hence 'unsafe-inline' for styles. `imageSources` adds where photos and
 * user-chosen layers may come from (blob:/data: URLs, the Electron media scheme).
 */
export function contentSecurityPolicy(imageSources: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' ${imageSources.join(' ')}`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
