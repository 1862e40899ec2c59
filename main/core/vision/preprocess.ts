/**
 * Photo -> network input, as DEEP-OC image-classification-tf prepares it
 * (imgclas/data_utils.py: load_image, resize_im, preprocess_batch, standard_tencrop_batch):
 * decode with EXIF orientation, RGB, stretch the whole frame to height x width with
 * OpenCV INTER_LINEAR on uint8 pixels, then subtract the mean and apply `mode`.
 *
 * The resize is reimplemented here bit for bit (OpenCV's fixed-point arithmetic) because
 * libvips' resamplers antialias and give different pixels.
 */
import sharp from 'sharp';
import { StationError } from '../errors.js';
import { openOrientedImage, runImageOutput } from './decode.js';
import type { Preprocessing } from './model-pack.js';

/** Interleaved 8-bit RGB pixels, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface PreprocessOptions {
  /** Refuse images with more pixels than this (decompression bombs). */
  maxPixels: number;
  /** For error messages. */
  path?: string;
  /**
   * 'exact' (default): full-size decode, then OpenCV INTER_LINEAR in TypeScript, as the
   * model was trained. 'fast': sharp resizes with shrink-on-load (JPEG DCT scaling) and
   * its antialiasing linear kernel; measured in bench/inference.bench.ts.
   */
  resampler?: 'exact' | 'fast';
  /** Ten views (corners, centre, mirrors) instead of one; see tenCropViews. */
  tenCrop?: boolean;
}

/** OpenCV's INTER_RESIZE_COEF_BITS: interpolation weights are 11-bit fixed point. */
const COEF_SCALE = 2048;
/** image-classification-tf's standard_tencrop_batch crop_prop. */
export const TEN_CROP_PROPORTION = 0.9;

/** C's lrint / OpenCV cvRound: round half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface AxisTable {
  first: Int32Array;
  second: Int32Array;
  w0: Int32Array;
  w1: Int32Array;
}

/**
 * Source indices and fixed-point weights along one axis, as cv::resize computes them:
 * centre-aligned float32 coordinates; along x, coordinates outside the image clamp to the
 * edge pixel with weight 1; along y, row indices clamp but the weights stay as computed.
 */
function axisTable(srcSize: number, dstSize: number, clampWeights: boolean): AxisTable {
  // cv::resize stores inv_scale = dst/src and uses scale = 1/inv_scale (not src/dst).
  const scale = 1 / (dstSize / srcSize);
  const table: AxisTable = {
    first: new Int32Array(dstSize),
    second: new Int32Array(dstSize),
    w0: new Int32Array(dstSize),
    w1: new Int32Array(dstSize),
  };
  for (let d = 0; d < dstSize; d += 1) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeights) {
      if (s < 0) { f = 0; s = 0; }
      if (s >= srcSize - 1) { f = 0; s = srcSize - 1; }
    }
    table.first[d] = Math.min(Math.max(s, 0), srcSize - 1);
    table.second[d] = Math.min(Math.max(s + 1, 0), srcSize - 1);
    table.w0[d] = roundHalfEven(Math.fround(Math.fround(1 - f) * COEF_SCALE));
    table.w1[d] = roundHalfEven(Math.fround(f * COEF_SCALE));
  }
  return table;
}

/** The entries of a table at the given destination positions. */
function selectTable(table: AxisTable, picks: ArrayLike<number>): AxisTable {
  const pick = (a: Int32Array): Int32Array => Int32Array.from({ length: picks.length }, (_, i) => a[picks[i]!]!);
  return { first: pick(table.first), second: pick(table.second), w0: pick(table.w0), w1: pick(table.w1) };
}

/** A table whose source indices are shifted by `offset` and renumbered through `indexOf`. */
function remapTable(table: AxisTable, offset: number, indexOf: Int32Array): AxisTable {
  const map = (a: Int32Array): Int32Array => a.map((i) => indexOf[offset + i]!);
  return { first: map(table.first), second: map(table.second), w0: table.w0, w1: table.w1 };
}

/**
 * The interpolation itself, for any tables: each horizontally interpolated row value (x 2048)
 * is shifted right by 4, multiplied by the row weight keeping the high 16 bits, summed, and
 * rounded with (sum + 2) >> 2: the rounding of OpenCV's SIMD vertical pass (the path x86
 * builds take for all but the last few bytes of a row).
 */
