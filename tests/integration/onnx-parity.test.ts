/**
 * The compiled ONNX model against the tfjs reference, on real photos preprocessed the way
 * the classifier does it: same top-1 on every photo, probabilities within 1e-4.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import test from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import type { Preprocessing } from '../../main/core/vision/model-pack.js';
import { compileKerasToOnnx } from '../../main/core/vision/onnx/compile-keras-to-onnx.js';
import { preprocessPhoto } from '../../main/core/vision/preprocess.js';
import { buildXception } from '../../main/core/vision/keras/xception.js';
import { buildModelFromKerasConfig, loadKerasH5Model } from '../../main/core/vision/keras/read-keras-h5.js';
import { buildLayerCoverageModel, setSeededWeights } from '../helpers/keras-test-models.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';

const PHOTOS = [
  'data/flowers/daisy',
  'data/flowers/roses',
  'data/flowers/tulips',
  'data/photos-exif/canon-dslr.jpg',
  'data/photos-exif/IMG_20180725_163423-tiny.jpg',
  'data/photos-exif/door-knocker.jpg',
];

/** The photo paths that exist (a folder entry picks its first file, so names need not be fixed). */
function photoPaths(count = PHOTOS.length): string[] {
  return PHOTOS.map((p) => {
    const full = sharedPath(p);
    if (fs.existsSync(full) && fs.statSync(full).isDirectory()) return `${full}/${fs.readdirSync(full).sort()[0]}`;
    return full;
  }).filter((p) => fs.existsSync(p)).slice(0, count);
}

const TEACHABLE_MACHINE: Preprocessing = { height: 224, width: 224, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };

async function photoBatch(paths: string[], p: Preprocessing): Promise<tf.Tensor4D> {
  const size = p.height * p.width * 3;
  const data = new Float32Array(paths.length * size);
  for (const [i, file] of paths.entries()) {
    const { data: one } = await preprocessPhoto(fs.readFileSync(file), p, { maxPixels: 200e6, path: file });
    data.set(one, i * size);
  }
  return tf.tensor4d(data, [paths.length, p.height, p.width, 3]);
}

function argmax(values: ArrayLike<number>, from: number, length: number): number {
  let best = from;
  for (let i = from; i < from + length; i += 1) if (values[i]! > values[best]!) best = i;
  return best - from;
}

/** Compiles, runs ONNX Runtime and tfjs on the same batch, and checks the parity criteria. */
async function assertParity(model: tf.LayersModel, batch: tf.Tensor4D, label: string): Promise<void> {
  const reference = (model.predict(batch) as tf.Tensor).dataSync();
  const session = await ort.InferenceSession.create(compileKerasToOnnx(model), { intraOpNumThreads: 2 });
  const out = await session.run({ input: new ort.Tensor('float32', batch.dataSync() as Float32Array, batch.shape) });
  const probabilities = out.probabilities!.data as Float32Array;
  assert.equal(probabilities.length, reference.length);
  const classes = reference.length / batch.shape[0];
  let maxDiff = 0;
  for (let i = 0; i < reference.length; i += 1) maxDiff = Math.max(maxDiff, Math.abs(probabilities[i]! - reference[i]!));
  for (let n = 0; n < batch.shape[0]; n += 1) {
    assert.equal(argmax(probabilities, n * classes, classes), argmax(reference, n * classes, classes), `${label}: top-1 of photo ${n}`);
  }
  console.log(`# ${label}: ${batch.shape[0]} photos, max |p_onnx - p_tfjs| = ${maxDiff.toExponential(2)}`);
  assert.ok(maxDiff <= 1e-4, `${label}: max |p_onnx - p_tfjs| = ${maxDiff}`);
  await session.release();
}

test('TF.js Teachable Machine MobileNet (shared): ONNX matches tfjs on real photos', { skip: skipUnlessShared('models/tfjs-mobilenet-waste/model.json') }, async () => {
  await tf.setBackend('cpu');
  const dir = sharedPath('models/tfjs-mobilenet-waste');
  const json = JSON.parse(fs.readFileSync(`${dir}/model.json`, 'utf8')) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weights = fs.readFileSync(`${dir}/weights.bin`);
  const model = await tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  });
  await assertParity(model, await photoBatch(photoPaths(), TEACHABLE_MACHINE), 'tfjs-mobilenet-waste');
});

test('every supported layer type, seeded weights: ONNX matches tfjs on real photos', { skip: skipUnlessShared('data/flowers') }, async () => {
  await tf.setBackend('cpu');
  const model = buildLayerCoverageModel([61, 47]);
  setSeededWeights(model, 42);
  const p: Preprocessing = { height: 61, width: 47, resize: 'stretch', meanRgb: [124, 117, 104], stdRgb: [58, 57, 57], mode: 'torch' };
  await assertParity(model, await photoBatch(photoPaths(), p), 'layer coverage');
});

test('LeafSense Keras .h5 (shared, Sequential in Sequential): ONNX matches tfjs on real photos', { skip: skipUnlessShared('models/keras-h5-mobilenet-leafsense/keras_model.h5') }, async () => {
  await tf.setBackend('cpu');
  const { model } = await loadKerasH5Model(sharedPath('models/keras-h5-mobilenet-leafsense/keras_model.h5'));
  await assertParity(model, await photoBatch(photoPaths(4), TEACHABLE_MACHINE), 'leafsense');
});

test('Xception (Keras layer names), seeded weights, 299 px: ONNX matches tfjs-wasm on 2 real photos', { skip: skipUnlessShared('data/flowers') }, async () => {
  // tfjs' pure-JS backend needs ~37 s per Xception image; wasm ~1 s.
  await tf.setBackend('wasm');
  try {
    const model = buildXception({ inputShape: [299, 299, 3], classes: 10 });
    setSeededWeights(model, 7);
    const p: Preprocessing = { height: 299, width: 299, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
    await assertParity(model, await photoBatch(photoPaths(4).slice(2, 4), p), 'xception');
  } finally {
    await tf.setBackend('cpu');
  }
});

test('the shared Keras 2.2.4 Xception topology (normalised), seeded weights: ONNX matches tfjs-wasm on a real photo', { skip: skipUnlessShared('models/keras-xception-topology/model.json') || skipUnlessShared('data/flowers') }, async () => {
  await tf.setBackend('wasm');
  try {
    const json = JSON.parse(fs.readFileSync(sharedPath('models/keras-xception-topology/model.json'), 'utf8')) as { modelTopology: unknown };
    const model = await buildModelFromKerasConfig(json.modelTopology, 'keras-xception-topology/model.json');
    setSeededWeights(model, 3);
    const p: Preprocessing = { height: 299, width: 299, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
    await assertParity(model, await photoBatch(photoPaths(1), p), 'xception topology');
  } finally {
    await tf.setBackend('cpu');
  }
});
