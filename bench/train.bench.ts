/**
 * Learning-loop benchmark on ../shared/data/flowers (5 species × 80 real photos) with the
 * ImageNet MobileNet body of ../shared/models/tfjs-mobilenet-waste as backbone (its own head
 * cut away): embedding time (plain view, then the augmented training views), 5-fold
 * cross-validated top-1 accuracy on unseen photos of the head as `trainModel` trains it
 * (plain view) beside one also trained on augmented views (`augment`), repeated with `--repeats`
 * seeds (other folds), head training time, one full `trainModel` run (ONNX build included),
 * and an open-set check (each species left out in turn: how many of its photos are flagged
 * unknown). Folds split photos: no view of a test photo trains its head, and test photos are
 * judged on their plain view only, as the station classifies them.
 * Prints a summary and writes JSON (.cache/bench/train.json, or the path given as argument).
 *
 * Run: npm run bench:train [-- out.json] [-- --hidden N] [-- --seed N] [-- --repeats N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../main/core/library/index.js';
import { resolveSettings } from '../main/core/settings.js';
import { crossValidateHead } from '../main/core/learning/cross-validate.js';
import { stratifiedSplit } from '../main/core/learning/dataset-split.js';
import { type CrossValidationResult } from '../main/core/learning/cross-validate.js';
import { embedPhotos } from '../main/core/learning/embeddings.js';
import { embedTrainingViews } from '../main/core/learning/view-embeddings.js';
import { formatClassMetrics, formatConfusionMatrix } from '../main/core/learning/evaluate.js';
import { calibrateOpenSet, judgeUnknown } from '../main/core/learning/open-set.js';
import { trainModel } from '../main/core/learning/train-model.js';
import { predictHead, trainHead } from '../main/core/learning/train-head.js';
import { folderTrainingPhotos } from '../main/core/learning/training-photos.js';
import { addModelToLibrary } from '../main/core/vision/open-classifier.js';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const FLOWERS = path.join(SHARED, 'data/flowers');
const BACKBONE = path.join(SHARED, 'models/tfjs-mobilenet-waste');
const args = process.argv.slice(2);
const outFile = args.find((a) => a.endsWith('.json')) ?? path.resolve(import.meta.dirname, '../.cache/bench/train.json');
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seed = option('seed', 1);
const hiddenUnits = option('hidden', 0);
const repeats = Math.max(1, option('repeats', 3));

if (!fs.existsSync(FLOWERS) || !fs.existsSync(BACKBONE)) {
  console.log(`Skipped: ../shared is absent (${FLOWERS} or ${BACKBONE} not found); this benchmark needs the maintainers' shared data.`);
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-bench-train-'));
const settings = resolveSettings({ databasePath: path.join(work, 'library.sqlite') });
const library = Library.open(settings.databasePath);
try {
  const t0 = performance.now();
  const backbone = await addModelToLibrary(library, BACKBONE, { settings });
  const backboneSeconds = (performance.now() - t0) / 1000;
  const photos = await folderTrainingPhotos(FLOWERS);
  const embedded = await embedPhotos(photos, backbone, { library, settings });
  const x = embedded.embeddings.filter((e): e is Float32Array => e !== null);
  const kept = photos.filter((_, i) => embedded.embeddings[i]);
  const labels = [...new Set(kept.map((p) => p.label))].sort();
  const y = kept.map((p) => labels.indexOf(p.label));
  console.log(`backbone: ${backbone.name} (${x[0]!.length} features), loaded + compiled in ${backboneSeconds.toFixed(1)} s`);
  console.log(`embeddings: ${x.length} photos in ${embedded.computeSeconds.toFixed(1)} s (${(x.length / embedded.computeSeconds).toFixed(1)} photos/s), ${embedded.failed.length} failed`);
  const viewed = await embedTrainingViews(kept, backbone, { library, settings });
  const views = viewed.views;
  const viewCount = views.find((v) => v)?.length ?? 0;
  console.log(`augmented views: ${viewCount} per photo, ${viewed.progress.computed} photos in ${viewed.computeSeconds.toFixed(1)} s (${(viewed.progress.computed / viewed.computeSeconds).toFixed(1)} photos/s), ${viewed.failed.length} failed`);

  const pc = (v: number) => `${(v * 100).toFixed(1)}%`;
  const runs: { seed: number; plain: CrossValidationResult; augmented: CrossValidationResult }[] = [];
  for (let r = 0; r < repeats; r += 1) {
    const s = seed + r;
    const common = { folds: 5, seed: s, head: { hiddenUnits }, paths: kept.map((p) => p.path) };
    const plain = await crossValidateHead(x, y, labels, common);
    const augmented = await crossValidateHead(x, y, labels, { ...common, views });
    runs.push({ seed: s, plain, augmented });
    const folds = (cv: CrossValidationResult) => cv.foldTop1.map((v) => (v * 100).toFixed(1)).join(', ');
    console.log(`seed ${s}: 5-fold CV top-1 ${pc(augmented.meanTop1)} (folds ${folds(augmented)}) with augmented views; plain view only ${pc(plain.meanTop1)} (folds ${folds(plain)})`);
  }
  const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  // The default recipe (`trainModel` without `augment`) trains on the plain view.
  const cv = runs[0]!.plain;
  const meanTop1 = meanOf(runs.map((r) => r.augmented.meanTop1));
  const plainTop1 = meanOf(runs.map((r) => r.plain.meanTop1));
  const meanTrain = meanOf(runs.flatMap((r) => r.augmented.trainingSeconds));
  console.log(`top-1 on unseen photos, mean of ${repeats} x 5 folds: ${pc(plainTop1)} (lowest repeat ${pc(Math.min(...runs.map((r) => r.plain.meanTop1)))}) as trainModel trains by default; ${pc(meanTop1)} with augmented views (--augment); pooled top-5 ${pc(cv.pooled.top5)} (seed ${seed})`);
  console.log(`head training: ${meanOf(runs.flatMap((r) => r.plain.trainingSeconds)).toFixed(2)} s per fold (epochs ${cv.epochsRun.join(', ')}), ${meanTrain.toFixed(2)} s with views, hidden units ${hiddenUnits}, measured under whatever load the machine has`);
  console.log(formatClassMetrics(cv.pooled));
  console.log(formatConfusionMatrix(cv.pooled));

  // Open set: leave each species out, train on the others, count its photos flagged unknown.
  const openSet = [];
  for (let left = 0; left < labels.length; left += 1) {
    const known = x.map((_, i) => i).filter((i) => y[i] !== left);
    const remap = (label: number) => (label > left ? label - 1 : label);
    const split = stratifiedSplit(known.map((i) => remap(y[i]!)), 0.2, seed);
    const part = (idx: number[]) => ({ x: idx.map((j) => x[known[j]!]!), y: idx.map((j) => remap(y[known[j]!]!)) });
    const train = part(split.train);
    const val = part(split.validation);
    const head = await trainHead(train, val, labels.length - 1, { seed, hiddenUnits });
    const calibration = calibrateOpenSet(train, { x: val.x, probabilities: predictHead(head, val.x) }, predictHead(head, train.x), labels.length - 1);
    const novel = x.filter((_, i) => y[i] === left);
    const model = { provenance: { openSet: calibration } };
    const verdicts = predictHead(head, novel).map((probabilities, i) => judgeUnknown({ embedding: novel[i], probabilities }, model));
    const share = (count: number) => count / novel.length;
    const flagged = share(verdicts.filter((v) => v.unknown).length);
    const byDistance = share(verdicts.filter((v) => v.distance! > calibration.distanceThreshold).length);
    const byProbability = share(verdicts.filter((v) => v.maxProbability! < calibration.probabilityThreshold).length);
    openSet.push({ leftOut: labels[left], photos: novel.length, flaggedUnknown: flagged, byDistance, byProbability, knownFlagged: calibration.flaggedCount / calibration.calibrationCount });
    const pc0 = (v: number) => `${(v * 100).toFixed(0)}%`;
    console.log(`open set, "${labels[left]}" unseen: ${pc0(flagged)} flagged unknown (distance ${pc0(byDistance)}, top-1 probability ${pc0(byProbability)}); known validation photos flagged: ${calibration.flaggedCount}/${calibration.calibrationCount}`);
  }

  const t1 = performance.now();
  const full = await trainModel(library, { settings, fromFolders: FLOWERS, backbone: String(backbone.id), seed, hiddenUnits, fromLibrary: false });
  const fullSeconds = (performance.now() - t1) / 1000;
  console.log(`full trainModel (embeddings cached): ${fullSeconds.toFixed(1)} s → model #${full.model.id}, validation top-1 ${(full.report.evaluation.top1 * 100).toFixed(1)}%, head ${full.report.timings.trainingSeconds.toFixed(2)} s`);

  const report = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    data: { folder: FLOWERS, photos: x.length, species: labels },
    backbone: { path: BACKBONE, features: x[0]!.length, loadAndCompileSeconds: backboneSeconds },
    embedding: { seconds: embedded.computeSeconds, photosPerSecond: x.length / embedded.computeSeconds, failed: embedded.failed.length },
    augmentedViews: { perPhoto: viewCount, seconds: viewed.computeSeconds, photosPerSecond: viewed.progress.computed / viewed.computeSeconds, failed: viewed.failed.length },
    repeats: runs.map((r) => ({ seed: r.seed, top1: r.plain.meanTop1, foldTop1: r.plain.foldTop1, augmentedTop1: r.augmented.meanTop1, augmentedFoldTop1: r.augmented.foldTop1 })),
    meanTop1: plainTop1,
    augmentedMeanTop1: meanTop1,
    crossValidation: { folds: cv.folds, seed, hiddenUnits, meanTop1: cv.meanTop1, stdTop1: cv.stdTop1, foldTop1: cv.foldTop1, pooledTop5: cv.pooled.top5, pooledMacroF1: cv.pooled.macroF1, perClass: cv.pooled.perClass, confusion: cv.pooled.confusion, trainingSecondsPerFold: cv.trainingSeconds, epochsRun: cv.epochsRun },
    openSet,
    fullRun: { seconds: fullSeconds, top1: full.report.evaluation.top1, headSeconds: full.report.timings.trainingSeconds },
    targets: { top1AtLeast: 0.85, headTrainingSecondsBelow: 30, top1Met: plainTop1 >= 0.85, headTimeMet: Math.max(...runs.flatMap((r) => r.plain.trainingSeconds)) < 30 },
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`targets: top-1 >= 85% ${report.targets.top1Met ? 'met' : 'NOT met'}, head < 30 s ${report.targets.headTimeMet ? 'met' : 'NOT met'}; written ${outFile}`);
} finally {
  library.close();
  fs.rmSync(work, { recursive: true, force: true });
}
