import { setWorkerUrl } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';

/**
 * MapLibre, set up once: its worker script is a file of this build (same origin, allowed by
 * the content security policy), never a blob built from a CDN copy.
 */
setWorkerUrl(new URL(workerUrl, location.href).href);

export * from 'maplibre-gl';

/** The page's own origin, which serves the tiles: http://127.0.0.1:PORT, or app://station in Electron. */
export function pageOrigin(): string {
  return `${location.protocol}//${location.host}`;
}
