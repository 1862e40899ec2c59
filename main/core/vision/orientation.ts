/**
 * Reading a decoded frame as if its EXIF orientation had been applied, without applying it:
 * letting libvips rotate a 12 MP portrait photo makes a second full-size copy and nearly
 * doubles the decode's cost (~150 instead of ~80 core-ms), while the resamplers read only a
 * few samples of the frame. Byte offset of upright pixel (x, y): origin + x * xStep + y * yStep.
 */

/** Interleaved 8-bit pixels as stored, and the EXIF orientation (1-8) still to apply to them. */
export interface StoredPixels {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA); 3 when absent. */
  channels?: number;
  data: Uint8Array;
  /** EXIF orientation 1-8 of `data`; absent or 1: already upright. */
  orientation?: number;
}

export interface UprightLayout {
  /** Size once the orientation is applied (sides swapped for 5-8). */
  width: number;
  height: number;
  origin: number;
  xStep: number;
  yStep: number;
}

/** Where each upright pixel lies in the stored frame (EXIF orientations as libvips' autorot applies them, see orientationAxes). */
export function uprightLayout(src: StoredPixels): UprightLayout {
  const c = src.channels ?? 3;
  const row = src.width * c;
  const { width: w, height: h } = src;
  const { transposed, reverseRows, reverseCols } = orientationAxes(src.orientation ?? 1);
  const colStep = reverseCols ? -c : c;
  const rowStep = reverseRows ? -row : row;
  const origin = (reverseCols ? (w - 1) * c : 0) + (reverseRows ? (h - 1) * row : 0);
  return transposed
    ? { width: h, height: w, origin, xStep: rowStep, yStep: colStep }
    : { width: w, height: h, origin, xStep: colStep, yStep: rowStep };
}

/** An upright copy of the frame, keeping its channels (for callers that need plain pixels). */
export function uprightCopy(src: StoredPixels): { width: number; height: number; data: Uint8Array } {
  const layout = uprightLayout(src);
  const c = src.channels ?? 3;
  if (layout.xStep === c && layout.yStep === src.width * c) return { width: src.width, height: src.height, data: src.data };
  const data = new Uint8Array(layout.width * layout.height * c);
  let o = 0;
  for (let y = 0; y < layout.height; y += 1) {
    let at = layout.origin + y * layout.yStep;
    for (let x = 0; x < layout.width; x += 1, at += layout.xStep) {
      for (let k = 0; k < c; k += 1) data[o++] = src.data[at + k]!;
    }
  }
  return { width: layout.width, height: layout.height, data };
}

/**
 * Which stored rows and columns a sampled frame holds (sorted, distinct): its `data` is the
 * rows.length x cols.length grid of the pixels where they cross, e.g. the taps a resampler
 * reads, decoded without the rest of the frame (see jpeg-samples.ts).
 */
export interface StoredSamples {
  rows: Int32Array;
  cols: Int32Array;
}

/**
 * A frame as stored, whole or sampled (`samples`: `data` holds only those rows and columns;
 * `width` and `height` stay the whole photo's stored sides).
 */
export interface FramePixels extends StoredPixels {
  samples?: StoredSamples;
}

/**
 * Where each upright pixel lies in `data`: byte offset of upright (x, y) = xOffset[x] + yOffset[y].
 * For a sampled frame, the rows and columns it lacks point far outside `data` (they read as
 * undefined): only the positions its sampling plan named may be read.
 */
export interface PixelAddressing {
  /** Upright size: the whole photo's, also for a sampled frame. */
  width: number;
  height: number;
  xOffset: Int32Array;
  yOffset: Int32Array;
  /** Upright columns run along stored rows (orientations 5-8): readers sweep them column by column. */
  columnsAlongStoredRows: boolean;
}

const NOT_SAMPLED = -(2 ** 30);

/**
 * How an EXIF orientation maps upright axes to stored ones: `transposed` (5-8) when upright
 * columns are stored rows; `reverseRows` / `reverseCols` when stored rows / columns run
 * against the upright axis they map to (as libvips' autorot applies the orientations: 2
 * mirrored left-right, 3 turned 180°, 4 mirrored top-bottom, 5 transposed, 6 to be turned 90°
 * clockwise, 7 transversed, 8 to be turned 90° anticlockwise; anything else is upright).
 */
