/**
 * Open-set calibration of a model that has none (a downloaded pack such as DEEP-OC): from the
 * library's photos a ranger confirmed or corrected, and/or a labelled folder (one sub-folder
 * per species, named as the model's classes). Half of each species' photos set the class
 * centroids, the other half the thresholds (as training does with its validation split);
 * then every stored prediction of the model is judged again.
 */
import { StationError, errorMessage } from '../errors.js';
import { RateMeter, runWorkQueue } from '../work-queue.js';
import type { CalibrationSummary, Library, ModelRow } from '../library/index.js';
import type { Settings } from '../settings.js';
import { openLibraryModel } from '../vision/open-classifier.js';
import { stratifiedSplit } from './dataset-split.js';
import { DEFAULT_OPEN_SET_QUANTILE, calibrateOpenSet } from './open-set.js';
import { type LabelledPhoto, folderTrainingPhotos, libraryTrainingPhotos, readTrainingPhoto } from './training-photos.js';

export interface CalibrateModelOptions {
  settings: Settings;
  /** Use the library's confirmed and corrected photos (default: yes unless `fromFolder` is given). */
  fromLibrary?: boolean;
  /** A folder with one sub-folder per species, named exactly as the model's classes. */
  fromFolder?: string;
  /** Who calibrates (recorded with the calibration). */
  by?: string | null;
  seed?: number;
  quantile?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number; rate: number }) => void;
}

export interface CalibrationResult {
  summary: CalibrationSummary;
  /** Labelled photos used, per class. */
  photosPerClass: Record<string, number>;
  /** Library photos left out because their species is not one of the model's classes. */
  notModelClasses: number;
  failed: { path: string; message: string }[];
  /** The model's stored predictions judged again with the new calibration. */
  rejudged: number;
  verdicts: { unknown: number; known: number; notJudged: number };
}

/** Closest class names to a misspelt one (for the error message). */
function closest(name: string, labels: readonly string[]): string[] {
  const lower = name.toLowerCase();
  return labels.filter((label) => label.toLowerCase().includes(lower) || lower.includes(label.toLowerCase())).slice(0, 3);
}

async function collectPhotos(library: Library, model: ModelRow, options: CalibrateModelOptions): Promise<{ photos: LabelledPhoto[]; notModelClasses: number }> {
  const fromLibrary = options.fromLibrary ?? options.fromFolder === undefined;
  const classes = new Set(model.labels);
  const photos: LabelledPhoto[] = [];
  let notModelClasses = 0;
  if (fromLibrary) {
    for (const photo of libraryTrainingPhotos(library)) {
      if (classes.has(photo.label)) photos.push(photo);
      else notModelClasses++;
    }
  }
  if (options.fromFolder !== undefined) {
    const folder = await folderTrainingPhotos(options.fromFolder);
    const unknown = [...new Set(folder.map((photo) => photo.label))].filter((label) => !classes.has(label));
    if (unknown.length) {
      const hints = unknown.map((label) => {
        const near = closest(label, model.labels);
        return `"${label}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : ''}`;
      });
      throw new StationError(
        'INVALID_ARGUMENT',
        `${options.fromFolder}: sub-folder(s) ${hints.join(', ')} are not classes of model #${model.id} "${model.name}". Name each sub-folder exactly as a class (see: invasives models show ${model.id}); nothing was changed.`,
      );
    }
    const seen = new Set(photos.map((photo) => photo.sha256));
    photos.push(...folder.filter((photo) => !seen.has(photo.sha256)));
  }
  return { photos, notModelClasses };
}

