import type { DecodedPhoto } from './decode-photo.js';
import { decodeJpegSamples } from './jpeg-samples.js';
import { type FramePixels, type StoredSamples, orientationAxes, storedSamplesFor } from './orientation.js';

/**
 * Decoding a JPEG to the samples its readers read, not to a whole frame: the exact resampler
 * reads 2 x 2 taps per network pixel, the thumbnail two samples per cell of its pre-reduce
 * (see thumbnail-prereduce.ts). Each reader plans its samples on the photo's upright size and
 * gets its own grid, from one decode (jpeg-samples.ts).
 */

/** Who reads a sampled decode: the classifier's resampler, or the thumbnail. */
export type SamplePurpose = 'network' | 'thumbnail';

/** Upright rows and columns (sorted, distinct) that a reader will read. */
export interface UprightSamples {
  rows: Int32Array;
  cols: Int32Array;
  /**
   * The reader wants, on each row, the rounded means of the column pairs (cols[2k], cols[2k + 1])
   * (increasing, not distinct-sorted as a set): its grid is then that upright image of
   * rows.length x cols.length / 2 pixels (`meansOfPairs`).
   */
  pairedCols?: boolean;
}

/** Given the photo's upright size, what a reader reads; null when it needs the whole frame. */
export type SamplePlan = (upright: { width: number; height: number }) => UprightSamples | null;

export type SamplePlans = Partial<Record<SamplePurpose, SamplePlan>>;

/**
 * One reader's grid: its samples, rows.length x cols.length x 3 bytes (RGB), as stored; or,
 * for a plan of pairedCols, the upright image of the pairs' means (`meansOfPairs` its size).
 */
export interface SampledGrid {
  samples: StoredSamples;
  data: Uint8Array;
  meansOfPairs?: { width: number; height: number };
}

/** A grid as the decoder takes it: where to sample, and where each element goes in the output (see native/jpeg-grid). */
interface StoredGrid extends StoredSamples {
  pairs: 0 | 1 | 2;
  origin: number;
  rowStride: number;
  colStride: number;
  /** Size of the output image, in pixels. */
  width: number;
  height: number;
}

export type SampledGrids = Partial<Record<SamplePurpose, SampledGrid>>;

/**
 * The same plan, computed once per photo size (a card's photos share a few sizes): the
 * returned samples are shared, never to be modified.
 */
export function memoizedPlan(plan: SamplePlan): SamplePlan {
  const bySize = new Map<string, UprightSamples | null>();
  return (upright) => {
    const key = `${upright.width}x${upright.height}`;
    if (!bySize.has(key)) {
      if (bySize.size >= 32) bySize.clear();
      bySize.set(key, plan(upright));
    }
    return bySize.get(key)!;
  };
}

const storedCache = new WeakMap<UprightSamples, Map<string, StoredGrid>>();

/** The decoder's grid for a reader's plan, kept per (memoized) plan result, photo size and orientation. */
function storedGrid(wanted: UprightSamples, size: { width: number; height: number }, orientation: number): StoredGrid {
  let known = storedCache.get(wanted);
  if (!known) storedCache.set(wanted, (known = new Map()));
  const key = `${size.width}x${size.height}/${orientation}`;
  let grid = known.get(key);
  if (!grid) {
    if (wanted.pairedCols) grid = pairMeansGrid(wanted, size, orientation);
    else {
      const samples = storedSamplesFor(wanted, size, orientation);
      grid = { ...samples, pairs: 0, origin: 0, rowStride: samples.cols.length, colStride: 1, width: samples.cols.length, height: samples.rows.length };
    }
    known.set(key, grid);
  }
  return grid;
}

/**
 * The decoder's grid for a plan of pairedCols: each pair's two columns lie on one stored row
 * (orientations 1-4: pairs along stored columns) or in one stored column (5-8: pairs of stored
 * rows); strides put each mean at its upright place in the output.
 */