export function orientationAxes(orientation: number): { transposed: boolean; reverseRows: boolean; reverseCols: boolean } {
  return {
    transposed: orientation >= 5 && orientation <= 8,
    reverseRows: orientation === 3 || orientation === 4 || orientation === 6 || orientation === 7,
    reverseCols: orientation === 2 || orientation === 3 || orientation === 7 || orientation === 8,
  };
}

const addressingOfSamples = new WeakMap<StoredSamples, Map<string, PixelAddressing>>();

/**
 * Where each upright pixel of a frame, whole or sampled, lies in its `data`. Kept per samples
 * (the photos of a card share their plans): the result is shared, never to be modified.
 */
export function pixelAddressing(src: FramePixels): PixelAddressing {
  if (!src.samples) return computeAddressing(src);
  let known = addressingOfSamples.get(src.samples);
  if (!known) addressingOfSamples.set(src.samples, (known = new Map()));
  const key = `${src.width}x${src.height}x${src.channels ?? 3}/${src.orientation ?? 1}`;
  let addressing = known.get(key);
  if (!addressing) known.set(key, (addressing = computeAddressing(src)));
  return addressing;
}

function computeAddressing(src: FramePixels): PixelAddressing {
  const c = src.channels ?? 3;
  const { transposed, reverseRows, reverseCols } = orientationAxes(src.orientation ?? 1);
  // `width` and `height` are the whole photo's stored sides; per stored axis, where each index lies in `data`.
  const { width: fullWidth, height: fullHeight } = src;
  const rowBytes = (src.samples ? src.samples.cols.length : fullWidth) * c;
  const colAt = axisIndex(fullWidth, src.samples?.cols, c);
  const rowAt = axisIndex(fullHeight, src.samples?.rows, rowBytes);
  const colOffset = (i: number) => colAt[reverseCols ? fullWidth - 1 - i : i]!;
  const rowOffset = (i: number) => rowAt[reverseRows ? fullHeight - 1 - i : i]!;
  const width = transposed ? fullHeight : fullWidth;
  const height = transposed ? fullWidth : fullHeight;
  return {
    width,
    height,
    xOffset: Int32Array.from({ length: width }, (_, x) => (transposed ? rowOffset(x) : colOffset(x))),
    yOffset: Int32Array.from({ length: height }, (_, y) => (transposed ? colOffset(y) : rowOffset(y))),
    columnsAlongStoredRows: transposed,
  };
}

/** Byte offset of each index along one stored axis: `index * step`, or only the sampled ones. */
function axisIndex(size: number, sampled: Int32Array | undefined, step: number): Int32Array {
  if (!sampled) return Int32Array.from({ length: size }, (_, i) => i * step);
  const offsets = new Int32Array(size).fill(NOT_SAMPLED);
  sampled.forEach((index, position) => (offsets[index] = position * step));
  return offsets;
}

/**
 * The stored rows and columns that hold the given upright rows and columns, under an EXIF
 * orientation (for 5-8, upright rows are stored columns). Sorted and distinct.
 */
export function storedSamplesFor(upright: { rows: Iterable<number>; cols: Iterable<number> }, stored: { width: number; height: number }, orientation: number): StoredSamples {
  const { transposed, reverseRows, reverseCols } = orientationAxes(orientation);
  const storedCols = transposed ? upright.rows : upright.cols;
  const storedRows = transposed ? upright.cols : upright.rows;
  return {
    rows: sortedDistinct(storedRows, reverseRows ? stored.height : 0),
    cols: sortedDistinct(storedCols, reverseCols ? stored.width : 0),
  };
}

/** Sorted distinct values; with `reverseSize`, each value i becomes reverseSize - 1 - i. */
function sortedDistinct(values: Iterable<number>, reverseSize: number): Int32Array {
  const set = new Set<number>();
  for (const value of values) set.add(reverseSize ? reverseSize - 1 - value : value);
  return Int32Array.from(set).sort();
}
