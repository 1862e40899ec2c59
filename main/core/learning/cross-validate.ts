/**
 * k-fold cross-validation of the head on fixed embeddings: how well a head trained at the
 * station generalises, and how long training takes. Each fold trains exactly as `trainModel`
 * does (inner stratified validation split for early stopping, augmented views of the training
 * photos only) and is scored on the plain view of the held-out photos. Folds split photos, so
 * no view of a test photo ever trains its head.
 */
import { stratifiedFolds, stratifiedSplit } from './dataset-split.js';
import { type EvaluationReport, evaluateClassifier } from './evaluate.js';
import { type HeadTrainingOptions, predictHead, trainHead } from './train-head.js';
import { headBatchSize, rowsWithViews } from './training-views.js';

export interface CrossValidationResult {
  folds: number;
  /** Top-1 accuracy of each fold on its held-out photos. */
  foldTop1: number[];
  meanTop1: number;
  stdTop1: number;
  /** Pooled over all held-out predictions (every photo predicted once). */
  pooled: EvaluationReport;
  trainingSeconds: number[];
  epochsRun: number[];
}

export async function crossValidateHead(
  x: readonly Float32Array[],
  y: readonly number[],
  labels: readonly string[],
  options: {
    folds?: number;
    seed?: number;
    validationFraction?: number;
    head?: Partial<HeadTrainingOptions>;
    paths?: readonly string[];
    /** Augmented views' embeddings per photo (index-aligned with x): they add training rows only. */
    views?: readonly (readonly Float32Array[] | null)[];
  } = {},
): Promise<CrossValidationResult> {
  const k = options.folds ?? 5;
  const seed = options.seed ?? 1;
  const folds = stratifiedFolds(y, k, seed);
  const viewsPerPhoto = options.views?.find((v) => v)?.length ?? 0;
  const batchSize = options.head?.batchSize ?? headBatchSize(viewsPerPhoto);
  const foldTop1: number[] = [];
  const trainingSeconds: number[] = [];
  const epochsRun: number[] = [];
  const pooled: { photoId: null; path: string; truth: number; probabilities: Float32Array }[] = [];
  for (let f = 0; f < k; f += 1) {
    const held = new Set(folds[f]);
    const rest = x.map((_, i) => i).filter((i) => !held.has(i));
    const inner = stratifiedSplit(rest.map((i) => y[i]!), options.validationFraction ?? 0.2, seed + f);
    const photosOf = (indices: number[]) => indices.map((j) => rest[j]!);
    const validation = { x: photosOf(inner.validation).map((i) => x[i]!), y: photosOf(inner.validation).map((i) => y[i]!) };
    const started = performance.now();
    const head = await trainHead(rowsWithViews(photosOf(inner.train), x, y, options.views), validation, labels.length, { ...options.head, batchSize, seed: seed + f });
    trainingSeconds.push((performance.now() - started) / 1000);
    epochsRun.push(head.epochsRun);
    const test = folds[f]!;
    const probabilities = predictHead(head, test.map((i) => x[i]!));
    const report = evaluateClassifier(test.map((i, j) => ({ photoId: null, path: options.paths?.[i] ?? String(i), truth: y[i]!, probabilities: probabilities[j]! })), labels);
    foldTop1.push(report.top1);
    test.forEach((i, j) => pooled.push({ photoId: null, path: options.paths?.[i] ?? String(i), truth: y[i]!, probabilities: probabilities[j]! }));
  }
  const meanTop1 = foldTop1.reduce((a, b) => a + b, 0) / k;
  const stdTop1 = Math.sqrt(foldTop1.reduce((s, v) => s + (v - meanTop1) ** 2, 0) / k);
  return { folds: k, foldTop1, meanTop1, stdTop1, pooled: evaluateClassifier(pooled, labels), trainingSeconds, epochsRun };
}
