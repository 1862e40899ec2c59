/**
 * createOnnxClassifier end to end: real image files, the compiled model in ONNX Runtime
 * worker threads, compared with tfjs on the same preprocessed input.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import type { ModelIdentity } from '../../main/core/vision/classifier.js';
import type { ModelPack, Preprocessing } from '../../main/core/vision/model-pack.js';
import { createOnnxClassifier } from '../../main/core/vision/inference/onnx-classifier.js';
import { compileKerasToOnnx } from '../../main/core/vision/onnx/compile-keras-to-onnx.js';
import { preprocessPhoto } from '../../main/core/vision/preprocess.js';
import { StationError } from '../../main/core/errors.js';
import { writeTinyOnnx } from '../fixtures/make-model-packs.js';
import { buildNestedSequentialModel, setSeededWeights } from '../helpers/keras-test-models.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SMALL: Preprocessing = { height: 16, width: 16, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };

function identity(name: string, labels: string[], contentHash = `hash-${name}`): ModelIdentity {
  return { name, version: '1', contentHash, format: 'tfjs-layers', sourcePath: `/models/${name}`, labels, preprocessing: {} };
}

function smallPack(contentHash = 'small', seed = 1): ModelPack {
  const model = buildNestedSequentialModel();
  setSeededWeights(model, seed);
  return { identity: identity('small', ['a', 'b', 'c'], contentHash), preprocessing: SMALL, layersModel: model, embeddingLayer: 'body_pool' };
}

/** A JPEG with a colour gradient, different per seed. */
async function writePhoto(dir: string, name: string, seed: number, width = 120, height = 80): Promise<string> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) raw.set([(x * 2 + seed * 40) % 256, (y * 3 + seed * 17) % 256, ((x + y) * seed) % 256], (y * width + x) * 3);
  const file = path.join(dir, name);
  await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toFile(file);
  return file;
}

async function reference(model: tf.LayersModel, file: string, p: Preprocessing): Promise<Float32Array> {
  const { data } = await preprocessPhoto(fs.readFileSync(file), p, { maxPixels: 200e6 });
  return (model.predict(tf.tensor4d(data, [1, p.height, p.width, 3])) as tf.Tensor).dataSync() as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i += 1) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

test('photos classified concurrently (batched in the worker) match tfjs, with their embeddings', async () => {
  const dir = makeTempDir();
  const pack = smallPack();
  const files = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((s) => writePhoto(dir, `p${s}.jpg`, s)));
  const classifier = await createOnnxClassifier(pack, { maxBatch: 3 });
  try {
    const results = await Promise.all(files.map((file) => classifier.classify({ bytes: fs.readFileSync(file), path: file })));
    const body = (pack.layersModel!.layers[0] as tf.LayersModel);
    for (const [i, file] of files.entries()) {
      const expected = await reference(pack.layersModel!, file, SMALL);
      assert.ok(maxAbsDiff(results[i]!.probabilities, expected) <= 1e-5, `probabilities of ${file}`);
      const { data } = await preprocessPhoto(fs.readFileSync(file), SMALL, { maxPixels: 1e8 });
      const embedding = (body.predict(tf.tensor4d(data, [1, 16, 16, 3])) as tf.Tensor).dataSync();
      assert.equal(results[i]!.embedding!.length, 4);
      assert.ok(maxAbsDiff(results[i]!.embedding!, embedding) <= 1e-5, `embedding of ${file}`);
    }
  } finally {
    await classifier.close();
  }
});

test('the compiled model is cached by content hash and reused without the Keras graph', async () => {
  const cacheDir = makeTempDir();
  const photoDir = makeTempDir();
  const file = await writePhoto(photoDir, 'x.jpg', 3);
  const first = await createOnnxClassifier(smallPack('cached-model'), { cacheDir });
  const cached = fs.readdirSync(cacheDir);
  assert.equal(cached.length, 1);
  assert.match(cached[0]!, /^[0-9a-f]{64}\.onnx$/);
  const expected = await first.classify({ bytes: fs.readFileSync(file), path: file });
  await first.close();
  // Same content hash, no layersModel: only the cache can provide the model.
  const again = await createOnnxClassifier({ ...smallPack('cached-model'), layersModel: undefined }, { cacheDir });
  const result = await again.classify({ bytes: fs.readFileSync(file), path: file });
  await again.close();
  assert.deepEqual(result.probabilities, expected.probabilities);
  assert.equal(fs.readdirSync(cacheDir).length, 1);
});

