import { type NativeGrid, nativePixels } from './native-pixels.js';

/**
 * The classifier's JPEG decode without the frame: native/jpeg-grid (built at `npm ci` against
 * the system's libjpeg-turbo) decodes every scanline as OpenCV's cv2.imread does (ISLOW IDCT,
 * fancy upsampling, no colour management) and keeps only the rows and columns the resampler
 * and the thumbnail read. A 12 MP photo then costs its decode alone (~45 core-ms) instead of
 * a 36 MB frame's page faults and copies on top (~80), and never holds those 36 MB.
 *
 * Optional: where the addon could not be built (no C compiler or no libjpeg headers), or when
 * it refuses a file (CMYK, 12-bit, damaged data, anything libjpeg warns about), the caller
 * decodes the whole frame with libvips instead, which gives the same samples (the parity
 * tests check both) and the authoritative verdict on a damaged file.
 */

/** Whether this installation has the native sampled decoder (else every JPEG is decoded whole by libvips). */
export function jpegSamplerAvailable(): boolean {
  return nativePixels() !== null;
}

/** A grid for the decoder (see NativeGrid), and the size of its output. */
export interface JpegGrid extends NativeGrid {
  /** Pixels of the output; rows.length x cols.length when absent. */
  outputPixels?: number;
}

/**
 * The RGB samples of a JPEG at the crossings of each grid's rows and columns (stored
 * coordinates, before EXIF orientation): rows.length x cols.length x 3 bytes per grid,
 * row-major, from one decode. Null when the decoder is not installed or refuses this file:
 * decode it whole instead.
 */
export function decodeJpegSamples(jpeg: Buffer, grids: readonly JpegGrid[], expected: { width: number; height: number }, maxPixels: number): Promise<Uint8Array[] | null> {
  const decoder = nativePixels();
  if (!decoder) return Promise.resolve(null);
  const outs = grids.map((grid) => new Uint8Array((grid.outputPixels ?? grid.rows.length * grid.cols.length) * 3));
  return new Promise((resolve) => {
    decoder.decodeGrids(jpeg, grids.map(({ outputPixels: _, ...grid }, i) => ({ ...grid, out: outs[i]! })), maxPixels, (error, info) => {
      // libjpeg's own size must be the one the header probe reported (the samples were planned on it).
      resolve(!error && info && info.width === expected.width && info.height === expected.height ? outs : null);
    });
  });
}
