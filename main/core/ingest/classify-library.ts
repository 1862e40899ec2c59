import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { StationError, errorMessage } from '../errors.js';
import type { Library } from '../library/index.js';
import type { Settings } from '../settings.js';
import type { PhotoClassifier } from '../vision/classifier.js';
import type { WorkProgress } from './import-events.js';
import { RateMeter, runWorkQueue } from '../work-queue.js';

export interface ClassifyLibraryOptions {
  settings: Settings;
  signal?: AbortSignal;
  onProgress?: (progress: WorkProgress) => void;
}

export interface ClassifyLibraryResult {
  modelId: number;
  classified: number;
  failed: { photoId: number; message: string }[];
}

/** The photo's bytes from the first of its known paths that still holds the same content. */
async function readPhotoBytes(library: Library, photoId: number, sha256: string): Promise<{ bytes: Buffer; path: string }> {
  const paths = library.photos.paths(photoId);
  for (const candidate of paths) {
    const bytes = await fs.readFile(candidate).catch(() => null);
    if (bytes && createHash('sha256').update(bytes).digest('hex') === sha256) return { bytes, path: candidate };
  }
  throw new StationError(
    'FILE_UNREADABLE',
    `Photo #${photoId} is no longer at any place it was imported from (${paths.join(', ') || 'no path'}); insert its card or folder and run again.`,
  );
}

/**
 * Classifies every library photo that has no prediction from this model yet. Predictions of
 * other models are kept, so switching back and forth loses nothing.
 */
export async function classifyLibrary(library: Library, classifier: PhotoClassifier, options: ClassifyLibraryOptions): Promise<ClassifyLibraryResult> {
  const model = library.models.add(classifier.identity);
  const todo = library.predictions.photosWithout(model.id);
  const meter = new RateMeter();
  const failed: ClassifyLibraryResult['failed'] = [];
  let classified = 0;
  await runWorkQueue(todo, {
    concurrency: options.settings.importConcurrency,
    signal: options.signal,
    work: async (photo) => {
      try {
        const { bytes, path } = await readPhotoBytes(library, photo.id, photo.sha256);
        const result = await classifier.classify({ bytes, path });
        library.predictions.save({
          photoId: photo.id,
          modelId: model.id,
          labels: classifier.identity.labels,
          probabilities: result.probabilities,
          embedding: result.embedding,
          topK: options.settings.topK,
        });
        return { path, error: null };
      } catch (error) {
        return { path: null, error: errorMessage(error) };
      }
    },
    after: (photo, outcome, remaining) => {
      if (outcome.error) failed.push({ photoId: photo.id, message: outcome.error });
      else classified++;
      meter.tick();
      options.onProgress?.({
        filesTotal: todo.length,
        filesDone: classified + failed.length,
        filesFailed: failed.length,
        rate: meter.rate,
        etaSeconds: meter.etaSeconds(remaining),
        lastPath: outcome.path,
        lastError: outcome.error,
      });
    },
  });
  return { modelId: model.id, classified, failed };
}
