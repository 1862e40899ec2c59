import { type StoredPixels, uprightLayout } from './orientation.js';

/**
 * A cheap first step of the thumbnail's downsizing, straight from the decoded frame: libvips
 * reading all 36 MB of a 12 MP frame to make a 320 px thumbnail costs ~15 core-ms, more than
 * the thumbnail is worth. Here each pixel of an image `PREREDUCED_PER_THUMBNAIL_PIXEL` times
 * the thumbnail's size is the mean of 2 x 2 samples spread over its cell of the frame; libvips
 * then finishes with its antialiasing (Lanczos) reduce from that small image. On real camera
 * photos the thumbnail differs from a whole-frame reduce by less than JPEG noise (PSNR ~55 dB);
 * on sensor grain the sampled one is slightly grainier.
 */

/** The pre-reduced image is about this many times the thumbnail's size, per side. */
export const PREREDUCED_PER_THUMBNAIL_PIXEL = 2;
/** Frames less than this many times the pre-reduced size are left to libvips whole. */
const LEAST_FACTOR = 3;

/** The integer reduction factor for a frame and a thumbnail's longest side; 1 = not worth it. */
export function prereduceFactor(width: number, height: number, thumbnailSize: number): number {
  const factor = Math.floor(Math.max(width, height) / (thumbnailSize * PREREDUCED_PER_THUMBNAIL_PIXEL));
  return factor >= LEAST_FACTOR ? factor : 1;
}

/**
 * The frame, upright (its EXIF orientation applied), reduced `factor` times per side (sides
 * rounded down): each output pixel is the rounded mean of the 2 x 2 samples at a quarter and
 * three quarters of its cell, per side. With alpha (RGBA), colours are weighted by it, so that
 * the colour stored under transparent pixels does not bleed into the thumbnail.
 */
export function prereduceForThumbnail(frame: StoredPixels, factor: number): { width: number; height: number; channels: number; data: Uint8Array } {
  const channels = frame.channels ?? 3;
  const layout = uprightLayout(frame);
  const width = Math.floor(layout.width / factor);
  const height = Math.floor(layout.height / factor);
  const src = frame.data;
  const near = Math.floor(factor / 4);
  const far = Math.floor((3 * factor) / 4);
  const nearX = Int32Array.from({ length: width }, (_, x) => (x * factor + near) * layout.xStep);
  const farX = Int32Array.from({ length: width }, (_, x) => (x * factor + far) * layout.xStep);
  const nearY = Int32Array.from({ length: height }, (_, y) => layout.origin + (y * factor + near) * layout.yStep);
  const farY = Int32Array.from({ length: height }, (_, y) => layout.origin + (y * factor + far) * layout.yStep);
  const out = new Uint8Array(width * height * channels);
  const cell = (x: number, y: number): void => {
    const p0 = nearY[y]! + nearX[x]!;
    const p1 = nearY[y]! + farX[x]!;
    const p2 = farY[y]! + nearX[x]!;
    const p3 = farY[y]! + farX[x]!;
    let o = (y * width + x) * channels;
    if (channels === 3) {
      for (let c = 0; c < 3; c += 1) out[o++] = (src[p0 + c]! + src[p1 + c]! + src[p2 + c]! + src[p3 + c]! + 2) >> 2;
      return;
    }
    const a0 = src[p0 + 3]!;
    const a1 = src[p1 + 3]!;
    const a2 = src[p2 + 3]!;
    const a3 = src[p3 + 3]!;
    const alpha = a0 + a1 + a2 + a3;
    for (let c = 0; c < 3; c += 1) {
      const weighted = src[p0 + c]! * a0 + src[p1 + c]! * a1 + src[p2 + c]! * a2 + src[p3 + c]! * a3;
      out[o++] = alpha === 0 ? 0 : Math.round(weighted / alpha);
    }
    out[o] = (alpha + 2) >> 2;
  };
  const alongRows = Math.abs(layout.xStep) <= Math.abs(layout.yStep);
  if (channels === 3 && alongRows) {
    // The common case, written out: upright RGB rows are stored rows.
    let o = 0;
    for (let y = 0; y < height; y += 1) {
      const r0 = nearY[y]!;
      const r1 = farY[y]!;
      for (let x = 0; x < width; x += 1) {
        const p0 = r0 + nearX[x]!;
        const p1 = r0 + farX[x]!;
        const p2 = r1 + nearX[x]!;
        const p3 = r1 + farX[x]!;
        out[o++] = (src[p0]! + src[p1]! + src[p2]! + src[p3]! + 2) >> 2;
        out[o++] = (src[p0 + 1]! + src[p1 + 1]! + src[p2 + 1]! + src[p3 + 1]! + 2) >> 2;
        out[o++] = (src[p0 + 2]! + src[p1 + 2]! + src[p2 + 2]! + src[p3 + 2]! + 2) >> 2;
      }
    }
  } else if (alongRows) {
    for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) cell(x, y);
  } else {
    // Stored turned by a quarter: upright columns are stored rows.
    for (let x = 0; x < width; x += 1) for (let y = 0; y < height; y += 1) cell(x, y);
  }
  return { width, height, channels, data: out };
}
