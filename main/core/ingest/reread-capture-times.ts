import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Library } from '../library/index.js';
import { readPhotoExif } from './exif.js';

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
      const bytes = await readSamePhoto(photo.paths, photo.sha256);
      if (!bytes) {
        progress.filesMissing++;
        continue;
      }
      const exif = await readPhotoExif(bytes);
      const found = exif.capturedAt !== null && exif.capturedAtSource !== null ? { capturedAt: exif.capturedAt, source: exif.capturedAtSource } : null;
      library.captureTimes.finishReread(photo.photoId, found);
      if (found) progress.found++;
    }
    options.onProgress?.({ ...progress, remaining: library.captureTimes.pendingRereadCount() });
  }
  progress.remaining = library.captureTimes.pendingRereadCount();
  return progress;
}

/** The bytes at the first path that still holds this photo (same SHA-256); null when none does. */
async function readSamePhoto(paths: readonly string[], sha256: string): Promise<Buffer | null> {
  for (const filePath of paths) {
    try {
      const bytes = await fs.readFile(filePath);
      if (createHash('sha256').update(bytes).digest('hex') === sha256) return bytes;
    } catch {
      // Not there (card out, file moved): try the photo's next path.
    }
  }
  return null;
}
