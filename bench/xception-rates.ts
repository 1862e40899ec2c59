/**
 * Xception (299 px, seeded weights) inference-only speed: ONNX Runtime (compiled by us,
 * 2 intra-op threads) against tfjs-wasm (single-threaded under Node), on the same machine.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { buildXception } from '../main/core/vision/keras/xception.js';
import { compileKerasToOnnx } from '../main/core/vision/onnx/compile-keras-to-onnx.js';
import { setSeededWeights } from '../tests/helpers/keras-test-models.js';

const THREADS = 2;

function now(): number {
  return performance.now();
}

export async function measureXceptionRates(): Promise<Record<string, number>> {
  await tf.setBackend('wasm');
  const model = buildXception({ inputShape: [299, 299, 3], classes: 1000 });
  setSeededWeights(model, 1);
  let t = now();
  const onnxBytes = compileKerasToOnnx(model, { embeddingLayer: 'avg_pool' });
  const compileMs = now() - t;
  const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const x = tf.randomUniform([4, 299, 299, 3], -1, 1, 'float32', 1);
  const all = x.dataSync() as Float32Array;
  const one = all.slice(0, 299 * 299 * 3);
  const runOrt = async (data: Float32Array, n: number): Promise<void> => {
    await session.run({ input: new ort.Tensor('float32', data, [n, 299, 299, 3]) });
  };
  await runOrt(one, 1);
  const ortRuns = 12;
  t = now();
  for (let i = 0; i < ortRuns; i += 1) await runOrt(one, 1);
  const ortMs = (now() - t) / ortRuns;
  t = now();
  for (let i = 0; i < 3; i += 1) await runOrt(all, 4);
  const ortBatch4Ms = (now() - t) / 12;

  const single = tf.tensor4d(one, [1, 299, 299, 3]);
  tf.dispose(model.predict(single) as tf.Tensor);
  const tfjsRuns = 3;
  t = now();
  for (let i = 0; i < tfjsRuns; i += 1) (model.predict(single) as tf.Tensor).dataSync();
  const wasmMs = (now() - t) / tfjsRuns;
  await session.release();
  await tf.setBackend('cpu');
  return {
    compileMs: Math.round(compileMs),
    onnxMBytes: +(onnxBytes.length / 1e6).toFixed(1),
    ortMsPerImage: +ortMs.toFixed(1),
    ortImagesPerSecond: +(1000 / ortMs).toFixed(2),
    ortBatch4MsPerImage: +ortBatch4Ms.toFixed(1),
    tfjsWasmMsPerImage: +wasmMs.toFixed(1),
    tfjsWasmImagesPerSecond: +(1000 / wasmMs).toFixed(2),
    ortSpeedupOverTfjsWasm: +(wasmMs / ortMs).toFixed(2),
  };
}

