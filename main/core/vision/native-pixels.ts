import { createRequire } from 'node:module';
import type { StoredSamples } from './orientation.js';

/**
 * Where the decoder samples and how: by default the pixels where `rows` and `cols` cross,
 * stored row by row; `pairs` 1 / 2 average pairs of columns / rows ((a + b + 1) >> 1), and
 * element (i, j) goes to output pixel origin + i * rowStride + j * colStride (see
 * native/jpeg-grid/jpeg_grid.c).
 */
export interface NativeGrid extends StoredSamples {
  pairs?: 0 | 1 | 2;
  origin?: number;
  rowStride?: number;
  colStride?: number;
}

/**
 * The station's native pixel code (native/jpeg-grid, built at `npm ci` against the system's
 * libjpeg-turbo): the sampled JPEG decode (jpeg-samples.ts) and OpenCV's bilinear arithmetic
 * (preprocess.ts). Optional: where it could not be built (no C compiler or no libjpeg
 * headers) its callers use libvips and TypeScript instead, which give the same pixels (tests
 * check both) more slowly. INVASIVES_NATIVE_PIXELS=off turns it off (comparisons, or a
 * suspected fault in it).
 */
export interface NativePixels {
  decodeGrids(
    jpeg: Uint8Array,
    grids: (NativeGrid & { out: Uint8Array })[],
    maxPixels: number,
    callback: (error: Error | null, info?: { width: number; height: number }) => void,
  ): void;
  interpolateLinear(
    src: Uint8Array,
    firstX: Int32Array, secondX: Int32Array, weightX0: Int32Array, weightX1: Int32Array,
    firstY: Int32Array, secondY: Int32Array, weightY0: Int32Array, weightY1: Int32Array,
    out: Uint8Array,
  ): void;
}

let addon: NativePixels | null | undefined;

/** The native pixel code, or null where it is not built or turned off. */
export function nativePixels(): NativePixels | null {
  if (process.env.INVASIVES_NATIVE_PIXELS === 'off') return null;
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('invasives-jpeg-grid') as NativePixels;
    } catch {
      addon = null;
    }
  }
  return addon;
}
