import type { PixelImage } from './decode-photo.js';

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
 * The frame reduced `factor` times per side (sides rounded down): each output pixel is the
 * rounded mean of the 2 x 2 samples at a quarter and three quarters of its cell, per side.
 * With alpha (RGBA), colours are weighted by it, so that the colour stored under transparent
 * pixels does not bleed into the thumbnail.
 */
export function prereduceForThumbnail(frame: PixelImage, factor: number): PixelImage {
  const channels = frame.channels;
  const width = Math.floor(frame.width / factor);
  const height = Math.floor(frame.height / factor);
  const src = frame.data;
  const rowBytes = frame.width * channels;
  const near = Math.floor(factor / 4);
  const far = Math.floor((3 * factor) / 4);
  const x0 = near * channels;
  const x1 = far * channels;
  const cellBytes = factor * channels;
  const out = new Uint8Array(width * height * channels);
  let o = 0;
  for (let y = 0; y < height; y += 1) {
    const r0 = (y * factor + near) * rowBytes;
    const r1 = (y * factor + far) * rowBytes;
    if (channels === 3) {
      for (let x = 0, cell = 0; x < width; x += 1, cell += cellBytes) {
        for (let c = 0; c < 3; c += 1) {
          const a = cell + c;
          out[o++] = (src[r0 + a + x0]! + src[r0 + a + x1]! + src[r1 + a + x0]! + src[r1 + a + x1]! + 2) >> 2;
        }
      }
    } else {
      for (let x = 0, cell = 0; x < width; x += 1, cell += cellBytes) {
        const p0 = r0 + cell + x0;
        const p1 = r0 + cell + x1;
        const p2 = r1 + cell + x0;
        const p3 = r1 + cell + x1;
        const a0 = src[p0 + 3]!;
        const a1 = src[p1 + 3]!;
        const a2 = src[p2 + 3]!;
        const a3 = src[p3 + 3]!;
        const alpha = a0 + a1 + a2 + a3;
        for (let c = 0; c < 3; c += 1) {
          const weighted = src[p0 + c]! * a0 + src[p1 + c]! * a1 + src[p2 + c]! * a2 + src[p3 + c]! * a3;
          out[o++] = alpha === 0 ? 0 : Math.round(weighted / alpha);
        }
        out[o++] = (alpha + 2) >> 2;
      }
    }
  }
  return { width, height, channels, data: out };
}
