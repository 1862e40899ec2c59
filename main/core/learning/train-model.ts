/**
 * The learning loop: labelled photos (library reviews and/or species folders) → backbone
 * embeddings of each photo's plain view (and, when asked, of a few fixed augmented views of
 * the training photos: training-views.ts, computed once, cached) → a new head trained on the CPU →
 * evaluated on the plain view of a stratified validation split →
 * open-set threshold calibrated → backbone + head compiled into one ONNX graph → registered
 * as a new model version (the previous ones stay; `invasives models use` switches).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { StationError } from '../errors.js';
import type { Library, ModelRow } from '../library/index.js';
import { type Settings, modelStoreDir } from '../settings.js';
import { addModelToLibrary, findLibraryModel, openLibraryModel } from '../vision/open-classifier.js';
import { stratifiedSplit } from './dataset-split.js';
import { type EmbeddingProgress, embedPhotos } from './embeddings.js';
import { type EvaluationReport, evaluateClassifier } from './evaluate.js';
import { attachHeadToOnnx } from './head-onnx.js';
import { DEFAULT_OPEN_SET_QUANTILE, type OpenSetCalibration, calibrateOpenSet, nearestCentroid } from './open-set.js';
import { type LabelledPhoto, folderTrainingPhotos, libraryTrainingPhotos } from './training-photos.js';
import { DEFAULT_HEAD_TRAINING, type EpochRecord, predictHead, trainHead } from './train-head.js';
import { AUGMENTED_VIEWS, headBatchSize, rowsWithViews } from './training-views.js';
import { type ViewEmbeddingProgress, embedTrainingViews } from './view-embeddings.js';

export interface TrainModelOptions {
  settings: Settings;
  /** Use the library's confirmed and corrected photos (default: yes unless `fromFolders` is given). */
  fromLibrary?: boolean;
  /** A folder with one sub-folder of photos per species. */
  fromFolders?: string;
  /** Backbone: a library model id ("3") or a model pack path; default the active model. */
  backbone?: string;
  seed?: number;
  /** Most epochs to train (early stopping usually ends sooner). */
  epochs?: number;
  /** 0 (default): softmax regression; N: one hidden layer of N ReLU units. */
  hiddenUnits?: number;
  /** Share of each species held out for validation (default 0.2). */
  validationFraction?: number;
  /**
   * Train on the augmented views of the training photos too (default: no). On the flower
   * benchmark with the pack's centre crop they gained nothing (README, "Training at the station").
   */
  augment?: boolean;
  /** Name of the new model version. */
  name?: string;
  /** Make the new model the active one. */
  activate?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void;
}

export type TrainingProgress =
  | { stage: 'collecting'; photos: number }
  | { stage: 'embedding'; embedding: EmbeddingProgress }
  | { stage: 'views'; views: ViewEmbeddingProgress }
  | { stage: 'training'; epoch: EpochRecord; maxEpochs: number }
  | { stage: 'building' };

export interface SpeciesCount {
  label: string;
  train: number;
  validation: number;
}

/** Everything the CLI and the Train screen show about one trained version (also in the model's provenance). */
export interface TrainingReport {
  trainedAt: string;
  seed: number;
  parentModel: { id: number; name: string; version: string; contentHash: string };
  sources: { libraryPhotos: number; folder: string | null; folderPhotos: number };
  /** Labelled photos used (training + validation), after dropping those that failed. */
  trainingPhotos: number;
  species: SpeciesCount[];
  /** Library photo ids that trained this version (the validation ones are in `validationPhotoIds`). */
  trainPhotoIds: number[];
  validationPhotoIds: number[];
  failedPhotos: { path: string; photoId: number | null; message: string }[];
  head: { hiddenUnits: number; epochsRun: number; bestEpoch: number; stoppedEarly: boolean; maxEpochs: number; history: EpochRecord[] };
  timings: { embeddingSeconds: number; trainingSeconds: number; totalSeconds: number };
  embeddings: { fromLibrary: number; fromCache: number; computed: number };
  /** Augmented views per training photo and how their embeddings were obtained (absent: plain view only). */
  augmentedViews?: { perPhoto: number; fromCache: number; computed: number; failed: number; seconds: number };
  evaluation: EvaluationReport;
  /** Open-set summary (the centroids themselves are in the provenance's `openSet`). */
  openSet: Omit<OpenSetCalibration, 'centroids'> & { flaggedValidation: { photoId: number | null; path: string; distance: number; maxProbability: number }[] };
  warnings: string[];
}

