import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { StationError } from '../../main/core/errors.js';
import { loadKerasH5Model, readKerasH5 } from '../../main/core/vision/keras/read-keras-h5.js';
import { buildSmallDeepOcCnn, kerasConfigOf, setSeededWeights, writeKerasH5 } from '../fixtures/make-model-packs.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const LEAFSENSE = ['models', 'keras-h5-mobilenet-leafsense', 'keras_model.h5'] as const;

function seededInput(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return (await tf.max(tf.abs(tf.sub(a, b))).data())[0] as number;
}

function isStationError(code: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof StationError, `expected a StationError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

test('a Keras 2.2 model .h5 (with optimizer state) loads with every weight and predicts like the original', async () => {
  const dir = makeTempDir();
  const original = buildSmallDeepOcCnn({ classes: 5 });
  setSeededWeights(original, 7);
  const file = path.join(dir, 'model.h5');
  await writeKerasH5(file, original, { withOptimizer: true });

  const contents = await readKerasH5(file);
  assert.equal(contents.kerasVersion, '2.2.4-tf');
  assert.equal(contents.weightsOnly, false);
  assert.deepEqual(contents.layers.map((l) => l.name), original.layers.map((l) => l.name));
  assert.ok(contents.layers.every((layer) => layer.weights.every((w) => !w.name.includes('Adam'))), 'optimizer slots must not be read as weights');

  const { model, weightCount } = await loadKerasH5Model(file);
  assert.equal(weightCount, original.countParams());
  const x = seededInput([3, 32, 32, 3], 1);
  const expected = original.predict(x) as tf.Tensor;
  const actual = model.predict(x) as tf.Tensor;
  assert.equal(await maxAbsDiff(expected, actual), 0);
});

test('a weights-only .h5 (save_weights layout) loads into a topology supplied by the caller', async () => {
  const dir = makeTempDir();
  const original = buildSmallDeepOcCnn({ classes: 4 });
  setSeededWeights(original, 11);
  const file = path.join(dir, 'weights.h5');
  await writeKerasH5(file, original, { weightsOnly: true });
  const contents = await readKerasH5(file);
  assert.equal(contents.weightsOnly, true);
  assert.equal(contents.modelConfig, undefined);
  await assert.rejects(loadKerasH5Model(file), isStationError('MODEL_INVALID', /weights only/));

  const { model } = await loadKerasH5Model(file, { topology: kerasConfigOf(original, 'keras-2.4') });
  const x = seededInput([2, 32, 32, 3], 2);
  assert.equal(await maxAbsDiff(original.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor), 0);
});

test('weights whose shapes do not fit the model are reported by layer', async () => {
  const dir = makeTempDir();
  const threeClasses = buildSmallDeepOcCnn({ classes: 3 });
  const file = path.join(dir, 'weights.h5');
  await writeKerasH5(file, threeClasses, { weightsOnly: true });
  const fourClasses = buildSmallDeepOcCnn({ classes: 4 });
  await assert.rejects(
    loadKerasH5Model(file, { model: fourClasses }),
    isStationError('MODEL_INVALID', /layer "dense_1": weight "dense_1\/kernel:0" is \[16, 3\] in the file, the model expects \[16, 4\]/),
  );
});

test('truncated, empty and foreign files get MODEL_INVALID with a clear reason', async () => {
  const dir = makeTempDir();
  const model = buildSmallDeepOcCnn({ classes: 2 });
  const good = path.join(dir, 'good.h5');
  await writeKerasH5(good, model);
  const bytes = fs.readFileSync(good);
  const truncated = path.join(dir, 'truncated.h5');
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(readKerasH5(truncated), isStationError('MODEL_INVALID', /truncated\.h5.*truncated/));

  const empty = path.join(dir, 'empty.h5');
  fs.writeFileSync(empty, '');
  await assert.rejects(readKerasH5(empty), isStationError('MODEL_INVALID', /empty\.h5 is empty/));

  const text = path.join(dir, 'notes.h5');
  fs.writeFileSync(text, 'this is not a model\n'.repeat(100));
  await assert.rejects(readKerasH5(text), isStationError('MODEL_INVALID', /notes\.h5 is not an HDF5 file/));

  const zip = path.join(dir, 'model.keras');
  fs.writeFileSync(zip, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(600)]));
  await assert.rejects(readKerasH5(zip), isStationError('MODEL_INVALID', /zip archive/));

  await assert.rejects(readKerasH5(path.join(dir, 'missing.h5')), isStationError('MODEL_NOT_FOUND', /missing\.h5/));
});

test('an HDF5 file that is not a Keras model is refused by name', async () => {
  const dir = makeTempDir();
  const h5 = (await import('h5wasm/node')) as unknown as typeof import('h5wasm');
  await h5.ready;
  const file = path.join(dir, 'measurements.h5');
  const f = new h5.File(file, 'w');
  f.create_group('entry').create_dataset({ name: 'data', data: new Float32Array([1, 2, 3]) });
  f.close();
  await assert.rejects(readKerasH5(file), isStationError('MODEL_INVALID', /measurements\.h5 is an HDF5 file but not a Keras model.*entry/));
});

test('the shared LeafSense Keras 2.4 .h5 (Sequential in Sequential) loads and predicts 15 probabilities', { skip: skipUnlessShared(...LEAFSENSE) }, async () => {
  const { model, kerasVersion, weightCount } = await loadKerasH5Model(sharedPath(...LEAFSENSE));
  assert.equal(kerasVersion, '2.4.0');
  assert.equal(weightCount, model.countParams());
  assert.deepEqual(model.inputs[0]?.shape, [null, 224, 224, 3]);
  assert.deepEqual(model.outputs[0]?.shape, [null, 15]);
  // Real trained weights: not the initialisers' values.
  const conv1 = model.weights.find((w) => w.originalName === 'Conv1/kernel');
  assert.ok(conv1, 'Conv1/kernel is present');
  const probabilities = model.predict(seededInput([2, 224, 224, 3], 3)) as tf.Tensor;
  const values = await probabilities.array() as number[][];
  for (const row of values) {
    assert.equal(row.length, 15);
    assert.ok(row.every((p) => p >= 0 && p <= 1));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
});

test('damaged HDF5 files fail as StationErrors without HDF5 diagnostics or wasm abort text on stderr', async () => {
  const dir = makeTempDir();
  const model = buildSmallDeepOcCnn({ classes: 2 });
  const good = path.join(dir, 'good.h5');
  await writeKerasH5(good, model);
  const bytes = fs.readFileSync(good);
  const damaged: string[] = [];
  for (const fraction of [0.001, 0.01, 0.05, 0.3]) {
    const copy = Buffer.from(bytes);
    const at = Math.max(64, Math.floor(copy.length * fraction));
    for (let k = 0; k < 4096 && at + k < copy.length; k++) copy[at + k] = (k * 37 + 11) & 255;
    const file = path.join(dir, `damaged-${fraction}.h5`);
    fs.writeFileSync(file, copy);
    damaged.push(file);
  }
  const truncated = path.join(dir, 'truncated.h5');
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
  damaged.push(truncated);
  // A child process, so that what the wasm module prints can be seen.
  const script = `
    import { readKerasH5 } from ${JSON.stringify(new URL('../../main/core/vision/keras/read-keras-h5.ts', import.meta.url).href)};
    const outcomes = [];
    for (const file of ${JSON.stringify(damaged)}) {
      try { await readKerasH5(file); outcomes.push('read'); }
      catch (error) { outcomes.push(error.name === 'StationError' ? error.code : 'CRASH ' + error); }
    }
    const after = await readKerasH5(${JSON.stringify(good)});
    outcomes.push(after.layers.length > 0 ? 'good-after' : 'broken-after');
    process.stdout.write(JSON.stringify(outcomes));
  `;
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const outcomes = JSON.parse(result.stdout) as string[];
  assert.equal(outcomes.at(-1), 'good-after', 'the reader still works after a damaged file');
  assert.equal(outcomes.at(-2), 'MODEL_INVALID', 'the truncated file is MODEL_INVALID');
  assert.ok(outcomes.every((outcome) => outcome === 'read' || outcome === 'MODEL_INVALID' || outcome === 'good-after'), JSON.stringify(outcomes));
  assert.doesNotMatch(result.stderr, /HDF5-DIAG|Aborted|abort\(\)/);
});
