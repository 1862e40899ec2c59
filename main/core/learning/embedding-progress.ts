import type { RateMeter } from '../work-queue.js';
import type { LabelledPhoto } from './training-photos.js';

/** What the embedding passes (plain photos and augmented views) count while the backbone runs. */
export interface ComputedProgress {
  done: number;
  computed: number;
  failed: number;
  /** Photos per second of those computed so far. */
  rate: number;
}

export interface FailedPhoto {
  path: string;
  photoId: number | null;
  message: string;
}

/**
 * Counts one photo the backbone has finished: computed, or failed with `message` (kept with its
 * path and id), then reports the progress with the rate so far.
 */
export function countFinishedPhoto<P extends ComputedProgress>(
  progress: P,
  photo: LabelledPhoto,
  message: string | null,
  tally: { meter: RateMeter; failed: FailedPhoto[]; onProgress?: (progress: P) => void },
): void {
  tally.meter.tick();
  if (message) {
    tally.failed.push({ path: photo.path, photoId: photo.photoId, message });
    progress.failed += 1;
  } else progress.computed += 1;
  progress.done += 1;
  progress.rate = tally.meter.rate;
  tally.onProgress?.({ ...progress });
}