export interface TrainingResult {
  model: ModelRow;
  report: TrainingReport;
}

/** The training report stored with a trained model, or null for other models. */
export function readTrainingReport(model: Pick<ModelRow, 'provenance'>): TrainingReport | null {
  const report = model.provenance?.report as TrainingReport | undefined;
  return model.provenance?.kind === 'trained-head' && report ? report : null;
}

async function resolveBackbone(library: Library, spec: string | undefined, settings: Settings): Promise<ModelRow> {
  if (spec === undefined) {
    const active = library.models.active();
    if (!active) throw new StationError('MODEL_NOT_FOUND', 'The library has no model to use as backbone: add one with `invasives models add <pack>` or pass --backbone PACK.');
    return active;
  }
  return findLibraryModel(library, spec) ?? (await addModelToLibrary(library, spec, { settings }));
}

function mergePhotos(lists: LabelledPhoto[][]): LabelledPhoto[] {
  const seen = new Set<string>();
  const out: LabelledPhoto[] = [];
  for (const photo of lists.flat()) {
    if (seen.has(photo.sha256)) continue;
    seen.add(photo.sha256);
    out.push(photo);
  }
  return out;
}

/** Trains a new head on the backbone and registers backbone + head as a new model version. */
export async function trainModel(library: Library, options: TrainModelOptions): Promise<TrainingResult> {
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_HEAD_TRAINING.seed;
  const fromLibrary = options.fromLibrary ?? options.fromFolders === undefined;
  const backbone = await resolveBackbone(library, options.backbone, options.settings);
  const libraryPhotos = fromLibrary ? libraryTrainingPhotos(library) : [];
  const folderPhotos = options.fromFolders ? await folderTrainingPhotos(options.fromFolders) : [];
  const candidates = mergePhotos([libraryPhotos, folderPhotos]);
  options.onProgress?.({ stage: 'collecting', photos: candidates.length });

  const embedded = await embedPhotos(candidates, backbone, {
    library,
    settings: options.settings,
    signal: options.signal,
    onProgress: (embedding) => options.onProgress?.({ stage: 'embedding', embedding }),
  });
  if (options.signal?.aborted) throw new StationError('CANCELLED', 'Training was cancelled; no model was added.');
  const photos = candidates.filter((_, i) => embedded.embeddings[i]);
  if (photos.length === 0 && embedded.failed.length > 0) {
    throw new StationError(
      'TRAINING_DATA_INSUFFICIENT',
      `None of the ${embedded.failed.length} labelled photos could be used with backbone "${backbone.name}"; the first failed with: ${embedded.failed[0]!.message}`,
    );
  }
  const x = embedded.embeddings.filter((e): e is Float32Array => e !== null);
  const labels = [...new Set(photos.map((p) => p.label))].sort((a, b) => a.localeCompare(b));
  if (labels.length < 2) {
    throw new StationError(
      'TRAINING_DATA_INSUFFICIENT',
      `Training needs photos of at least 2 species; found ${labels.length === 0 ? 'none' : `only "${labels[0]}"`} (${photos.length} usable photos). Confirm or correct more photos in Review, or pass --from-folders with one sub-folder per species.`,
    );
  }
  const y = photos.map((p) => labels.indexOf(p.label));
  const warnings: string[] = [];
  const counts = labels.map((_, c) => y.filter((v) => v === c).length);
  labels.forEach((label, c) => {
    if (counts[c]! < 2) warnings.push(`"${label}" has only ${counts[c]} photo: it trains the head but cannot be validated.`);
  });
  if (embedded.failed.length) warnings.push(`${embedded.failed.length} photos could not be read or classified and were left out.`);

  const split = stratifiedSplit(y, options.validationFraction ?? 0.2, seed);
  const pick = <T>(items: readonly T[], indices: number[]): T[] => indices.map((i) => items[i]!);
  const train = { x: pick(x, split.train), y: pick(y, split.train) };
  // Views of the training photos only: validation photos are judged on their plain view.
  const augment = options.augment ?? false;
  const trainPhotos = pick(photos, split.train);
  const viewed = augment
    ? await embedTrainingViews(trainPhotos, backbone, {
        library,
        settings: options.settings,
        signal: options.signal,
        onProgress: (views) => options.onProgress?.({ stage: 'views', views }),
      })
    : null;
  if (options.signal?.aborted) throw new StationError('CANCELLED', 'Training was cancelled; no model was added.');
  if (viewed?.failed.length) warnings.push(`${viewed.failed.length} training photos could not be re-read for augmented views and trained on their plain view only (first: ${viewed.failed[0]!.path}: ${viewed.failed[0]!.message}).`);
  const trainRows = viewed ? rowsWithViews(train.x.map((_, i) => i), train.x, train.y, viewed.views) : train;
  const validation = { x: pick(x, split.validation), y: pick(y, split.validation) };
  const maxEpochs = options.epochs ?? DEFAULT_HEAD_TRAINING.maxEpochs;
  const trainStarted = performance.now();
  const head = await trainHead(trainRows, validation, labels.length, {
    seed,
    maxEpochs,
    hiddenUnits: options.hiddenUnits ?? DEFAULT_HEAD_TRAINING.hiddenUnits,
    batchSize: headBatchSize(viewed ? AUGMENTED_VIEWS.length : 0),
    onEpoch: (epoch) => options.onProgress?.({ stage: 'training', epoch, maxEpochs }),
    signal: options.signal,
  });
  const trainingSeconds = (performance.now() - trainStarted) / 1000;
  if (options.signal?.aborted) throw new StationError('CANCELLED', 'Training was cancelled; no model was added.');

  options.onProgress?.({ stage: 'building' });
  const validationProbabilities = predictHead(head, validation.x);
  const validationPhotos = pick(photos, split.validation);
  const evaluation = evaluateClassifier(
    validationPhotos.map((photo, i) => ({ photoId: photo.photoId, path: photo.path, truth: validation.y[i]!, probabilities: validationProbabilities[i]! })),
    labels,
  );
  const openSet = calibrateOpenSet(train, { x: validation.x, probabilities: validationProbabilities }, predictHead(head, train.x), labels.length, DEFAULT_OPEN_SET_QUANTILE);
  const flaggedValidation = validation.x
    .map((row, i) => ({
      photoId: validationPhotos[i]!.photoId,
      path: validationPhotos[i]!.path,
      distance: nearestCentroid(row, openSet.centroids).distance,
      maxProbability: Math.max(...validationProbabilities[i]!),
    }))
    .filter((v) => v.distance > openSet.distanceThreshold || v.maxProbability < openSet.probabilityThreshold);

  if (!backbone.onnxPath || !fs.existsSync(backbone.onnxPath)) {
    throw new StationError('MODEL_NOT_FOUND', `The compiled file of backbone model #${backbone.id} "${backbone.name}" is missing; add it again with \`invasives models add ${backbone.sourcePath}\`.`);
  }
  const onnxBytes = attachHeadToOnnx(fs.readFileSync(backbone.onnxPath), head.layers, backbone.name);
  const contentHash = createHash('sha256').update(onnxBytes).digest('hex');
  const storeDir = modelStoreDir(library.databasePath);
  const onnxPath = path.join(storeDir, `${contentHash}.onnx`);
  await writeFileAtomically(onnxPath, Buffer.from(onnxBytes));

  const { centroids: _centroids, ...openSetSummary } = openSet;
  const trainedAt = new Date().toISOString();
  const report: TrainingReport = {
    trainedAt,
    seed,
    parentModel: { id: backbone.id, name: backbone.name, version: backbone.version, contentHash: backbone.contentHash },
    sources: { libraryPhotos: libraryPhotos.length, folder: options.fromFolders ? path.resolve(options.fromFolders) : null, folderPhotos: folderPhotos.length },
    trainingPhotos: photos.length,
    species: labels.map((label, c) => ({ label, train: train.y.filter((v) => v === c).length, validation: validation.y.filter((v) => v === c).length })),
    trainPhotoIds: pick(photos, split.train).flatMap((p) => (p.photoId === null ? [] : [p.photoId])),
    validationPhotoIds: validationPhotos.flatMap((p) => (p.photoId === null ? [] : [p.photoId])),
    failedPhotos: embedded.failed,
    head: { hiddenUnits: options.hiddenUnits ?? 0, epochsRun: head.epochsRun, bestEpoch: head.bestEpoch, stoppedEarly: head.stoppedEarly, maxEpochs, history: head.history },
    timings: { embeddingSeconds: embedded.computeSeconds + (viewed?.computeSeconds ?? 0), trainingSeconds, totalSeconds: (performance.now() - started) / 1000 },
    embeddings: { fromLibrary: embedded.progress.fromLibrary, fromCache: embedded.progress.fromCache, computed: embedded.progress.computed },
    ...(viewed
      ? { augmentedViews: { perPhoto: AUGMENTED_VIEWS.length, fromCache: viewed.progress.fromCache, computed: viewed.progress.computed, failed: viewed.progress.failed, seconds: viewed.computeSeconds } }
      : {}),
    evaluation,
    openSet: { ...openSetSummary, flaggedValidation },
    warnings,
  };
  const row = library.models.add(
    {
      name: options.name ?? `${backbone.name} — station head`,
      version: trainedAt.replace(/\.\d+Z$/, 'Z'),
      contentHash,
      format: 'trained-head',
      sourcePath: onnxPath,
      labels,
      preprocessing: backbone.preprocessing,
      provenance: {
        kind: 'trained-head',
        parentModel: report.parentModel,
        trainedAt,
        seed,
        trainingPhotos: photos.length,
        metrics: { top1: evaluation.top1, top5: evaluation.top5, macroF1: evaluation.macroF1, validationPhotos: evaluation.examples },
        report,
        openSet,
      },
    },
    onnxPath,
  );
  // Proves the compiled graph loads and matches the labels before anyone switches to it.
  const probe = await openLibraryModel(row, { ...options.settings, tenCrop: false });
  await probe.close();
  if (options.activate) library.models.setActive(row.id);
  // Same data + same seed give the same bytes: the existing version is returned (its stored report is the first run's).
  return { model: library.models.get(row.id)!, report };
}

/** One line of the model-versions list a Train screen shows. */
export interface ModelVersionSummary {
  id: number;
  name: string;
  version: string;
  format: string;
  isActive: boolean;
  /** Null for models that were not trained at the station. */
  trainedAt: string | null;
  parentModelId: number | null;
  trainingPhotos: number | null;
  top1: number | null;
  top5: number | null;
  macroF1: number | null;
  /** Open-set distance threshold, when calibrated. */
  unknownThreshold: number | null;
}

/** Every model of the library with its training metrics (trained versions) for side-by-side comparison. */
export function modelVersions(library: Library): ModelVersionSummary[] {
  return library.models.list().map((model) => {
    const report = readTrainingReport(model);
    return {
      id: model.id,
      name: model.name,
      version: model.version,
      format: model.format,
      isActive: model.isActive,
      trainedAt: report?.trainedAt ?? null,
      parentModelId: report?.parentModel.id ?? null,
      trainingPhotos: report?.trainingPhotos ?? null,
      top1: report?.evaluation.top1 ?? null,
      top5: report?.evaluation.top5 ?? null,
      macroF1: report?.evaluation.macroF1 ?? null,
      unknownThreshold: report?.openSet.distanceThreshold ?? null,
    };
  });
}
