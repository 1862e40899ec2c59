import { type FramePixels, pixelAddressing } from './orientation.js';

/**
 * A cheap first step of the thumbnail's downsizing, straight from the decoded frame: libvips
 * reading all 36 MB of a 12 MP frame to make a 320 px thumbnail costs ~15 core-ms, more than
 * the thumbnail is worth. Here each pixel of an image `PREREDUCED_PER_THUMBNAIL_PIXEL` times
 * the thumbnail's size is the mean of 2 samples of its cell of the frame; libvips then finishes
 * with its antialiasing (Lanczos) reduce from that small image. On a real 17 MP camera photo
 * the thumbnail differs from a whole-frame reduce by about as much as JPEG noise (PSNR 53 dB);
 * on sensor grain the sampled one is slightly grainier (32 dB). A JPEG decoded to samples
 * (sampled-decode.ts) gets the same means from the decoder, as `thumbnailSamples` plans them.
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

/** Where a pre-reduce by `factor` reads an upright frame: one row and two columns per cell. */
interface CellSamples {
  width: number;
  height: number;
  row: Int32Array;
  nearCol: Int32Array;
  farCol: Int32Array;
}

function cellSamples(upright: { width: number; height: number }, factor: number): CellSamples {
  const width = Math.floor(upright.width / factor);
  const height = Math.floor(upright.height / factor);
  return {
    width,
    height,
    row: Int32Array.from({ length: height }, (_, y) => y * factor + Math.floor(factor / 2)),
    nearCol: Int32Array.from({ length: width }, (_, x) => x * factor + Math.floor(factor / 4)),
    farCol: Int32Array.from({ length: width }, (_, x) => x * factor + Math.floor((3 * factor) / 4)),
  };
}

/**
 * What the thumbnail of a photo of this size reads (see prereduceForThumbnail): on each cell's
 * row, the means of its two columns (`cols` holds them in pairs, near then far, increasing);
 * null when the photo is too small to be pre-reduced, as libvips then reads the whole frame.
 */
export function thumbnailSamples(upright: { width: number; height: number }, thumbnailSize: number): { rows: Int32Array; cols: Int32Array; pairedCols: true } | null {
  const factor = prereduceFactor(upright.width, upright.height, thumbnailSize);
  if (factor === 1) return null;
  const cells = cellSamples(upright, factor);
  const cols = new Int32Array(cells.width * 2);
  cells.nearCol.forEach((near, x) => {
    cols[2 * x] = near;
    cols[2 * x + 1] = cells.farCol[x]!;
  });
  return { rows: cells.row, cols, pairedCols: true };
}

/**
 * The frame, upright (its EXIF orientation applied), reduced `factor` times per side (sides
 * rounded down): each output pixel is the rounded mean of 2 samples on the middle row of its
 * cell, at a quarter and three quarters of its width. One row in `factor` is read: the frame,
 * fresh from the decoder, is not in cache, and reading it is what costs (a JPEG decoded to
 * samples never comes here: its decoder makes these means). With alpha (RGBA), colours are
 * weighted by it, so that the colour stored under transparent pixels does not bleed into the
 * thumbnail.
 */
export function prereduceForThumbnail(frame: FramePixels, factor: number): { width: number; height: number; channels: number; data: Uint8Array } {
  const channels = frame.channels ?? 3;
  const addressing = pixelAddressing(frame);
  const cells = cellSamples(addressing, factor);
  const { width, height } = cells;
  const src = frame.data;
  const nearX = cells.nearCol.map((x) => addressing.xOffset[x]!);
  const farX = cells.farCol.map((x) => addressing.xOffset[x]!);
  const rowY = cells.row.map((y) => addressing.yOffset[y]!);
  const out = new Uint8Array(width * height * channels);
  const cell = (x: number, y: number): void => {
    const p0 = rowY[y]! + nearX[x]!;
    const p1 = rowY[y]! + farX[x]!;
    let o = (y * width + x) * channels;
    if (channels === 3) {
      for (let c = 0; c < 3; c += 1) out[o++] = (src[p0 + c]! + src[p1 + c]! + 1) >> 1;
      return;
    }
    const a0 = src[p0 + 3]!;
    const a1 = src[p1 + 3]!;
    const alpha = a0 + a1;
    for (let c = 0; c < 3; c += 1) out[o++] = alpha === 0 ? 0 : Math.round((src[p0 + c]! * a0 + src[p1 + c]! * a1) / alpha);
    out[o] = (alpha + 1) >> 1;
  };
  if (addressing.columnsAlongStoredRows) {
    // Stored turned by a quarter: upright columns are stored rows, read along them.
    for (let x = 0; x < width; x += 1) for (let y = 0; y < height; y += 1) cell(x, y);
  } else if (channels === 3) {
    // The common case, written out.
    let o = 0;
    for (let y = 0; y < height; y += 1) {
      const r = rowY[y]!;
      for (let x = 0; x < width; x += 1) {
        const p0 = r + nearX[x]!;
        const p1 = r + farX[x]!;
        out[o++] = (src[p0]! + src[p1]! + 1) >> 1;
        out[o++] = (src[p0 + 1]! + src[p1 + 1]! + 1) >> 1;
        out[o++] = (src[p0 + 2]! + src[p1 + 2]! + 1) >> 1;
      }
    }
  } else {
    for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) cell(x, y);
  }
  return { width, height, channels, data: out };
}