function interpolate(src: RgbImage, xs: AxisTable, ys: AxisTable): RgbImage {
  const width = xs.first.length;
  const height = ys.first.length;
  const out = new Uint8Array(width * height * 3);
  const row0 = new Int32Array(width * 3);
  const row1 = new Int32Array(width * 3);
  const horizontal = (sy: number, into: Int32Array): void => {
    const base = sy * src.width * 3;
    for (let dx = 0; dx < width; dx += 1) {
      const a = base + xs.first[dx]! * 3;
      const b = base + xs.second[dx]! * 3;
      const w0 = xs.w0[dx]!;
      const w1 = xs.w1[dx]!;
      for (let c = 0; c < 3; c += 1) into[dx * 3 + c] = src.data[a + c]! * w0 + src.data[b + c]! * w1;
    }
  };
  for (let dy = 0; dy < height; dy += 1) {
    horizontal(ys.first[dy]!, row0);
    horizontal(ys.second[dy]!, row1);
    const b0 = ys.w0[dy]!;
    const b1 = ys.w1[dy]!;
    const o = dy * width * 3;
    for (let i = 0; i < width * 3; i += 1) {
      const v = (((row0[i]! >> 4) * b0) >> 16) + (((row1[i]! >> 4) * b1) >> 16);
      out[o + i] = Math.min(255, Math.max(0, (v + 2) >> 2));
    }
  }
  return { width, height, data: out };
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new StationError('INVALID_ARGUMENT', `Resize target ${width}x${height} is not a positive pixel size.`);
  }
}

/** cv2.resize(src, (width, height), interpolation=cv2.INTER_LINEAR) on 8-bit RGB, bit for bit. */
export function resizeInterLinear(src: RgbImage, width: number, height: number): RgbImage {
  checkSize(width, height);
  return interpolate(src, axisTable(src.width, width, true), axisTable(src.height, height, false));
}

