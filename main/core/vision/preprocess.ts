/**
 * Photo -> network input, as each pack family was trained:
 *  - DEEP-OC image-classification-tf (imgclas/data_utils.py: load_image, resize_im,
 *    preprocess_batch, standard_tencrop_batch) and Keras Applications nets: decode as
 *    cv2.imread(IMREAD_COLOR) does (EXIF orientation, no colour management, alpha dropped;
 *    see decode-photo.ts), stretch the whole frame to height x width with OpenCV
 *    INTER_LINEAR on uint8 pixels, then subtract the mean and apply `mode`;
 *  - Teachable Machine: its library's cropTo (scale so the shorter side fits, centre crop;
 *    see centreCropResize), then x / 127 - 1.
 *
 * The resize is reimplemented here bit for bit (OpenCV's fixed-point arithmetic) because
 * libvips' resamplers antialias and give different pixels.
 */
import { StationError } from '../errors.js';
import { type DecodedPhoto, decodePhoto } from './decode-photo.js';
import type { Preprocessing } from './model-pack.js';
import { type FramePixels, pixelAddressing, uprightCopy, uprightLayout } from './orientation.js';
import { nativePixels } from './native-pixels.js';
import { type SamplePlan, framePixels, memoizedPlan } from './sampled-decode.js';

/** Interleaved 8-bit RGB pixels, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Resampler input: RGB, or RGBA whose alpha is skipped (cv2.IMREAD_COLOR drops it), possibly
 * stored with an EXIF orientation still to apply (`width` and `height` are then the stored
 * sides), whole or only the rows and columns the resampler reads (`samples`, see
 * classifierSamples); the resamplers read it upright (see orientation.ts).
 */
export interface SourcePixels extends RgbImage, FramePixels {
  channels?: 3 | 4;
}

