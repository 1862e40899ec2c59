/**
 * Activation ranges measured on calibration photos, in one pass: the exact min/max and a
 * histogram of |x| (positive and negative sides apart) whose range doubles when a larger
 * value comes, merging bins pairwise, so percentiles can be read without keeping values.
 */

const BINS = 2048;
/**
 * Values per tensor and photo that go into the histogram (min/max always see them all):
 * a strided sample, since Xception's planned tensors hold 43 million values per photo.
 */
export const HISTOGRAM_SAMPLES_PER_PHOTO = 1 << 16;

export type CalibrationMethod = { kind: 'minmax' } | { kind: 'percentile'; percentile: number };

export function methodName(method: CalibrationMethod): string {
  return method.kind === 'minmax' ? 'minmax' : `percentile-${method.percentile}`;
}

export class RangeCollector {
  min = Infinity;
  max = -Infinity;
  /** Values in the histogram. */
  count = 0;
  /** Histogram upper limit (a power of two); bin i covers [i, i+1) * limit / BINS. */
  private limit = 0;
  private readonly positive = new Float64Array(BINS);
  private readonly negative = new Float64Array(BINS);

  /** All values of one photo's tensor. */
  add(data: Float32Array): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i += 1) {
      const v = data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const stride = Math.max(1, Math.ceil(data.length / HISTOGRAM_SAMPLES_PER_PHOTO));
    this.addSummary(lo, hi, stride === 1 ? data : data.filter((_, i) => i % stride === 0));
  }

  /** One photo's tensor as its exact min and max and a sample of its values. */
  addSummary(lo: number, hi: number, data: Float32Array): void {
    if (!(lo <= hi) || data.length === 0) return; // empty or NaN-only
    this.min = Math.min(this.min, lo);
    this.max = Math.max(this.max, hi);
    this.grow(Math.max(Math.abs(lo), Math.abs(hi)));
    this.count += data.length;
    if (this.limit === 0) {
      this.positive[0]! += data.length; // all zeros
      return;
    }
    const perUnit = BINS / this.limit;
    const last = BINS - 1;
    for (let i = 0; i < data.length; i += 1) {
      const v = data[i]!;
      if (v >= 0) this.positive[Math.min(last, (v * perUnit) | 0)]! += 1;
      else this.negative[Math.min(last, (-v * perUnit) | 0)]! += 1;
    }
  }

  private grow(needed: number): void {
    if (needed <= this.limit || needed === 0) return;
    let limit = this.limit === 0 ? 2 ** Math.ceil(Math.log2(needed)) : this.limit;
    let factor = 1;
    while (limit < needed) {
      limit *= 2;
      factor *= 2;
    }
    if (this.limit !== 0 && factor > 1) {
      for (const hist of [this.positive, this.negative]) {
        for (let i = 0; i < BINS; i += 1) {
          const c = hist[i]!;
          hist[i] = 0;
          hist[Math.floor(i / factor)]! += c;
        }
      }
    }
    this.limit = limit;
  }

  /** [low, high] by the method; the percentile cuts (100 - p)% of the values off each end at most. */
  range(method: CalibrationMethod): [number, number] {
    if (this.count === 0) return [0, 0];
    if (method.kind === 'minmax' || this.limit === 0) return [this.min, this.max];
    const tail = ((100 - method.percentile) / 100) * this.count;
    const width = this.limit / BINS;
    const cut = (hist: Float64Array): number => {
      let seen = 0;
      for (let i = BINS - 1; i >= 0; i -= 1) {
        seen += hist[i]!;
        if (seen > tail) return (i + 1) * width;
      }
      return 0;
    };
    const high = Math.min(this.max, cut(this.positive));
    const low = this.min < 0 ? Math.max(this.min, -cut(this.negative)) : this.min;
    return [low, Math.max(high, low)];
  }
}

/** uint8 asymmetric parameters for a range (0 always exactly representable). */
export function uint8Parameters([low, high]: [number, number]): { scale: number; zeroPoint: number } {
  const lo = Math.min(low, 0);
  const hi = Math.max(high, 0);
  if (hi - lo <= 0 || !Number.isFinite(hi - lo)) return { scale: 1, zeroPoint: 0 };
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}
