import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stratifiedFolds, stratifiedSplit } from '../../main/core/learning/dataset-split.js';
import { evaluateClassifier, formatClassMetrics, formatConfusionMatrix } from '../../main/core/learning/evaluate.js';
import { calibrateOpenSet, isUnknown, judgeUnknown } from '../../main/core/learning/open-set.js';
import { seededRandom } from '../../main/core/seeded-random.js';

const LABELS = ['alpha', 'beta', 'gamma'];

/** Probabilities that put `predicted` first and `second` next. */
function probs(classes: number, predicted: number, second = (predicted + 1) % classes): Float32Array {
  const p = new Float32Array(classes).fill(0.01);
  p[predicted] = 0.7;
  p[second] = 0.2;
  return p;
}

test('metrics match a hand-checked confusion matrix', () => {
  // truth → predicted: 0→0, 0→0, 0→1, 1→1, 1→2, 2→2
  const pairs = [[0, 0], [0, 0], [0, 1], [1, 1], [1, 2], [2, 2]] as const;
  const report = evaluateClassifier(pairs.map(([truth, predicted], i) => ({ photoId: i + 10, path: `p${i}.jpg`, truth, probabilities: probs(3, predicted) })), LABELS);
  assert.deepEqual(report.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  assert.equal(report.examples, 6);
  assert.equal(report.top1, 4 / 6);
  assert.equal(report.top5, 1, 'with 3 classes top-5 is top-3: always right');
  const [a, b, g] = report.perClass;
  assert.deepEqual([a!.precision, a!.recall, a!.support], [1, 2 / 3, 3]);
  assert.ok(Math.abs(a!.f1 - 0.8) < 1e-12);
  assert.deepEqual([b!.precision, b!.recall, b!.f1], [0.5, 0.5, 0.5]);
  assert.deepEqual([g!.precision, g!.recall], [0.5, 1]);
  assert.ok(Math.abs(g!.f1 - 2 / 3) < 1e-12);
  assert.ok(Math.abs(report.macroF1 - (0.8 + 0.5 + 2 / 3) / 3) < 1e-12);
  assert.deepEqual(
    report.misclassified.map((m) => [m.photoId, m.truth, m.predicted]).sort(),
    [[12, 'alpha', 'beta'], [14, 'beta', 'gamma']],
  );
});

test('top-5 counts a true class ranked 5th but not one ranked 6th', () => {
  const labels = ['a', 'b', 'c', 'd', 'e', 'f'];
  const ranked = (order: number[]) => {
    const p = new Float32Array(6);
    order.forEach((c, rank) => (p[c] = 0.5 - rank * 0.08));
    return p;
  };
  const report = evaluateClassifier(
    [
      { photoId: null, path: 'x', truth: 0, probabilities: ranked([1, 2, 3, 4, 0, 5]) },
      { photoId: null, path: 'y', truth: 0, probabilities: ranked([1, 2, 3, 4, 5, 0]) },
    ],
    labels,
  );
  assert.equal(report.top1, 0);
  assert.equal(report.top5, 0.5);
});

test('a class never predicted has precision 0 and F1 0, not NaN', () => {
  const report = evaluateClassifier([{ photoId: null, path: 'x', truth: 1, probabilities: probs(3, 0) }], LABELS);
  assert.equal(report.perClass[1]!.precision, 0);
  assert.equal(report.perClass[1]!.f1, 0);
  assert.ok(report.perClass.every((m) => Number.isFinite(m.f1)));
});

test('the confusion table and metrics table name every species and every count', () => {
  const report = evaluateClassifier([[0, 0], [1, 2], [2, 2]].map(([truth, predicted]) => ({ photoId: null, path: 'x', truth: truth!, probabilities: probs(3, predicted!) })), LABELS);
  const table = formatConfusionMatrix(report).split('\n');
  assert.equal(table.length, 4);
  assert.match(table[2]!, /^2 beta\s+0\s+0\s+1$/);
  assert.match(formatClassMetrics(report), /gamma\s+50\.0%\s+100\.0%/);
});

test('stratified split: disjoint, complete, about the asked share per class, reproducible by seed', () => {
  const labels = [...Array(50).fill(0), ...Array(10).fill(1), ...Array(3).fill(2), 3];
  const split = stratifiedSplit(labels, 0.2, 7);
  const all = [...split.train, ...split.validation].sort((a, b) => a - b);
  assert.deepEqual(all, labels.map((_, i) => i));
  const count = (indices: number[], c: number) => indices.filter((i) => labels[i] === c).length;
  assert.deepEqual([0, 1, 2, 3].map((c) => count(split.validation, c)), [10, 2, 1, 0], 'a class with one photo only trains');
  assert.deepEqual(stratifiedSplit(labels, 0.2, 7), split);
  assert.notDeepEqual(stratifiedSplit(labels, 0.2, 8).validation, split.validation);
});

test('stratified folds partition the photos with each class spread evenly', () => {
  const labels = [...Array(23).fill(0), ...Array(11).fill(1)];
  const folds = stratifiedFolds(labels, 5, 3);
  assert.deepEqual(folds.flat().sort((a, b) => a - b), labels.map((_, i) => i));
  for (const c of [0, 1]) {
    const sizes = folds.map((fold) => fold.filter((i) => labels[i] === c).length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `class ${c} spread ${sizes}`);
  }
});

function cluster(centre: number[], n: number, spread: number, random: () => number): Float32Array[] {
  return Array.from({ length: n }, () => Float32Array.from(centre, (v) => v + (random() - 0.5) * spread));
}

test('open set: photos near a known class pass, a photo unlike every class is unknown', () => {
  const random = seededRandom(5);
  const centres = [[5, 0, 0, 0], [0, 5, 0, 0]];
  const trainX = centres.flatMap((c) => cluster(c, 30, 2, random));
  const trainY = centres.flatMap((_, k) => Array(30).fill(k));
  const valX = centres.flatMap((c) => cluster(c, 10, 2, random));
  const valProbabilities = valX.map((_, i) => Float32Array.from(i < 10 ? [0.9, 0.1] : [0.15, 0.85]));
  const calibration = calibrateOpenSet({ x: trainX, y: trainY }, { x: valX, probabilities: valProbabilities }, [], 2, 0.95);
  assert.equal(calibration.calibratedOn, 'validation');
  assert.equal(calibration.calibrationCount, 20);
  assert.ok(calibration.flaggedCount <= 1, `at most 5% of known photos flagged (${calibration.flaggedCount})`);
  assert.ok(Math.abs(calibration.probabilityThreshold - 0.85) < 1e-6, `the 2.5th percentile of the validation top-1 probabilities (${calibration.probabilityThreshold})`);
  const model = { provenance: { openSet: calibration } };
  assert.equal(isUnknown({ embedding: Float32Array.from([4.8, 0.3, 0.1, 0]) }, model), false);
  const novel = judgeUnknown({ embedding: Float32Array.from([0, 0, 5, 0]) }, model);
  assert.equal(novel.unknown, true);
  assert.equal(novel.basis, 'embedding');
  const hesitant = judgeUnknown({ embedding: Float32Array.from([4.8, 0.3, 0.1, 0]), probabilities: Float32Array.from([0.5, 0.5]) }, model);
  assert.deepEqual([hesitant.unknown, hesitant.basis], [true, 'embedding+probabilities'], 'near a class but the head hesitates: unknown too');
  assert.equal(isUnknown({ embedding: Float32Array.from([4.8, 0.3, 0.1, 0]), probabilities: Float32Array.from([0.9, 0.1]) }, model), false);
  assert.ok(novel.distance! > calibration.distanceThreshold);
  assert.equal(isUnknown({ probabilities: Float32Array.from([0.55, 0.45]) }, model), true, 'probabilities only: a hesitant top-1 is unknown');
  assert.equal(isUnknown({ probabilities: Float32Array.from([0.95, 0.05]) }, model), false);
  assert.equal(isUnknown({ embedding: Float32Array.from([0, 0, 5, 0]) }, { provenance: null }), false, 'models without calibration never say unknown');
});
