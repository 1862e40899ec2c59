import type { Library } from '../library/index.js';
import { readPhotoExif } from './exif.js';
import { readStoredPhoto } from './read-stored-photo.js';

export interface RereadProgress {
  /** Photos looked at in this run. */
  checked: number;
  /** Of those, photos that got a capture time (from XMP or IPTC). */
  found: number;
  /** Photos whose files are at none of their paths (or changed there): kept for a later run. */
  filesMissing: number;
  /** Photos still waiting after this run (those with missing files included). */
  remaining: number;
}

const BATCH = 100;

/**
 * The upgrade step for libraries imported before XMP and IPTC dates were read: reads each
 * waiting photo's file again (the first of its paths that still holds the same bytes) and
 * stores the capture time found. Each photo is finished in its own transaction, so a killed
 * run resumes where it stopped; photos whose files are gone stay waiting for a run with the
 * card back, and nothing already stored is changed.
 */
export async function rereadCaptureTimes(library: Library, options: { signal?: AbortSignal; onProgress?: (progress: RereadProgress) => void } = {}): Promise<RereadProgress> {
  const progress: RereadProgress = { checked: 0, found: 0, filesMissing: 0, remaining: 0 };
  let afterPhotoId = 0;
  for (;;) {
    const batch = library.captureTimes.pendingRereads(afterPhotoId, BATCH);
    if (batch.length === 0 || options.signal?.aborted) break;
    for (const photo of batch) {
      afterPhotoId = photo.photoId;
      if (options.signal?.aborted) break;
      progress.checked++;
      const read = await readStoredPhoto(photo.paths, photo.sha256);
      if ('reason' in read) {
        progress.filesMissing++;
        continue;
      }
      const exif = await readPhotoExif(read.bytes);
      const found = exif.capturedAt !== null && exif.capturedAtSource !== null ? { capturedAt: exif.capturedAt, source: exif.capturedAtSource } : null;
      library.captureTimes.finishReread(photo.photoId, found);
      if (found) progress.found++;
    }
    options.onProgress?.({ ...progress, remaining: library.captureTimes.pendingRereadCount() });
  }
  progress.remaining = library.captureTimes.pendingRereadCount();
  return progress;
}
