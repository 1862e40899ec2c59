/**
 * The int8 compiler: activation ranges, per-channel int8 weights, the QDQ graph that ONNX
 * Runtime fuses into int8 kernels, and the fidelity gate.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { splitPhotos } from '../../main/core/vision/int8-photos.js';
import { compileKerasToOnnx } from '../../main/core/vision/onnx/compile-keras-to-onnx.js';
import { RangeCollector, uint8Parameters } from '../../main/core/vision/onnx/int8/activation-ranges.js';
import { type CalibrationInput, compileInt8Model } from '../../main/core/vision/onnx/int8/compile-int8.js';
import { biasCorrection, quantizeWeights } from '../../main/core/vision/onnx/int8/emit-qdq.js';
import { setSeededWeights } from '../helpers/keras-test-models.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const { onnx } = onnxProto;

test('ranges: min/max exact; a percentile leaves a rare outlier out, also after the histogram grew', () => {
  const c = new RangeCollector();
  c.add(Float32Array.from({ length: 10_000 }, (_, i) => (i % 100) / 100)); // 0 .. 0.99
  c.add(Float32Array.from({ length: 10_000 }, (_, i) => -((i % 50) / 10))); // -4.9 .. 0, grows the range
  c.add(Float32Array.of(1000)); // one outlier in 20,001 values
  assert.deepEqual(c.range({ kind: 'minmax' }), [-4.900000095367432, 1000]);
  const [low, high] = c.range({ kind: 'percentile', percentile: 99.99 });
  assert.ok(high >= 0.99 && high < 1.5, `upper bound ${high} ignores the outlier and keeps the bulk`);
  assert.ok(low <= -4.8 && low >= -5.5, `lower bound ${low}`);
});

test('uint8 parameters represent 0 exactly and cover the range', () => {
  for (const range of [[-1.3, 2.9], [0, 6], [0.5, 3], [-4, -1]] as [number, number][]) {
    const { scale, zeroPoint } = uint8Parameters(range);
    assert.ok(Number.isInteger(zeroPoint) && zeroPoint >= 0 && zeroPoint <= 255);
    assert.ok((0 - zeroPoint) * scale <= Math.min(range[0], 0) + scale / 2);
    assert.ok((255 - zeroPoint) * scale >= Math.max(range[1], 0) - scale / 2);
  }
  assert.deepEqual(uint8Parameters([0, 6]), { scale: 6 / 255, zeroPoint: 0 }, 'ReLU outputs: zero point 0, so the ReLU is redundant');
});

test('weights: one symmetric scale per output channel, 8-bit or 7-bit, error at most half a step', () => {
  const w = Float32Array.from({ length: 3 * 18 }, (_, i) => Math.sin(i * 0.7) * (1 + Math.floor(i / 18) * 10));
  for (const reduceRange of [false, true]) {
    const { q, scales } = quantizeWeights(w, 3, reduceRange);
    assert.equal(scales.length, 3);
    const qmax = reduceRange ? 63 : 127;
    assert.ok(scales[2]! > scales[0]! * 5, 'a channel ten times larger gets its own larger scale');
    for (let i = 0; i < w.length; i += 1) {
      const s = scales[Math.floor(i / 18)]!;
      assert.ok(Math.abs(q[i]!) <= qmax);
      assert.ok(Math.abs(q[i]! * s - w[i]!) <= s / 2 + 1e-7);
    }
  }
});

test('bias correction: each output channel absorbs the mean error of its rounded weights (grouped convolutions too)', () => {
  // 4 outputs, 2 groups, 2 inputs per group, 1x2 kernels.
  const w = Float32Array.from({ length: 4 * 2 * 2 }, (_, i) => Math.cos(i) * 0.37);
  const { q, scales } = quantizeWeights(w, 4, false);
  const mean = Float64Array.of(1, -2, 0.5, 3); // input channels 0..3
  const shift = biasCorrection(w, q, scales, [4, 2, 1, 2], 2, mean);
  for (let o = 0; o < 4; o += 1) {
    let expected = 0;
    for (let i = 0; i < 2; i += 1) {
      for (let j = 0; j < 2; j += 1) {
        const index = (o * 2 + i) * 2 + j;
        expected += (q[index]! * scales[o]! - w[index]!) * mean[Math.floor(o / 2) * 2 + i]!;
      }
    }
    assert.ok(Math.abs(shift[o]! - expected) < 1e-7, `channel ${o}`);
  }
  // A constant input equal to the means: the corrected int8 layer gives the FP32 output exactly.
  const fp32Out = (o: number) => [0, 1].reduce((s, i) => s + [0, 1].reduce((t, j) => t + w[(o * 2 + i) * 2 + j]! * mean[Math.floor(o / 2) * 2 + i]!, 0), 0);
  const int8Out = (o: number) => [0, 1].reduce((s, i) => s + [0, 1].reduce((t, j) => t + q[(o * 2 + i) * 2 + j]! * scales[o]! * mean[Math.floor(o / 2) * 2 + i]!, 0), 0) - shift[o]!;
  for (let o = 0; o < 4; o += 1) assert.ok(Math.abs(fp32Out(o) - int8Out(o)) < 1e-6);
});

function buildResidualNet(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'stem' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'stem_act' }).apply(x) as tf.SymbolicTensor;
  const shortcut = tf.layers.conv2d({ filters: 16, kernelSize: 1, strides: 2, padding: 'same', name: 'shortcut' }).apply(x) as tf.SymbolicTensor;
  let y = tf.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same', useBias: false, name: 'sep' }).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: 'sep_bn' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'pool' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.add({ name: 'residual' }).apply([y, shortcut]) as tf.SymbolicTensor;
  y = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(y) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 5, activation: 'softmax', name: 'predictions' }).apply(y) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  setSeededWeights(model, 4);
  return model;
}

function randomInputs(count: number, seed: number): CalibrationInput[] {
  const all = tf.randomUniform([count, 32, 32, 3], -1, 1, 'float32', seed).dataSync() as Float32Array;
  return Array.from({ length: count }, (_, i) => ({ data: all.slice(i * 3072, (i + 1) * 3072), dims: [1, 32, 32, 3] }));
}

test('the QDQ graph: int8 per-channel weights, int32 biases, uint8 activations; ONNX Runtime fuses it to QLinearConv/QLinearAdd and stays close to FP32', async () => {
  const fp32 = compileKerasToOnnx(buildResidualNet(), { embeddingLayer: 'avg_pool' });
  const heldOut = randomInputs(60, 2);
  const result = await compileInt8Model(fp32, { calibration: randomInputs(40, 1), heldOut, minAgreement: 0, threads: 1 });
  assert.ok(result.bytes, result.report.reason);
  assert.equal(result.report.kept, true);
  assert.equal(result.report.quantizedConvolutions, 4, 'stem, shortcut, depthwise and pointwise halves');
  assert.equal(result.report.calibrationPhotos, 40);
  assert.deepEqual(result.report.candidates.map((c) => c.method), ['minmax', 'percentile-99.999', 'percentile-99.99']);

  const graph = onnx.ModelProto.decode(result.bytes).graph!;
  const inits = new Map(graph.initializer!.map((t) => [t.name!, t]));
  const convs = graph.node!.filter((n) => n.opType === 'Conv');
  for (const conv of convs) {
    const [x, w, b] = conv.input!.map((name) => graph.node!.find((n) => n.output!.includes(name))!);
    assert.equal(x!.opType, 'DequantizeLinear');
    assert.equal(inits.get(x!.input![2]!)!.dataType, onnx.TensorProto.DataType.UINT8, 'activations uint8');
    assert.equal(w!.opType, 'DequantizeLinear');
    const weight = inits.get(w!.input![0]!)!;
    assert.equal(weight.dataType, onnx.TensorProto.DataType.INT8, 'weights int8');
    assert.equal(Number(inits.get(w!.input![1]!)!.dims![0]), Number(weight.dims![0]), 'one scale per output channel');
    assert.equal(Number(w!.attribute!.find((a) => a.name === 'axis')!.i), 0);
    assert.ok(inits.get(w!.input![2]!)!.rawData!.every((v) => v === 0), 'symmetric: zero points 0');
    assert.equal(inits.get(b!.input![0]!)!.dataType, onnx.TensorProto.DataType.INT32, 'bias int32');
  }
  assert.ok(!graph.initializer!.some((t) => t.name === convs[0]!.input![1]), 'no FP32 copy of the weights left');

  const dir = makeTempDir();
  const optimized = path.join(dir, 'optimized.onnx');
  const session = await ort.InferenceSession.create(result.bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized, intraOpNumThreads: 1 });
  const ops = onnx.ModelProto.decode(fs.readFileSync(optimized)).graph!.node!.map((n) => n.opType);
  assert.equal(ops.filter((o) => o === 'QLinearConv').length, 4, `fused ops: ${ops.join(' ')}`);
  assert.ok(ops.includes('QLinearAdd'), 'the residual add runs in int8');
  assert.ok(!ops.includes('Conv') && !ops.includes('FusedConv'), 'no FP32 convolution left');

  const reference = await ort.InferenceSession.create(fp32);
  let cosine = 0;
  for (const input of heldOut.slice(0, 20)) {
    const a = (await reference.run({ input: new ort.Tensor('float32', input.data, input.dims) })).embedding!.data as Float32Array;
    const b = (await session.run({ input: new ort.Tensor('float32', input.data, input.dims) })).embedding!.data as Float32Array;
    let dot = 0, na = 0, nb = 0;
    a.forEach((v, i) => { dot += v * b[i]!; na += v * v; nb += b[i]! ** 2; });
    cosine += dot / Math.sqrt(na * nb) / 20;
  }
  assert.ok(cosine > 0.995, `int8 embeddings follow FP32 (mean cosine ${cosine.toFixed(4)})`);
  assert.ok(result.report.agreement! >= 0.8, `top-1 agreement ${result.report.agreement}`);
});

test('the gate: below the agreement threshold, or with too few held-out photos, no int8 graph and a reason', async () => {
  const fp32 = compileKerasToOnnx(buildResidualNet());
  const strict = await compileInt8Model(fp32, { calibration: randomInputs(10, 1), heldOut: randomInputs(20, 3), minHeldOut: 20, minAgreement: 1.01, threads: 1 });
  assert.equal(strict.bytes, null);
  assert.equal(strict.report.kept, false);
  assert.equal(typeof strict.report.agreement, 'number');
  assert.match(strict.report.reason!, /top-1 agreement with FP32 is [\d.]+% on 20 held-out photos .* below the 101% gate; the FP32 graph stays/);

  const few = await compileInt8Model(fp32, { calibration: randomInputs(10, 1), heldOut: randomInputs(12, 3), threads: 1 });
  assert.equal(few.bytes, null);
  assert.match(few.report.reason!, /only 12 held-out photos .*at least 50/);
});

test('photos split into disjoint calibration and held-out sets spread over the whole folder', () => {
  const photos = Array.from({ length: 1000 }, (_, i) => `p${String(i).padStart(4, '0')}.jpg`);
  const { calibration, heldOut } = splitPhotos(photos, 200, 100);
  assert.equal(calibration.length, 200);
  assert.equal(heldOut.length, 100);
  assert.equal(new Set([...calibration, ...heldOut]).size, 300);
  assert.ok(heldOut.some((p) => p < 'p0100') && heldOut.some((p) => p > 'p0900'), 'held-out photos from start to end');
  const small = splitPhotos(photos.slice(0, 30), 200, 100);
  assert.deepEqual([small.calibration.length, small.heldOut.length], [15, 15], 'too few photos: held-out keeps up to half');
  const fewHeld = splitPhotos(photos.slice(0, 91), 200, 10);
  assert.deepEqual([fewHeld.calibration.length, fewHeld.heldOut.length], [81, 10]);
});
