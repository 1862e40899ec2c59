/**
 * Xception (299 px, seeded weights) inference-only speed: ONNX Runtime (compiled by us,
 * 2 intra-op threads) against tfjs-wasm (single-threaded under Node), on the same machine.
 * Wall time per image and core time (CPU time of every thread of this process) per image.
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

/** CPU time of the whole process (all threads), in milliseconds. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export interface OnnxInferenceFigures {
  msPerImage: number;
  imagesPerSecond: number;
  coreMsPerImage: number;
  batch4MsPerImage: number;
}

/**
 * One ONNX model's inference-only speed on 299 px inputs, as the station's workers run it
 * (2 intra-op threads, no spinning). `model` is the graph's bytes or a file path, so an int8
 * graph is measured exactly like the FP32 one.
 */
export async function measureOnnxInference(model: Uint8Array | string, runs = 12): Promise<OnnxInferenceFigures> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  const inputName = session.inputNames[0]!;
  const x = tf.tidy(() => tf.randomUniform([4, 299, 299, 3], -1, 1, 'float32', 1).dataSync() as Float32Array);
  const one = x.slice(0, 299 * 299 * 3);
  const run = async (data: Float32Array, n: number): Promise<void> => {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', data, [n, 299, 299, 3]) });
    for (const tensor of Object.values(out)) tensor.dispose();
  };
  await run(one, 1);
  let t = now();
  const c = cpuMs();
  for (let i = 0; i < runs; i += 1) await run(one, 1);
  const ms = (now() - t) / runs;
  const coreMs = (cpuMs() - c) / runs;
  t = now();
  for (let i = 0; i < 3; i += 1) await run(x, 4);
  const batch4Ms = (now() - t) / 12;
  await session.release();
  return { msPerImage: +ms.toFixed(1), imagesPerSecond: +(1000 / ms).toFixed(2), coreMsPerImage: +coreMs.toFixed(1), batch4MsPerImage: +batch4Ms.toFixed(1) };
}

export async function measureXceptionRates(): Promise<Record<string, number>> {
  await tf.setBackend('wasm');
  const model = buildXception({ inputShape: [299, 299, 3], classes: 1000 });
  setSeededWeights(model, 1);
  let t = now();
  const onnxBytes = compileKerasToOnnx(model, { embeddingLayer: 'avg_pool' });
  const compileMs = now() - t;
  const ort32 = await measureOnnxInference(onnxBytes);

  const single = tf.tidy(() => tf.randomUniform([1, 299, 299, 3], -1, 1, 'float32', 1));
  tf.dispose(model.predict(single) as tf.Tensor);
  const tfjsRuns = 3;
  t = now();
  const c = cpuMs();
  for (let i = 0; i < tfjsRuns; i += 1) (model.predict(single) as tf.Tensor).dataSync();
  const wasmMs = (now() - t) / tfjsRuns;
  const wasmCoreMs = (cpuMs() - c) / tfjsRuns;
  tf.dispose(single);
  await tf.setBackend('cpu');
  return {
    compileMs: Math.round(compileMs),
    onnxMBytes: +(onnxBytes.length / 1e6).toFixed(1),
    ortMsPerImage: ort32.msPerImage,
    ortImagesPerSecond: ort32.imagesPerSecond,
    ortCoreMsPerImage: ort32.coreMsPerImage,
    ortBatch4MsPerImage: ort32.batch4MsPerImage,
    tfjsWasmMsPerImage: +wasmMs.toFixed(1),
    tfjsWasmImagesPerSecond: +(1000 / wasmMs).toFixed(2),
    tfjsWasmCoreMsPerImage: +wasmCoreMs.toFixed(1),
    ortSpeedupOverTfjsWasm: +(wasmMs / ort32.msPerImage).toFixed(2),
  };
}
