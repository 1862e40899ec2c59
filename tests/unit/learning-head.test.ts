import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { seededRandom } from '../../main/core/seeded-random.js';
import { attachHeadToOnnx } from '../../main/core/learning/head-onnx.js';
import { classWeightsOf, predictHead, trainHead } from '../../main/core/learning/train-head.js';
import { compileKerasToOnnx } from '../../main/core/vision/onnx/compile-keras-to-onnx.js';

/** Gaussian-ish clusters (sum of uniforms) around seeded random centres, with an offset and scale per feature. */
function clusters(classes: number, perClass: number[], width: number, spread: number, seed: number): { x: Float32Array[]; y: number[] } {
  const random = seededRandom(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: width }, () => (random() - 0.5) * 4));
  const x: Float32Array[] = [];
  const y: number[] = [];
  centres.forEach((centre, c) => {
    for (let i = 0; i < perClass[c]!; i += 1) {
      // Features on very different scales and offsets, as real pooled features are: standardisation must cope.
      x.push(Float32Array.from(centre, (v, j) => (v + (random() + random() + random() - 1.5) * spread) * (1 + j) + 10 * j));
      y.push(c);
    }
  });
  return { x, y };
}

const accuracy = (probabilities: Float32Array[], y: number[]) => probabilities.filter((p, i) => p.indexOf(Math.max(...p)) === y[i]).length / y.length;

test('softmax regression learns separable clusters and its folded weights take raw embeddings', async () => {
  const train = clusters(3, [40, 40, 40], 12, 1, 1);
  const validation = clusters(3, [10, 10, 10], 12, 1, 1);
  const tensorsBefore = tf.memory().numTensors;
  const head = await trainHead(train, validation, 3, { seed: 4, maxEpochs: 60 });
  assert.equal(tf.memory().numTensors, tensorsBefore, 'training leaves no tensor behind');
  assert.equal(head.layers.length, 1);
  assert.deepEqual([head.layers[0]!.inputs, head.layers[0]!.units], [12, 3]);
  const probabilities = predictHead(head, validation.x);
  assert.ok(accuracy(probabilities, validation.y) >= 0.9, `validation accuracy ${accuracy(probabilities, validation.y)}`);
  for (const p of probabilities) assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  const last = head.history[head.bestEpoch - 1]!;
  assert.ok(Math.abs(last.validationAccuracy! - accuracy(probabilities, validation.y)) < 1e-9, 'the kept weights are the best epoch\'s, evaluated on standardised inputs during training');
});

test('the same seed gives the same head; another seed another one', async () => {
  const data = clusters(2, [20, 20], 6, 2, 3);
  const a = await trainHead(data, null, 2, { seed: 9, maxEpochs: 5 });
  const b = await trainHead(data, null, 2, { seed: 9, maxEpochs: 5 });
  const c = await trainHead(data, null, 2, { seed: 10, maxEpochs: 5 });
  assert.deepEqual(a.layers[0]!.kernel, b.layers[0]!.kernel);
  assert.deepEqual(a.layers[0]!.bias, b.layers[0]!.bias);
  assert.notDeepEqual(a.layers[0]!.kernel, c.layers[0]!.kernel);
});

test('class weighting: the rare species is weighed up and recalled more often', async () => {
  assert.deepEqual(classWeightsOf([0, 0, 0, 1], 2), [4 / 6, 2]);
  const train = clusters(2, [120, 12], 4, 6, 11);
  const test = clusters(2, [200, 200], 4, 6, 11);
  const options = { seed: 2, maxEpochs: 40 };
  const weighted = await trainHead(train, null, 2, { ...options, classWeighting: true });
  const plain = await trainHead(train, null, 2, { ...options, classWeighting: false });
  const rareRecall = (head: typeof weighted) => {
    const p = predictHead(head, test.x.slice(200));
    return p.filter((v) => v[1]! > v[0]!).length / p.length;
  };
  assert.ok(rareRecall(weighted) > rareRecall(plain), `weighted ${rareRecall(weighted)} vs plain ${rareRecall(plain)}`);
});