test('ten-crop TTA is deterministic, averages ten views and differs from the single view', async () => {
  const dir = makeTempDir();
  const file = await writePhoto(dir, 'tta.jpg', 5, 160, 90);
  const pack = smallPack('tta');
  const plain = await createOnnxClassifier(pack);
  const tta = await createOnnxClassifier(pack, { tta: true });
  try {
    const bytes = fs.readFileSync(file);
    const a = await tta.classify({ bytes, path: file });
    const b = await tta.classify({ bytes, path: file });
    const single = await plain.classify({ bytes, path: file });
    assert.deepEqual(a.probabilities, b.probabilities);
    assert.ok(Math.abs(a.probabilities.reduce((s, v) => s + v, 0) - 1) < 1e-5);
    assert.ok(maxAbsDiff(a.probabilities, single.probabilities) > 1e-6, 'ten views give another answer than the stretched frame');
    const { views, data } = await preprocessPhoto(bytes, SMALL, { maxPixels: 1e8, tenCrop: true });
    const perView = (pack.layersModel!.predict(tf.tensor4d(data, [views, 16, 16, 3])) as tf.Tensor2D).mean(0).dataSync();
    assert.ok(maxAbsDiff(a.probabilities, perView) <= 1e-5);
  } finally {
    await plain.close();
    await tta.close();
  }
});

test('a model that outputs NaN fails the photo with CLASSIFY_FAILED naming it', async () => {
  const pack = smallPack('nan');
  const head = pack.layersModel!.getLayer('head');
  const [kernel, bias] = head.getWeights();
  head.setWeights([kernel!, tf.fill(bias!.shape, Number.NaN)]);
  const dir = makeTempDir();
  const file = await writePhoto(dir, 'nan.jpg', 1);
  const classifier = await createOnnxClassifier(pack);
  try {
    await assert.rejects(classifier.classify({ bytes: fs.readFileSync(file), path: file }), (e: unknown) => e instanceof StationError && e.code === 'CLASSIFY_FAILED' && e.message.includes(file));
  } finally {
    await classifier.close();
  }
});

test('labels that do not match the model output are refused with MODEL_INVALID', async () => {
  const pack = { ...smallPack('labels'), identity: identity('wrong-labels', ['only', 'two']) };
  await assert.rejects(createOnnxClassifier(pack), (e: unknown) => e instanceof StationError && e.code === 'MODEL_INVALID' && /3 classes/.test(e.message));
});

test('ONNX bytes that are not a model are refused with MODEL_INVALID naming the model', async () => {
  const pack: ModelPack = { identity: identity('garbage', ['a']), preprocessing: SMALL, onnxModel: new Uint8Array(Buffer.from('this is not an onnx model at all')) };
  await assert.rejects(createOnnxClassifier(pack), (e: unknown) => e instanceof StationError && e.code === 'MODEL_INVALID' && e.message.includes('"garbage"'));
});

test('a damaged photo is rejected with its name and the classifier keeps working', async () => {
  const dir = makeTempDir();
  const good = await writePhoto(dir, 'good.jpg', 2);
  const bytes = fs.readFileSync(good);
  const classifier = await createOnnxClassifier(smallPack('damaged'));
  try {
    await assert.rejects(classifier.classify({ bytes: bytes.subarray(0, 200), path: 'truncated.jpg' }), (e: unknown) => e instanceof StationError && e.message.includes('truncated.jpg'));
    const result = await classifier.classify({ bytes, path: good });
    assert.equal(result.probabilities.length, 3);
  } finally {
    await classifier.close();
  }
});

test('a plain ONNX pack (bytes, no Keras graph) classifies like the Keras pack it came from', async () => {
  const dir = makeTempDir();
  const file = await writePhoto(dir, 'plain.jpg', 4);
  const keras = smallPack('plain-keras');
  const onnxBytes = compileKerasToOnnx(keras.layersModel!, { embeddingLayer: 'body_pool' });
  const plain = await createOnnxClassifier({ identity: { ...keras.identity, format: 'onnx' }, preprocessing: SMALL, onnxModel: onnxBytes });
  try {
    const result = await plain.classify({ bytes: fs.readFileSync(file), path: file });
    assert.ok(maxAbsDiff(result.probabilities, await reference(keras.layersModel!, file, SMALL)) <= 1e-5);
    assert.equal(result.embedding?.length, 4);
  } finally {
    await plain.close();
  }
});

