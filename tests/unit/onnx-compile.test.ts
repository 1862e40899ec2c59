import assert from 'node:assert/strict';
import test from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { StationError } from '../../main/core/errors.js';
import { compileKerasToOnnx, samePadding } from '../../main/core/vision/onnx/compile-keras-to-onnx.js';
import { buildLayerCoverageModel, buildNestedSequentialModel, setSeededWeights } from '../helpers/keras-test-models.js';

const { onnx } = onnxProto;

async function runOnnx(bytes: Uint8Array, x: tf.Tensor): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  return session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of values');
  let d = 0;
  for (let i = 0; i < a.length; i += 1) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function opTypes(bytes: Uint8Array): string[] {
  return onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!);
}

test('TF "same" padding puts the odd pixel at the end, as TensorFlow does', () => {
  assert.deepEqual(samePadding(74, 3, 2, 1), [0, 1]); // Xception's 74 -> 37 pooling at 299 px
  assert.deepEqual(samePadding(147, 3, 2, 1), [1, 1]); // 147 -> 74: odd sizes pad evenly
  assert.deepEqual(samePadding(8, 3, 2, 1), [0, 1]);
  assert.deepEqual(samePadding(9, 3, 2, 1), [1, 1]);
  assert.deepEqual(samePadding(10, 3, 1, 2), [2, 2]);
  assert.equal(samePadding(null, 3, 2, 1), null);
});

test('a model using every supported layer type matches tfjs on a batch of 3 (probabilities and embedding)', async () => {
  const model = buildLayerCoverageModel();
  setSeededWeights(model, 11);
  const x = tf.randomUniform([3, 33, 29, 3], -1, 1, 'float32', 5);
  const probabilities = (model.predict(x) as tf.Tensor).dataSync();
  const embeddingModel = tf.model({ inputs: model.inputs, outputs: model.getLayer('embedding_pool').output as tf.SymbolicTensor });
  const embedding = (embeddingModel.predict(x) as tf.Tensor).dataSync();

  const out = await runOnnx(compileKerasToOnnx(model, { embeddingLayer: 'embedding_pool' }), x);
  assert.deepEqual(out.probabilities!.dims, [3, 5]);
  assert.deepEqual(out.embedding!.dims, [3, 24]);
  assert.ok(maxAbsDiff(out.probabilities!.data as Float32Array, probabilities) <= 1e-5);
  assert.ok(maxAbsDiff(out.embedding!.data as Float32Array, embedding) <= 1e-5);
});

test('compiling leaves the tfjs model weights untouched (folding works on copies)', () => {
  const model = buildLayerCoverageModel();
  setSeededWeights(model, 2);
  const before = model.getWeights().map((w) => Array.from(w.dataSync()));
  compileKerasToOnnx(model);
  const after = model.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(after, before);
});

test('BatchNormalization folds into the preceding convolution: no Mul/Add left for conv -> BN', async () => {
  const input = tf.input({ shape: [12, 12, 3] });
  let y = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'c' }).apply(input) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: 'bn' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 's' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: 'bn2' }).apply(y) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: y });
  setSeededWeights(model, 3);
  const bytes = compileKerasToOnnx(model);
  const ops = opTypes(bytes);
  assert.equal(ops.filter((o) => o === 'Mul' || o === 'Add').length, 0, `ops: ${ops.join(' ')}`);
  assert.equal(ops.filter((o) => o === 'Conv').length, 3);
  // Input transposed to NCHW once, output back to NHWC once.
  assert.equal(ops.filter((o) => o === 'Transpose').length, 2);
  const x = tf.randomUniform([2, 12, 12, 3], -1, 1, 'float32', 9);
  const out = await runOnnx(bytes, x);
  assert.ok(maxAbsDiff(out.probabilities!.data as Float32Array, (model.predict(x) as tf.Tensor).dataSync()) <= 1e-5);
});

test('a BatchNormalization whose convolution output also feeds another layer is not folded', async () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const c = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'c' }).apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(c) as tf.SymbolicTensor;
  const y = tf.layers.add({ name: 'sum' }).apply([c, bn]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: y });
  setSeededWeights(model, 4);
  const bytes = compileKerasToOnnx(model);
  assert.ok(opTypes(bytes).includes('Mul'));
  const x = tf.randomUniform([1, 8, 8, 3], -1, 1, 'float32', 1);
  const out = await runOnnx(bytes, x);
  assert.ok(maxAbsDiff(out.probabilities!.data as Float32Array, (model.predict(x) as tf.Tensor).dataSync()) <= 1e-5);
});

test('a Sequential nested in a Sequential is flattened; an embedding layer inside it can be named', async () => {
  const model = buildNestedSequentialModel();
  setSeededWeights(model, 6);
  const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 2);
  const out = await runOnnx(compileKerasToOnnx(model, { embeddingLayer: 'body_pool' }), x);
  assert.ok(maxAbsDiff(out.probabilities!.data as Float32Array, (model.predict(x) as tf.Tensor).dataSync()) <= 1e-5);
  const body = model.layers[0] as tf.LayersModel;
  assert.ok(maxAbsDiff(out.embedding!.data as Float32Array, (body.predict(x) as tf.Tensor).dataSync()) <= 1e-5);
});

test('an input of unknown height and width compiles with SAME_UPPER pads and matches tfjs at several sizes', async () => {
  const input = tf.input({ shape: [null, null, 3] as unknown as number[] });
  let y = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'c' }).apply(input) as tf.SymbolicTensor;
  y = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'p' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.globalAveragePooling2d({ name: 'g' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.dense({ units: 3, activation: 'softmax', name: 'd' }).apply(y) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: y });
  setSeededWeights(model, 8);
  const bytes = compileKerasToOnnx(model);
  const autoPads = onnx.ModelProto.decode(bytes).graph!.node!.flatMap((n) => n.attribute!.filter((a) => a.name === 'auto_pad'));
  assert.equal(autoPads.length, 2);
  for (const [h, w] of [[8, 8], [9, 7], [12, 5]] as const) {
    const x = tf.randomUniform([1, h, w, 3], -1, 1, 'float32', h * w);
    const out = await runOnnx(bytes, x);
    assert.ok(maxAbsDiff(out.probabilities!.data as Float32Array, (model.predict(x) as tf.Tensor).dataSync()) <= 1e-5, `${h}x${w}`);
  }
});

test('unsupported layers are all named, with their class, in one MODEL_UNSUPPORTED error', () => {
  const input = tf.input({ shape: [8, 8, 3] });
  let y = tf.layers.upSampling2d({ size: [2, 2], name: 'grow' }).apply(input) as tf.SymbolicTensor;
  y = tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'ok_conv' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.cropping2D({ cropping: 1, name: 'trim' }).apply(y) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: y });
  assert.throws(
    () => compileKerasToOnnx(model),
    (error: unknown) =>
      error instanceof StationError &&
      error.code === 'MODEL_UNSUPPORTED' &&
      /UpSampling2D "grow"/.test(error.message) &&
      /Cropping2D "trim"/.test(error.message) &&
      !/ok_conv/.test(error.message),
  );
});

test('an embedding layer that is not in the model is a MODEL_INVALID error naming it', () => {
  const model = buildNestedSequentialModel();
  assert.throws(() => compileKerasToOnnx(model, { embeddingLayer: 'no_such_layer' }), /no_such_layer/);
});
