import type { Map as MapLibreMap } from './maplibre.js';

/**
 * Software WebGL (SwiftShader, llvmpipe: a station laptop without a usable GPU) draws every pixel
 * on the CPU, so a frame costs what the canvas's pixel count costs. While the ranger drags or
 * zooms, the map draws at a lower resolution and comes back to full resolution as soon as the
 * movement settles: the motion stays fluid, the map at rest stays sharp. With a GPU nothing
 * changes. Programmatic moves (zoom to a photo, fit to the park) are not gestures: they keep
 * the full resolution.
 */

/** The resolution of the frames drawn during a gesture, as a share of the device's pixel ratio. */
export const GESTURE_RESOLUTION = 0.5;
/** Full resolution comes back this long after the last movement of a gesture. */
export const SETTLE_MS = 150;

/** Whether WebGL is drawn by the CPU, from the renderer WebGL reports. */
export function isSoftwareRenderer(rendererName: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software/i.test(rendererName);
}

let rendererName: string | null = null;

/** The name of the WebGL renderer of this browser, or '' when WebGL is not there (asked once per page). */
export function webGlRendererName(): string {
  rendererName ??= askWebGlRendererName();
  return rendererName;
}

function askWebGlRendererName(): string {
  try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (!gl) return '';
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return name;
  } catch {
    return '';
  }
}

/** Lowers the map's resolution during the ranger's gestures (events carrying an input event). */
export function drawCoarserDuringGestures(map: MapLibreMap, devicePixelRatio: () => number = () => window.devicePixelRatio || 1): void {
  let coarse = false;
  let changing = false;
  let settle: ReturnType<typeof setTimeout> | undefined;
  // setPixelRatio resizes the map, which fires movestart/moveend of its own: ignored here.
  const setRatio = (ratio: number) => {
    changing = true;
    try {
      map.setPixelRatio(ratio);
    } finally {
      changing = false;
    }
  };
  map.on('movestart', (event) => {
    if (changing || !(event as { originalEvent?: unknown }).originalEvent) return;
    clearTimeout(settle);
    if (coarse) return;
    coarse = true;
    setRatio(GESTURE_RESOLUTION * devicePixelRatio());
  });
  map.on('moveend', () => {
    if (changing || !coarse) return;
    clearTimeout(settle);
    settle = setTimeout(() => {
      coarse = false;
      setRatio(devicePixelRatio());
    }, SETTLE_MS);
  });
}