/** A rectangle of an image, copied. */
export function cropRgb(src: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    const from = ((top + y) * src.width + left) * 3;
    data.set(src.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}

/** Left-right mirror. */
export function mirrorRgb(src: RgbImage): RgbImage {
  const data = new Uint8Array(src.data.length);
  for (let y = 0; y < src.height; y += 1) {
    for (let x = 0; x < src.width; x += 1) {
      const from = (y * src.width + x) * 3;
      const to = (y * src.width + (src.width - 1 - x)) * 3;
      data[to] = src.data[from]!;
      data[to + 1] = src.data[from + 1]!;
      data[to + 2] = src.data[from + 2]!;
    }
  }
  return { width: src.width, height: src.height, data };
}

/**
 * The ten deterministic views of standard_tencrop_batch: the photo stretched to a square of
 * its shorter side, crops of 90% of it at the four corners (top-left, bottom-left, top-right,
 * bottom-right) and the centre, each followed by its mirror. Unlike the original, which feeds
 * the crops at their own size, each crop is resized (INTER_LINEAR) to the network's input.
 */
export function tenCropViews(src: RgbImage, width: number, height: number): RgbImage[] {
  checkSize(width, height);
  const side = Math.min(src.width, src.height);
  const crop = Math.trunc(TEN_CROP_PROPORTION * side);
  // numpy's round (half to even), as the original uses for the centre crop.
  const centre = roundHalfEven((side - crop) / 2);
  const corners: [number, number][] = [[0, 0], [0, side - crop], [side - crop, 0], [side - crop, side - crop], [centre, centre]];
  // The square (side x side) stretch is only evaluated at the rows and columns the crop
  // resizes read: the same values as materialising it, without ~side^2 work per photo.
  const cropX = axisTable(crop, width, true);
  const cropY = axisTable(crop, height, false);
  const needed = (table: AxisTable, offsets: number[]): number[] => {
    const set = new Set<number>();
    for (const offset of offsets) for (let d = 0; d < table.first.length; d += 1) set.add(offset + table.first[d]!).add(offset + table.second[d]!);
    return [...set].sort((a, b) => a - b);
  };
  const squareX = axisTable(src.width, side, true);
  const squareY = axisTable(src.height, side, false);
  const views: RgbImage[] = [];
  for (const [left, top] of corners) {
    const cols = needed(cropX, [left]);
    const rows = needed(cropY, [top]);
    const grid = interpolate(src, selectTable(squareX, cols), selectTable(squareY, rows));
    const colIndex = new Int32Array(side).fill(-1);
    cols.forEach((c, i) => (colIndex[c] = i));
    const rowIndex = new Int32Array(side).fill(-1);
    rows.forEach((r, i) => (rowIndex[r] = i));
    const view = interpolate(grid, remapTable(cropX, left, colIndex), remapTable(cropY, top, rowIndex));
    views.push(view, mirrorRgb(view));
  }
  return views;
}

/**
 * preprocess_batch on one image: (x - mean); 'tf' / 127.5, 'torch' / std, 'caffe' RGB->BGR,
 * 'raw' leaves 0..255 untouched. Writes NHWC float32 into `out` at `offset`.
 */
export function normalizeInto(image: RgbImage, p: Preprocessing, out: Float32Array, offset = 0): void {
  const n = image.width * image.height;
  const [m0, m1, m2] = p.meanRgb;
  const [s0, s1, s2] = p.stdRgb;
  const d = image.data;
  for (let i = 0; i < n; i += 1) {
    const r = d[i * 3]!;
    const g = d[i * 3 + 1]!;
    const b = d[i * 3 + 2]!;
    const o = offset + i * 3;
    switch (p.mode) {
      case 'tf':
        out[o] = (r - m0) / 127.5;
        out[o + 1] = (g - m1) / 127.5;
        out[o + 2] = (b - m2) / 127.5;
        break;
      case 'torch':
        out[o] = (r - m0) / s0;
        out[o + 1] = (g - m1) / s1;
        out[o + 2] = (b - m2) / s2;
        break;
      case 'caffe':
        out[o] = b - m2;
        out[o + 1] = g - m1;
        out[o + 2] = r - m0;
        break;
      case 'raw':
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
        break;
    }
  }
}

/** The photo decoded upright at full size (EXIF orientation applied, sRGB, 3 channels). */
export async function decodeRgb(bytes: Buffer, options: { maxPixels: number; path?: string }): Promise<RgbImage> {
  const image = await openOrientedImage(bytes, options);
  const { data, info } = await runImageOutput(options.path, () => image.raw().toBuffer({ resolveWithObject: true }));
  return checkedRgb(data, info.width, info.height, info.channels, options.path);
}

function checkedRgb(data: Buffer, width: number, height: number, channels: number, path: string | undefined): RgbImage {
  if (channels !== 3) {
    throw new StationError('IMAGE_CORRUPT', `${path ? `"${path}"` : 'The image'} decoded to ${channels} channels instead of RGB; convert it to an RGB JPEG.`);
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** The fast path: sharp stretches to width x height, with shrink-on-load for JPEG. */
export async function resizeWithSharp(bytes: Buffer, width: number, height: number, options: { maxPixels: number; path?: string }): Promise<RgbImage> {
  const image = await openOrientedImage(bytes, options);
  const { data, info } = await runImageOutput(options.path, () =>
    image.resize(width, height, { fit: 'fill', kernel: sharp.kernel.linear, fastShrinkOnLoad: true }).raw().toBuffer({ resolveWithObject: true }),
  );
  return checkedRgb(data, info.width, info.height, info.channels, options.path);
}

/** The views of one photo, resized to the network's input, before normalisation. */
export async function photoViews(bytes: Buffer, p: Preprocessing, options: PreprocessOptions): Promise<RgbImage[]> {
  if (options.tenCrop) return tenCropViews(await decodeRgb(bytes, options), p.width, p.height);
  if (options.resampler === 'fast') return [await resizeWithSharp(bytes, p.width, p.height, options)];
  return [resizeInterLinear(await decodeRgb(bytes, options), p.width, p.height)];
}

/**
 * A photo as network input: NHWC float32, `views` x height x width x 3 (1 view, or 10 with
 * tenCrop).
 */
export async function preprocessPhoto(bytes: Buffer, p: Preprocessing, options: PreprocessOptions): Promise<{ views: number; data: Float32Array }> {
  const views = await photoViews(bytes, p, options);
  const size = p.width * p.height * 3;
  const data = new Float32Array(views.length * size);
  views.forEach((view, i) => normalizeInto(view, p, data, i * size));
  return { views: views.length, data };
}
