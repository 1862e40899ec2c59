import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { loadModelPack } from '../../main/core/vision/packs/load-model-pack.js';
import { buildSmallDeepOcCnn, setSeededWeights, writeKerasH5, writeTfjsFolder, writeTinyOnnx } from '../fixtures/make-model-packs.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { rejectsWith } from '../helpers/station-error.js';

async function assertProbabilityRows(model: tf.LayersModel, size: number, classes: number): Promise<void> {
  const x = tf.randomUniform([2, size, size, 3], -1, 1, 'float32', 8);
  const rows = (await (model.predict(x) as tf.Tensor).array()) as number[][];
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.equal(row.length, classes);
    assert.ok(row.every((p) => Number.isFinite(p) && p >= 0 && p <= 1), 'probabilities lie in [0, 1]');
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to 1');
  }
}

test('the shared LeafSense .h5 pack: Teachable Machine export (labels, centre crop, [-1, 1]), valid probabilities', { skip: skipUnlessShared('models', 'keras-h5-mobilenet-leafsense', 'keras_model.h5') }, async () => {
  const pack = await loadModelPack(sharedPath('models', 'keras-h5-mobilenet-leafsense', 'keras_model.h5'));
  assert.equal(pack.identity.format, 'keras-h5');
  assert.equal(pack.identity.labels.length, 15);
  assert.equal(pack.identity.labels[0], 'Tomato_healthy');
  assert.equal(pack.identity.labels[14], 'Pepper_bell_Bacterial_spot');
  assert.deepEqual(pack.preprocessing, { height: 224, width: 224, resize: 'centre-crop', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' });
  assert.equal(pack.embeddingLayer, 'global_average_pooling2d_GlobalAveragePooling2D2');
  assert.ok(pack.layersModel);
  await assertProbabilityRows(pack.layersModel, 224, 15);
  // The folder is the same pack.
  const again = await loadModelPack(sharedPath('models', 'keras-h5-mobilenet-leafsense'));
  assert.equal(again.identity.contentHash, pack.identity.contentHash);
});

test('the shared Teachable Machine TF.js pack: 12 labels from metadata.json, 224x224 input, valid probabilities', { skip: skipUnlessShared('models', 'tfjs-mobilenet-waste', 'model.json') }, async () => {
  const pack = await loadModelPack(sharedPath('models', 'tfjs-mobilenet-waste'));
  assert.equal(pack.identity.format, 'tfjs-layers');
  assert.equal(pack.identity.labels.length, 12);
  assert.deepEqual(pack.identity.labels.slice(0, 3), ['Battery', 'biological', 'brown-glass']);
  // @teachablemachine/image: cropTo (centre crop) and x / 127 - 1.
  assert.deepEqual(pack.preprocessing, { height: 224, width: 224, resize: 'centre-crop', meanRgb: [127, 127, 127], stdRgb: [127, 127, 127], mode: 'torch' });
  assert.deepEqual(pack.layersModel?.inputs[0]?.shape, [null, 224, 224, 3]);
  assert.deepEqual(pack.layersModel?.outputs[0]?.shape, [null, 12]);
  assert.ok(pack.embeddingLayer);
  assert.ok(pack.layersModel);
  await assertProbabilityRows(pack.layersModel, 224, 12);
  const viaJson = await loadModelPack(sharedPath('models', 'tfjs-mobilenet-waste', 'model.json'));
  assert.equal(viaJson.identity.contentHash, pack.identity.contentHash);
});

test('a Keras .h5 pack: indexed labels, inferred preprocessing, preprocessing.json override, label count check', async () => {
  const dir = makeTempDir();
  const model = buildSmallDeepOcCnn({ classes: 3, inputSize: 40 });
  setSeededWeights(model, 21);
  const h5 = path.join(dir, 'weeds.h5');
  await assert.rejects(loadModelPack(dir), rejectsWith('MODEL_INVALID', /holds no model/));
  await writeKerasH5(h5, model, { kerasVersion: '2.3.1' });
  await assert.rejects(loadModelPack(h5), rejectsWith('MODEL_INVALID', /no labels\.txt or classes\.txt beside it/));
  fs.writeFileSync(path.join(dir, 'labels.txt'), '0 Acacia dealbata\n1 Opuntia ficus-indica\n2 Arundo donax\n');
  const pack = await loadModelPack(h5);
  assert.deepEqual(pack.identity.labels, ['Acacia dealbata', 'Opuntia ficus-indica', 'Arundo donax']);
  assert.equal(pack.identity.name, 'weeds');
  assert.equal(pack.identity.version, 'keras 2.3.1');
  assert.deepEqual(pack.preprocessing, { height: 40, width: 40, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' });
  assert.ok(pack.layersModel);
  await assertProbabilityRows(pack.layersModel, 40, 3);

  fs.writeFileSync(path.join(dir, 'preprocessing.json'), JSON.stringify({ mean: [120, 110, 100], std: [60, 61, 62], mode: 'torch' }));
  const overridden = await loadModelPack(h5);
  assert.deepEqual(overridden.preprocessing, { height: 40, width: 40, resize: 'stretch', meanRgb: [120, 110, 100], stdRgb: [60, 61, 62], mode: 'torch' });
  assert.notEqual(overridden.identity.contentHash, pack.identity.contentHash, 'the preprocessing file is part of the pack');

  fs.writeFileSync(path.join(dir, 'preprocessing.json'), JSON.stringify({ mode: 'inception' }));
  await assert.rejects(loadModelPack(h5), rejectsWith('MODEL_INVALID', /preprocessing\.json is not a valid preprocessing description.*mode/));
  fs.rmSync(path.join(dir, 'preprocessing.json'));
  fs.writeFileSync(path.join(dir, 'labels.txt'), 'one\ntwo\n');
  await assert.rejects(loadModelPack(h5), rejectsWith('MODEL_INVALID', /labels\.txt lists 2 labels but weeds\.h5's output layer has 3 units/));
});

test('a TF.js folder written by tfjs loads by model.json, and a short weights file is refused', async () => {
  const dir = path.join(makeTempDir(), 'tm-model');
  const model = buildSmallDeepOcCnn({ classes: 4, inputSize: 32 });
  setSeededWeights(model, 33);
  await writeTfjsFolder(dir, model, { labels: ['a', 'b', 'c', 'd'], teachableMachine: true });
  const pack = await loadModelPack(path.join(dir, 'model.json'));
  assert.deepEqual(pack.identity.labels, ['a', 'b', 'c', 'd']);
  assert.equal(pack.identity.name, 'tm-test-model');
  assert.deepEqual(pack.preprocessing, { height: 32, width: 32, resize: 'centre-crop', meanRgb: [127, 127, 127], stdRgb: [127, 127, 127], mode: 'torch' });
  const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 9);
  const diff = tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, pack.layersModel?.predict(x) as tf.Tensor)));
  assert.equal((await diff.data())[0], 0);

  const weights = fs.readFileSync(path.join(dir, 'weights.bin'));
  fs.writeFileSync(path.join(dir, 'weights.bin'), weights.subarray(0, weights.length - 16));
  await assert.rejects(loadModelPack(dir), rejectsWith('MODEL_INVALID', /describes \d+ bytes of weights but its weight files hold \d+/));
  fs.rmSync(path.join(dir, 'weights.bin'));
  await assert.rejects(loadModelPack(dir), rejectsWith('MODEL_INVALID', /weights file "weights\.bin", which is missing/));
});

test('a plain .onnx pack needs labels and preprocessing.json, and keeps the model bytes intact', async () => {
  const dir = makeTempDir();
  const onnxPath = path.join(dir, 'tiny.onnx');
  writeTinyOnnx(onnxPath, { size: 16, classes: 3 });
  fs.writeFileSync(path.join(dir, 'classes.txt'), 'x\ny\nz\n');
  await assert.rejects(loadModelPack(onnxPath), rejectsWith('MODEL_INVALID', /needs a preprocessing\.json/));
  fs.writeFileSync(path.join(dir, 'preprocessing.json'), JSON.stringify({ mean: [127.5, 127.5, 127.5], mode: 'tf' }));
  const pack = await loadModelPack(dir);
  assert.equal(pack.identity.format, 'onnx');
  assert.deepEqual(pack.identity.labels, ['x', 'y', 'z']);
  assert.deepEqual(pack.preprocessing, { height: 16, width: 16, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' });
  assert.equal(pack.layersModel, undefined);
  assert.ok(pack.onnxModel);
  assert.deepEqual(Buffer.from(pack.onnxModel), fs.readFileSync(onnxPath));
  const session = await ort.InferenceSession.create(pack.onnxModel);
  const result = await session.run({ image: new ort.Tensor('float32', new Float32Array(16 * 16 * 3).fill(0.5), [1, 16, 16, 3]) });
  const probabilities = result.probabilities?.data as Float32Array;
  assert.equal(probabilities.length, 3);
  assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);

  fs.writeFileSync(path.join(dir, 'classes.txt'), 'x\ny\n');
  await assert.rejects(loadModelPack(onnxPath), rejectsWith('MODEL_INVALID', /classes\.txt lists 2 labels but tiny\.onnx's output "probabilities" has 3 classes/));
  fs.writeFileSync(onnxPath, Buffer.from('definitely not protobuf \xff\xff\xff\xff'));
  await assert.rejects(loadModelPack(onnxPath), rejectsWith('MODEL_INVALID', /tiny\.onnx is not an ONNX model/));
});

test('missing paths, empty files and unknown kinds get clear errors', async () => {
  const dir = makeTempDir();
  await assert.rejects(loadModelPack(path.join(dir, 'nowhere.h5')), rejectsWith('MODEL_NOT_FOUND', /nowhere\.h5 does not exist/));
  fs.writeFileSync(path.join(dir, 'empty.tar.gz'), '');
  await assert.rejects(loadModelPack(path.join(dir, 'empty.tar.gz')), rejectsWith('MODEL_INVALID', /empty\.tar\.gz is empty/));
  fs.writeFileSync(path.join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  await assert.rejects(loadModelPack(path.join(dir, 'photo.jpg')), rejectsWith('MODEL_INVALID', /photo\.jpg is not a model pack/));
  fs.writeFileSync(path.join(dir, 'model.keras'), 'PK\x03\x04');
  await assert.rejects(loadModelPack(path.join(dir, 'model.keras')), rejectsWith('MODEL_UNSUPPORTED', /Keras 3/));
  fs.writeFileSync(path.join(dir, 'fake.h5'), 'not hdf5 at all');
  fs.writeFileSync(path.join(dir, 'labels.txt'), 'a\n');
  await assert.rejects(loadModelPack(path.join(dir, 'fake.h5')), rejectsWith('MODEL_INVALID', /fake\.h5 is not an HDF5 file/));
});