test('early stopping ends training when the validation loss stops improving and keeps the best epoch', async () => {
  // Few photos, heavy overlap: the validation loss turns up quickly.
  const train = clusters(2, [8, 8], 30, 8, 21);
  const validation = clusters(2, [8, 8], 30, 8, 22);
  const head = await trainHead(train, validation, 2, { seed: 1, maxEpochs: 300, patience: 5, l2: 0, learningRate: 0.05 });
  assert.equal(head.stoppedEarly, true);
  assert.ok(head.epochsRun < 300);
  assert.equal(head.epochsRun - head.bestEpoch, 5);
  const best = Math.min(...head.history.map((h) => h.validationLoss!));
  assert.equal(head.history[head.bestEpoch - 1]!.validationLoss, best);
});

test('a hidden layer head trains and predicts through ReLU', async () => {
  // XOR-like layout: not linearly separable.
  const random = seededRandom(8);
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const a = random() - 0.5;
    const b = random() - 0.5;
    x.push(Float32Array.from([a, b]));
    y.push(a * b > 0 ? 1 : 0);
  }
  const head = await trainHead({ x, y }, null, 2, { seed: 3, hiddenUnits: 16, maxEpochs: 150, learningRate: 0.02, l2: 0 });
  assert.deepEqual(head.layers.map((l) => l.activation), ['relu', 'softmax']);
  assert.ok(accuracy(predictHead(head, x), y) > 0.85, `XOR accuracy ${accuracy(predictHead(head, x), y)}`);
});

function tinyBackbone(): tf.LayersModel {
  const input = tf.input({ shape: [9, 9, 3] });
  const conv = tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), name: 'conv' }).apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), name: 'old_head' }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

test('the head appended to the backbone ONNX graph gives the same probabilities as the head in JS', async () => {
  const model = tinyBackbone();
  const backbone = compileKerasToOnnx(model, { embeddingLayer: 'pool' });
  const random = seededRandom(5);
  const photos = Float32Array.from({ length: 3 * 9 * 9 * 3 }, () => random() * 2 - 1);
  const before = await ort.InferenceSession.create(backbone);
  const embeddingOut = (await before.run({ input: new ort.Tensor('float32', photos, [3, 9, 9, 3]) })).embedding!;
  const embeddings = [0, 1, 2].map((i) => (embeddingOut.data as Float32Array).slice(i * 6, (i + 1) * 6));

  const head = await trainHead({ x: embeddings, y: [0, 1, 2] }, null, 3, { seed: 1, hiddenUnits: 5, maxEpochs: 3 });
  const combined = attachHeadToOnnx(backbone, head.layers, 'tiny');
  const session = await ort.InferenceSession.create(combined);
  assert.deepEqual([...session.outputNames].sort(), ['embedding', 'probabilities']);
  const out = await session.run({ input: new ort.Tensor('float32', photos, [3, 9, 9, 3]) });
  assert.deepEqual(out.probabilities!.dims, [3, 3]);
  assert.deepEqual(Array.from(out.embedding!.data as Float32Array), Array.from(embeddingOut.data as Float32Array), 'the backbone part is untouched');
  const expected = predictHead(head, embeddings);
  const got = out.probabilities!.data as Float32Array;
  expected.forEach((row, i) => row.forEach((v, c) => assert.ok(Math.abs(v - got[i * 3 + c]!) < 1e-5, `photo ${i} class ${c}: ${got[i * 3 + c]} vs ${v}`)));
  model.dispose();
});

test('a backbone without an embedding output is refused with a clear message', () => {
  const model = tinyBackbone();
  const plain = compileKerasToOnnx(model);
  assert.throws(() => attachHeadToOnnx(plain, [{ inputs: 6, units: 2, kernel: new Float32Array(12), bias: new Float32Array(2), activation: 'softmax' }], 'plain'), /no "embedding" output/);
  const backbone = compileKerasToOnnx(model, { embeddingLayer: 'pool' });
  assert.throws(() => attachHeadToOnnx(backbone, [{ inputs: 7, units: 2, kernel: new Float32Array(14), bias: new Float32Array(2), activation: 'softmax' }], 'tiny'), /emits 6 features but the head was trained on 7/);
  model.dispose();
});