function pairMeansGrid(wanted: UprightSamples, size: { width: number; height: number }, orientation: number): StoredGrid {
  const { transposed, reverseRows, reverseCols } = orientationAxes(orientation);
  const width = wanted.cols.length / 2;
  const height = wanted.rows.length;
  // Upright positions along a stored axis, increasing (a reversed axis counts from its end).
  const stored = (values: Int32Array, reverse: boolean, side: number) => (reverse ? values.map((v) => side - 1 - v).reverse() : values);
  if (!transposed) {
    return {
      rows: stored(wanted.rows, reverseRows, size.height),
      cols: stored(wanted.cols, reverseCols, size.width),
      pairs: 1,
      origin: (reverseRows ? (height - 1) * width : 0) + (reverseCols ? width - 1 : 0),
      rowStride: reverseRows ? -width : width,
      colStride: reverseCols ? -1 : 1,
      width,
      height,
    };
  }
  return {
    rows: stored(wanted.cols, reverseRows, size.height),
    cols: stored(wanted.rows, reverseCols, size.width),
    pairs: 2,
    origin: (reverseRows ? width - 1 : 0) + (reverseCols ? (height - 1) * width : 0),
    rowStride: reverseRows ? -1 : 1,
    colStride: reverseCols ? -width : width,
    width,
    height,
  };
}

/**
 * Each reader's grid of a JPEG, from one decode; null when a reader needs the whole frame,
 * the native decoder is not installed, or it refuses the file: decode it whole instead.
 */
export async function decodeSampledJpeg(
  bytes: Buffer,
  size: { width: number; height: number; uprightWidth: number; uprightHeight: number },
  orientation: number,
  plans: SamplePlans,
  maxPixels: number,
): Promise<SampledGrids | null> {
  const upright = { width: size.uprightWidth, height: size.uprightHeight };
  const purposes = Object.keys(plans) as SamplePurpose[];
  const grids: StoredGrid[] = [];
  const paired: boolean[] = [];
  for (const purpose of purposes) {
    const wanted = plans[purpose]!(upright);
    if (!wanted) return null;
    grids.push(storedGrid(wanted, size, orientation));
    paired.push(wanted.pairedCols === true);
  }
  if (grids.length === 0) return null;
  const data = await decodeJpegSamples(bytes, grids.map((grid) => ({ ...grid, outputPixels: grid.width * grid.height })), size, maxPixels);
  if (!data) return null;
  return Object.fromEntries(purposes.map((purpose, i) => {
    const { rows, cols, width, height } = grids[i]!;
    return [purpose, { samples: { rows, cols }, data: data[i]!, ...(paired[i] ? { meansOfPairs: { width, height } } : {}) }];
  }));
}

/** What a reader of a decode reads: the whole frame, or the grid sampled for it. */
export function framePixels(photo: DecodedPhoto, purpose: SamplePurpose): FramePixels & { channels: 3 | 4 } {
  if (!photo.sampled) return { ...photo.pixels, orientation: photo.orientation };
  const grid = sampledGrid(photo, purpose);
  if (grid.meansOfPairs) throw new Error(`the ${purpose}'s samples are means of pairs: read them with meansOfPairs`);
  return { width: photo.pixels.width, height: photo.pixels.height, channels: 3, data: grid.data, samples: grid.samples, orientation: photo.orientation };
}

/** The upright image of pair means a reader planned (pairedCols), e.g. the thumbnail's pre-reduced photo. */
export function meansOfPairs(photo: DecodedPhoto, purpose: SamplePurpose): { width: number; height: number; channels: 3; data: Uint8Array } {
  const grid = sampledGrid(photo, purpose);
  if (!grid.meansOfPairs) throw new Error(`the ${purpose}'s samples are not means of pairs`);
  return { ...grid.meansOfPairs, channels: 3, data: grid.data };
}

function sampledGrid(photo: DecodedPhoto, purpose: SamplePurpose): SampledGrid {
  const grid = photo.sampled?.[purpose];
  if (!grid) throw new Error(`this photo was decoded to samples without the ${purpose}'s`);
  return grid;
}