export interface PreprocessOptions {
  /** Refuse images with more pixels than this (decompression bombs). */
  maxPixels: number;
  /** For error messages. */
  path?: string;
  /**
   * 'exact' (default): full-size decode, then OpenCV INTER_LINEAR in TypeScript, as the
   * model was trained. 'fast': the decoder shrinks on load (JPEG DCT scaling, then libvips'
   * antialiasing linear reduce) to about the network's size, then the same INTER_LINEAR;
   * measured in bench/inference.bench.ts.
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
 *
 * Only the taps are read: 2 x 2 source pixels per output pixel (~0.3 MB of a 36 MB 12 MP
 * frame for 299 px), with no intermediate rows, from the whole frame or from the taps alone
 * (a sampled frame); a frame stored turned or mirrored (EXIF orientation) is read through its
 * upright addressing, in the order that follows its stored rows.
 */
function interpolate(src: SourcePixels, xs: AxisTable, ys: AxisTable): RgbImage {
  const width = xs.first.length;
  const height = ys.first.length;
  const { xOffset, yOffset, columnsAlongStoredRows } = pixelAddressing(src);
  const data = src.data;
  const firstX = new Int32Array(width);
  const secondX = new Int32Array(width);
  for (let dx = 0; dx < width; dx += 1) {
    firstX[dx] = xOffset[xs.first[dx]!]!;
    secondX[dx] = xOffset[xs.second[dx]!]!;
  }
  const firstY = new Int32Array(height);
  const secondY = new Int32Array(height);
  for (let dy = 0; dy < height; dy += 1) {
    firstY[dy] = yOffset[ys.first[dy]!]!;
    secondY[dy] = yOffset[ys.second[dy]!]!;
  }
  const xw0 = xs.w0;
  const xw1 = xs.w1;
  const yw0 = ys.w0;
  const yw1 = ys.w1;
  const out = new Uint8Array(width * height * 3);
  const native = nativePixels();
  if (native) {
    // The same arithmetic in C (native/jpeg-grid), ~10 times faster; the loops below stay the reference.
    native.interpolateLinear(data, firstX, secondX, xw0, xw1, firstY, secondY, yw0, yw1, out);
    return { width, height, data: out };
  }
  // Weights are at most 2048 and sum to ~2048, so every result is at most 255: no clamp.
  if (!columnsAlongStoredRows) {
    // Each of the two source rows is swept in storage order (a frame fresh from the decoder is
    // not in cache: one sequential sweep at a time is what the prefetcher follows).
    const firstRow = new Int32Array(width * 3);
    let o = 0;
    for (let dy = 0; dy < height; dy += 1) {
      const row0 = firstY[dy]!;
      const row1 = secondY[dy]!;
      const b0 = yw0[dy]!;
      const b1 = yw1[dy]!;
      for (let dx = 0, i = 0; dx < width; dx += 1, i += 3) {
        const w0 = xw0[dx]!;
        const w1 = xw1[dx]!;
        const a0 = row0 + firstX[dx]!;
        const a1 = row0 + secondX[dx]!;
        firstRow[i] = data[a0]! * w0 + data[a1]! * w1;
        firstRow[i + 1] = data[a0 + 1]! * w0 + data[a1 + 1]! * w1;
        firstRow[i + 2] = data[a0 + 2]! * w0 + data[a1 + 2]! * w1;
      }
      for (let dx = 0, i = 0; dx < width; dx += 1, i += 3) {
        const w0 = xw0[dx]!;
        const w1 = xw1[dx]!;
        const c0 = row1 + firstX[dx]!;
        const c1 = row1 + secondX[dx]!;
        for (let c = 0; c < 3; c += 1) {
          const h1 = data[c0 + c]! * w0 + data[c1 + c]! * w1;
          out[o++] = ((((firstRow[i + c]! >> 4) * b0) >> 16) + (((h1 >> 4) * b1) >> 16) + 2) >> 2;
        }
      }
    }
  } else {
    // Turned by a quarter: upright columns are stored rows, so walk them column by column.
    for (let dx = 0; dx < width; dx += 1) {
      const col0 = firstX[dx]!;
      const col1 = secondX[dx]!;
      const w0 = xw0[dx]!;
      const w1 = xw1[dx]!;
      for (let dy = 0; dy < height; dy += 1) {
        const b0 = yw0[dy]!;
        const b1 = yw1[dy]!;
        const a0 = firstY[dy]! + col0;
        const a1 = firstY[dy]! + col1;
        const c0 = secondY[dy]! + col0;
        const c1 = secondY[dy]! + col1;
        let o = (dy * width + dx) * 3;
        for (let c = 0; c < 3; c += 1) {
          const h0 = data[a0 + c]! * w0 + data[a1 + c]! * w1;
          const h1 = data[c0 + c]! * w0 + data[c1 + c]! * w1;
          out[o++] = ((((h0 >> 4) * b0) >> 16) + (((h1 >> 4) * b1) >> 16) + 2) >> 2;
        }
      }
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
export function resizeInterLinear(src: SourcePixels, width: number, height: number): RgbImage {
  checkSize(width, height);
  const { xs, ys } = stretchTables(uprightLayout(src), width, height);
  return interpolate(src, xs, ys);
}

function stretchTables(upright: { width: number; height: number }, width: number, height: number): { xs: AxisTable; ys: AxisTable } {
  return { xs: axisTable(upright.width, width, true), ys: axisTable(upright.height, height, false) };
}

/** `count` consecutive entries of a table from `start`. */
function sliceTable(table: AxisTable, start: number, count: number): AxisTable {
  return selectTable(table, Int32Array.from({ length: count }, (_, i) => start + i));
}

/**
 * Teachable Machine's crop (@teachablemachine/image, utils/canvas.ts cropTo): the photo is
 * scaled so its shorter side fits the target (sides rounded up: Math.ceil(side * size / min)),
 * drawn centred, and the target square keeps the middle (offset ~~((scaled - size) / 2)).
 * The browser's drawImage scales bilinearly; here that is INTER_LINEAR, computed only at the
 * rows and columns the crop keeps. Non-square targets generalise it (the cover scale).
 */
export function centreCropResize(src: SourcePixels, width: number, height: number): RgbImage {
  checkSize(width, height);
  const { xs, ys } = centreCropTables(uprightLayout(src), width, height);
  return interpolate(src, xs, ys);
}

function centreCropTables(upright: { width: number; height: number }, width: number, height: number): { xs: AxisTable; ys: AxisTable } {
  // The same expressions as cropTo, so that the rounding of the scaled sides matches.
  const scale = width === height ? width / Math.min(upright.width, upright.height) : Math.max(width / upright.width, height / upright.height);
  const scaledWidth = Math.max(width, Math.ceil(upright.width * scale));
  const scaledHeight = Math.max(height, Math.ceil(upright.height * scale));
  const left = Math.trunc((scaledWidth - width) / 2);
  const top = Math.trunc((scaledHeight - height) / 2);
  return {
    xs: sliceTable(axisTable(upright.width, scaledWidth, true), left, width),
    ys: sliceTable(axisTable(upright.height, scaledHeight, false), top, height),
  };
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
export function tenCropViews(src: SourcePixels, width: number, height: number): RgbImage[] {
  checkSize(width, height);
  const upright = uprightLayout(src);
  const side = Math.min(upright.width, upright.height);
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
  const squareX = axisTable(upright.width, side, true);
  const squareY = axisTable(upright.height, side, false);
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
  const { sourceChannel, tables } = normalisationTables(p);
  const [s0, s1, s2] = sourceChannel;
  const [t0, t1, t2] = tables;
  const d = image.data;
  for (let i = 0, o = offset; i < n * 3; i += 3, o += 3) {
    out[o] = t0[d[i + s0]!]!;
    out[o + 1] = t1[d[i + s1]!]!;
    out[o + 2] = t2[d[i + s2]!]!;
  }
}

/** Output channel k is `tables[k][sample of sourceChannel[k]]`: the normalisation of every 8-bit value, computed once. */
interface NormalisationTables {
  sourceChannel: [number, number, number];
  tables: [Float32Array, Float32Array, Float32Array];
}

function normalisationTables(p: Preprocessing): NormalisationTables {
  const [m0, m1, m2] = p.meanRgb;
  const [s0, s1, s2] = p.stdRgb;
  // The same expressions as preprocess_batch, evaluated for each value 0..255.
  const table = (f: (x: number) => number): Float32Array => Float32Array.from({ length: 256 }, (_, x) => f(x));
  switch (p.mode) {
    case 'tf':
      return { sourceChannel: [0, 1, 2], tables: [table((r) => (r - m0) / 127.5), table((g) => (g - m1) / 127.5), table((b) => (b - m2) / 127.5)] };
    case 'torch':
      return { sourceChannel: [0, 1, 2], tables: [table((r) => (r - m0) / s0), table((g) => (g - m1) / s1), table((b) => (b - m2) / s2)] };
    case 'caffe':
      return { sourceChannel: [2, 1, 0], tables: [table((b) => b - m2), table((g) => g - m1), table((r) => r - m0)] };
    case 'raw':
      return { sourceChannel: [0, 1, 2], tables: [table((r) => r), table((g) => g), table((b) => b)] };
  }
}

/**
 * The photo decoded upright at full size as the classifier sees it (EXIF orientation applied,
 * no colour management, alpha dropped: cv2.imread(IMREAD_COLOR), in RGB order).
 */
export async function decodeRgb(bytes: Buffer, options: { maxPixels: number; path?: string }): Promise<RgbImage> {
  const { pixels, orientation } = await decodePhoto(bytes, options);
  const upright = uprightCopy({ ...pixels, orientation });
  return { width: upright.width, height: upright.height, data: pixels.channels === 3 ? upright.data : dropAlpha(upright.data) };
}

function dropAlpha(rgba: Uint8Array): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
    rgb[o] = rgba[i]!;
    rgb[o + 1] = rgba[i + 1]!;
    rgb[o + 2] = rgba[i + 2]!;
  }
  return rgb;
}

/**
 * The decode a resampler needs: the full frame for 'exact'; for 'fast', shrink-on-load to
 * at least the network's input size.
 */
export function decodeSizeFor(p: Preprocessing, resampler: 'exact' | 'fast' = 'exact'): { width: number; height: number } | undefined {
  return resampler === 'fast' ? { width: p.width, height: p.height } : undefined;
}

/**
 * The upright rows and columns of a photo of this size that the single view of `p` reads (its
 * taps); null for ten views, which need the whole frame. A frame sampled at these (and maybe
 * more) gives the same network input as the whole frame.
 */
export function classifierSamples(upright: { width: number; height: number }, p: Preprocessing, options: { tenCrop?: boolean } = {}): { rows: Int32Array; cols: Int32Array } | null {
  if (options.tenCrop) return null;
  const { xs, ys } = p.resize === 'centre-crop' ? centreCropTables(upright, p.width, p.height) : stretchTables(upright, p.width, p.height);
  const taps = (table: AxisTable) => Int32Array.from(new Set([...table.first, ...table.second])).sort();
  return { rows: taps(ys), cols: taps(xs) };
}

const networkPlans = new WeakMap<Preprocessing, SamplePlan>();

/**
 * classifierSamples as a decode's plan, one per preprocessing, computed once per photo size
 * (an import and a re-classification share it); ten views read the whole frame.
 */
export function networkPlan(p: Preprocessing, options: { tenCrop?: boolean } = {}): SamplePlan {
  if (options.tenCrop) return () => null;
  let plan = networkPlans.get(p);
  if (!plan) networkPlans.set(p, (plan = memoizedPlan((upright) => classifierSamples(upright, p))));
  return plan;
}

/** The views of one decoded photo, resized to the network's input, before normalisation. */
export function viewsOfDecoded(photo: DecodedPhoto, p: Preprocessing, options: { tenCrop?: boolean } = {}): RgbImage[] {
  const src: SourcePixels = framePixels(photo, 'network');
  if (src.samples && options.tenCrop) throw new Error('ten views need the whole frame; this one was sampled for a single view');
  if (options.tenCrop) return tenCropViews(src, p.width, p.height);
  if (p.resize === 'centre-crop') return [centreCropResize(src, p.width, p.height)];
  return [resizeInterLinear(src, p.width, p.height)];
}

/** The views of one photo's bytes (decoded here), before normalisation. */
export async function photoViews(bytes: Buffer, p: Preprocessing, options: PreprocessOptions): Promise<RgbImage[]> {
  const atLeast = decodeSizeFor(p, options.resampler);
  const photo = await decodePhoto(bytes, { maxPixels: options.maxPixels, path: options.path, ...(atLeast ? { atLeast } : { samples: { network: networkPlan(p, options) } }) });
  return viewsOfDecoded(photo, p, options);
}

/** Normalised NHWC float32 of views. */
function tensorOf(views: RgbImage[], p: Preprocessing): { views: number; data: Float32Array } {
  const size = p.width * p.height * 3;
  const data = new Float32Array(views.length * size);
  views.forEach((view, i) => normalizeInto(view, p, data, i * size));
  return { views: views.length, data };
}

/** A decoded photo as network input: NHWC float32, `views` x height x width x 3. */
export function preprocessDecoded(photo: DecodedPhoto, p: Preprocessing, options: { tenCrop?: boolean } = {}): { views: number; data: Float32Array } {
  return tensorOf(viewsOfDecoded(photo, p, options), p);
}

/**
 * A photo as network input: NHWC float32, `views` x height x width x 3 (1 view, or 10 with
 * tenCrop).
 */
export async function preprocessPhoto(bytes: Buffer, p: Preprocessing, options: PreprocessOptions): Promise<{ views: number; data: Float32Array }> {
  return tensorOf(await photoViews(bytes, p, options), p);
}