test('a compiled .onnx file given as onnxPath is run without the pack graph or bytes; a missing one is MODEL_NOT_FOUND', async () => {
  const dir = makeTempDir();
  const file = await writePhoto(dir, 'from-file.jpg', 8);
  const keras = smallPack('from-file');
  const onnxPath = path.join(dir, 'model.onnx');
  fs.writeFileSync(onnxPath, compileKerasToOnnx(keras.layersModel!, { embeddingLayer: 'body_pool' }));
  const bare: ModelPack = { identity: keras.identity, preprocessing: SMALL };
  const classifier = await createOnnxClassifier(bare, { onnxPath });
  try {
    const result = await classifier.classify({ bytes: fs.readFileSync(file), path: file });
    assert.ok(maxAbsDiff(result.probabilities, await reference(keras.layersModel!, file, SMALL)) <= 1e-5);
  } finally {
    await classifier.close();
  }
  await assert.rejects(createOnnxClassifier(bare, { onnxPath: path.join(dir, 'gone.onnx') }), (e: unknown) => e instanceof StationError && e.code === 'MODEL_NOT_FOUND');
});

test('closing the classifier rejects photos still waiting, and later calls fail clearly', async () => {
  const dir = makeTempDir();
  const file = await writePhoto(dir, 'late.jpg', 6);
  const bytes = fs.readFileSync(file);
  const classifier = await createOnnxClassifier(smallPack('closing'));
  const pending = Array.from({ length: 6 }, () => classifier.classify({ bytes, path: file }).then(() => 'done', (e: unknown) => (e as StationError).code));
  await classifier.close();
  for (const outcome of await Promise.all(pending)) assert.ok(['done', 'CANCELLED', 'CLASSIFY_FAILED'].includes(outcome), String(outcome));
  await assert.rejects(classifier.classify({ bytes, path: file }), (e: unknown) => e instanceof StationError && e.code === 'CLASSIFY_FAILED');
});

test('the shared TF.js model classifies real photos in the worker as tfjs does', { skip: skipUnlessShared('models/tfjs-mobilenet-waste/model.json') }, async () => {
  const dir = sharedPath('models/tfjs-mobilenet-waste');
  const json = JSON.parse(fs.readFileSync(`${dir}/model.json`, 'utf8')) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weights = fs.readFileSync(`${dir}/weights.bin`);
  const model = await tf.loadLayersModel({
    load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((m) => m.weights), weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }),
  });
  const labels = (JSON.parse(fs.readFileSync(`${dir}/metadata.json`, 'utf8')) as { labels: string[] }).labels;
  const p: Preprocessing = { height: 224, width: 224, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
  const classifier = await createOnnxClassifier({ identity: identity('waste', labels), preprocessing: p, layersModel: model }, { cacheDir: makeTempDir() });
  try {
    const flowers = sharedPath('data/flowers/sunflowers');
    const files = fs.readdirSync(flowers).sort().slice(0, 3).map((f) => path.join(flowers, f));
    const results = await Promise.all(files.map((file) => classifier.classify({ bytes: fs.readFileSync(file), path: file })));
    for (const [i, file] of files.entries()) {
      assert.ok(maxAbsDiff(results[i]!.probabilities, await reference(model, file, p)) <= 1e-4, file);
    }
  } finally {
    await classifier.close();
  }
});

test('a model with a fixed batch size of 1 classifies photos in flight together, each as it would alone', async () => {
  const dir = makeTempDir();
  const modelFile = path.join(dir, 'fixed-batch.onnx');
  writeTinyOnnx(modelFile, { size: 16, classes: 3, seed: 5 });
  const pack: ModelPack = { identity: { ...identity('fixed', ['a', 'b', 'c']), format: 'onnx' }, preprocessing: SMALL, onnxModel: fs.readFileSync(modelFile) };
  const files = await Promise.all([1, 2, 3, 4, 5].map((seed) => writePhoto(dir, `p${seed}.jpg`, seed)));
  const batched = await createOnnxClassifier(pack, { maxBatch: 4 });
  const alone = await createOnnxClassifier(pack, { maxBatch: 1 });
  try {
    const together = await Promise.all(files.map((file) => batched.classify({ bytes: fs.readFileSync(file), path: file })));
    for (const [i, file] of files.entries()) {
      const single = await alone.classify({ bytes: fs.readFileSync(file), path: file });
      assert.ok(maxAbsDiff(together[i]!.probabilities, single.probabilities) <= 1e-6, `photo ${i} matches its single run`);
    }
    const tta = await createOnnxClassifier(pack, { tta: true });
    await tta.classify({ bytes: fs.readFileSync(files[0]!), path: files[0]! }).finally(() => tta.close());
  } finally {
    await batched.close();
    await alone.close();
  }
});
