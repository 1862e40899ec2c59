/**
 * Links from a species name to reading about it. Pure (no Node): the handlers build the
 * links and the Electron shell checks them before opening anything outside the app.
 */

/** The English Wikipedia article for a class label: spaces become underscores, the rest is URI-encoded. */
export function wikipediaArticleUrl(label: string): string {
  return `https://en.wikipedia.org/wiki/${encodeURIComponent(label.trim().replace(/\s+/g, '_'))}`;
}