/** Calibrates `model`'s open set and re-judges its stored predictions. Nothing is stored when it fails. */
export async function calibrateModel(library: Library, model: ModelRow, options: CalibrateModelOptions): Promise<CalibrationResult> {
  const { photos, notModelClasses } = await collectPhotos(library, model, options);
  if (photos.length < 2) {
    throw new StationError(
      'TRAINING_DATA_INSUFFICIENT',
      `Calibrating model #${model.id} "${model.name}" needs at least 2 labelled photos of its classes; found ${photos.length}` +
        `${notModelClasses ? ` (${notModelClasses} confirmed photo(s) are of species the model does not know)` : ''}. Confirm more photos in Review, or pass --from-folder DIR with one sub-folder per class.`,
    );
  }
  // The model's own vectors: stored with the library's predictions, else computed now.
  const vectors: ({ probabilities: Float32Array; embedding: Float32Array | null } | null)[] = photos.map((photo) =>
    photo.photoId !== null ? library.predictions.vectorsOf(photo.photoId, model.id) : null,
  );
  const todo = photos.map((_, i) => i).filter((i) => vectors[i] === null);
  const failed: CalibrationResult['failed'] = [];
  if (todo.length > 0) {
    const classifier = await openLibraryModel(model, { ...options.settings, tenCrop: false });
    const meter = new RateMeter();
    let done = photos.length - todo.length;
    try {
      await runWorkQueue(todo, {
        concurrency: options.settings.importConcurrency,
        signal: options.signal,
        work: async (i) => {
          try {
            const { bytes, path } = await readTrainingPhoto(photos[i]!, library);
            const result = await classifier.classify({ bytes, path });
            vectors[i] = { probabilities: result.probabilities, embedding: result.embedding ?? null };
            return null;
          } catch (error) {
            return errorMessage(error);
          }
        },
        after: (i, message) => {
          if (message) failed.push({ path: photos[i]!.path, message });
          meter.tick();
          done++;
          options.onProgress?.({ done, total: photos.length, rate: meter.rate });
        },
      });
    } finally {
      await classifier.close();
    }
  }
  if (options.signal?.aborted) throw new StationError('CANCELLED', 'Calibration was cancelled; the model keeps its previous calibration.');
  const usable = photos.map((photo, i) => ({ photo, vectors: vectors[i] })).filter((entry) => entry.vectors?.embedding);
  if (usable.length === 0 && vectors.some((v) => v && !v.embedding)) {
    throw new StationError('MODEL_UNSUPPORTED', `Model #${model.id} "${model.name}" gives no embedding (pooled features), so its open set cannot be calibrated.`);
  }
  if (usable.length < 2) {
    throw new StationError('TRAINING_DATA_INSUFFICIENT', `Only ${usable.length} of ${photos.length} labelled photos could be read and classified${failed[0] ? ` (first failure: ${failed[0].message})` : ''}; nothing was changed.`);
  }
  const y = usable.map((entry) => model.labels.indexOf(entry.photo.label));
  const x = usable.map((entry) => entry.vectors!.embedding!);
  const probabilities = usable.map((entry) => entry.vectors!.probabilities);
  const split = stratifiedSplit(y, 0.5, options.seed ?? 1);
  const pick = <T>(items: readonly T[], indices: number[]): T[] => indices.map((i) => items[i]!);
  const calibration = calibrateOpenSet(
    { x: pick(x, split.train), y: pick(y, split.train) },
    { x: pick(x, split.validation), probabilities: pick(probabilities, split.validation) },
    pick(probabilities, split.train),
    model.labels.length,
    options.quantile ?? DEFAULT_OPEN_SET_QUANTILE,
  );
  // Classes without a calibration photo get no centroid: their photos are judged by probability alone.
  const trained = new Set(pick(y, split.train));
  calibration.centroids = calibration.centroids.map((centroid, c) => (trained.has(c) ? centroid : []));

  const photosPerClass: Record<string, number> = {};
  for (const entry of usable) photosPerClass[entry.photo.label] = (photosPerClass[entry.photo.label] ?? 0) + 1;
  const source = options.fromFolder !== undefined && !(options.fromLibrary ?? false) ? 'folder' : 'library';
  const rejudged = library.transaction(() => {
    library.calibrations.set(model.id, source, calibration, {
      by: options.by ?? null,
      detail: { photosPerClass, folder: options.fromFolder ?? null, notModelClasses, failed: failed.length },
    });
    return library.predictions.rejudgeModel(model.id);
  });
  return {
    summary: library.calibrations.summary(model.id)!,
    photosPerClass,
    notModelClasses,
    failed,
    rejudged,
    verdicts: library.predictions.verdictCounts(model.id),
  };
}
