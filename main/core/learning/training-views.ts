/**
 * Train-time augmentation without training the backbone: a fixed set of views of each
 * training photo (its mirror, centre zooms and their mirrors), derived from the
 * very network input the classifier builds for the photo, so they follow the pack's own
 * preprocessing (stretch or centre crop, size). Their embeddings are computed once, cached,
 * and train the head beside the plain view's. Validation and test photos are only ever judged
 * on their plain view, as the station classifies photos in the field.
 */
import { cropRgb, mirrorRgb, resizeInterLinear, type RgbImage } from '../vision/preprocess.js';
import { DEFAULT_HEAD_TRAINING } from './train-head.js';

export interface TrainingViewSpec {
  /** Side of the square crop as a share of the input's shorter side (1: the whole input). */
  crop: number;
  /** Where the crop sits. */
  anchor: 'centre' | 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
  mirror: boolean;
}

const CROPS: Omit<TrainingViewSpec, 'mirror'>[] = [
  { crop: 0.9, anchor: 'centre' },
  { crop: 0.8, anchor: 'centre' },
  { crop: 0.7, anchor: 'centre' },
];

/**
 * The extra views, plain view excluded: its mirror, then each centre zoom and its mirror
 * (7 views). On the flower benchmark, adding four corner crops (80%) and their mirrors
 * gained nothing over these, at twice the backbone time.
 */
export const AUGMENTED_VIEWS: readonly TrainingViewSpec[] = [
  { crop: 1, anchor: 'centre', mirror: true },
  ...CROPS.flatMap((c) => [{ ...c, mirror: false }, { ...c, mirror: true }]),
];

/** Names the view set in cache file names: other views, other file. */
export function viewSetKey(specs: readonly TrainingViewSpec[]): string {
  return specs.map((s) => `${s.anchor}${s.crop}${s.mirror ? 'm' : ''}`).join(',');
}

/** One view of the network input `input` (already at the network's size), at the same size. */
export function trainingView(input: RgbImage, spec: TrainingViewSpec): RgbImage {
  let view = input;
  if (spec.crop < 1) {
    const side = Math.max(1, Math.round(Math.min(input.width, input.height) * spec.crop));
    const right = input.width - side;
    const bottom = input.height - side;
    const [left, top] = {
      centre: [Math.round(right / 2), Math.round(bottom / 2)],
      'top-left': [0, 0],
      'top-right': [right, 0],
      'bottom-left': [0, bottom],
      'bottom-right': [right, bottom],
    }[spec.anchor];
    view = resizeInterLinear(cropRgb(input, left!, top!, side, side), input.width, input.height);
  }
  return spec.mirror ? mirrorRgb(view) : view;
}

/**
 * Training rows of the photos at `indices`: each photo's plain embedding, then its views'
 * (photos without views train on their plain view only). Views never cross photos, so a
 * photo's views are on the same side of every split as the photo.
 */
export function rowsWithViews(
  indices: readonly number[],
  x: readonly Float32Array[],
  y: readonly number[],
  views: readonly (readonly Float32Array[] | null)[] | undefined,
): { x: Float32Array[]; y: number[] } {
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (const i of indices) {
    for (const row of [x[i]!, ...(views?.[i] ?? [])]) {
      rows.push(row);
      labels.push(y[i]!);
    }
  }
  return { x: rows, y: labels };
}

/**
 * Head batch size when each photo brings `viewsPerPhoto` extra rows: batches hold as many
 * photos as without views, so an epoch takes as many steps. With the default 64 rows (512 with
 * 7 views), the flower benchmark's head stopped too early and gained nothing from the views.
 */
export function headBatchSize(viewsPerPhoto: number): number {
  return DEFAULT_HEAD_TRAINING.batchSize * (1 + viewsPerPhoto);
}
