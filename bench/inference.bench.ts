/**
 * Inference speed and the preprocessing resampler's effect, printed and written as JSON
 * (.cache/bench/inference.json, or the path given as first argument).
 *
 * 1. Xception (299 px, seeded weights): ONNX Runtime (compiled by us, 2 intra-op threads)
 *    vs tfjs-wasm (Node: single-threaded), images/s and their ratio.
 * 2. createOnnxClassifier end to end on real photos (decode + resize + worker inference).
 * 3. Exact (full decode + OpenCV INTER_LINEAR) vs fast (sharp shrink-on-load) preprocessing
 *    on the real photos of ../shared: how far the fast path moves the probabilities of a
 *    real pretrained model (max |dp|, top-1 agreement) and what it saves in time.
 *
 * Run: node --import tsx bench/inference.bench.ts [out.json] [--photos N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { compileKerasToOnnx } from '../main/core/vision/onnx/compile-keras-to-onnx.js';
import { buildXception } from '../main/core/vision/keras/xception.js';
import { createOnnxClassifier } from '../main/core/vision/inference/onnx-classifier.js';
import type { Preprocessing } from '../main/core/vision/model-pack.js';
import { preprocessPhoto } from '../main/core/vision/preprocess.js';
import { setSeededWeights } from '../tests/helpers/keras-test-models.js';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const args = process.argv.slice(2);
const outFile = args.find((a) => a.endsWith('.json')) ?? path.resolve(import.meta.dirname, '../.cache/bench/inference.json');
const photoLimit = Number(args[args.indexOf('--photos') + 1] ?? 0) || Infinity;
const THREADS = 2;

function now(): number {
  return performance.now();
}

function jpegsUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(jpe?g)$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

async function benchXception(): Promise<Record<string, number>> {
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

async function benchClassifier(photos: string[]): Promise<Record<string, number>> {
  const model = buildXception({ inputShape: [299, 299, 3], classes: 10 });
  setSeededWeights(model, 2);
  const p: Preprocessing = { height: 299, width: 299, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
  const labels = Array.from({ length: 10 }, (_, i) => `class${i}`);
  const pack = { identity: { name: 'xception-bench', version: '1', contentHash: 'bench-xception-seed2', format: 'keras-h5' as const, sourcePath: 'bench', labels, preprocessing: {} }, preprocessing: p, layersModel: model, embeddingLayer: 'avg_pool' };
  const result: Record<string, number> = {};
  for (const resampler of ['exact', 'fast'] as const) {
    const classifier = await createOnnxClassifier(pack, { cacheDir: path.join(os.tmpdir(), 'invasives-bench-onnx'), resampler });
    const inFlight = 4;
    const pass = async (files: string[]): Promise<void> => {
      const queue = [...files];
      await Promise.all(Array.from({ length: inFlight }, async () => {
        for (let file = queue.shift(); file; file = queue.shift()) await classifier.classify({ bytes: await fs.promises.readFile(file), path: file });
      }));
    };
    // Warm-up: ONNX Runtime allocates per batch size on first use.
    await pass(photos.slice(0, 8));
    const t = now();
    await pass(photos);
    const perPhoto = (now() - t) / photos.length;
    await classifier.close();
    result[`${resampler}MsPerPhoto`] = +perPhoto.toFixed(1);
    result[`${resampler}PhotosPerSecond`] = +(1000 / perPhoto).toFixed(2);
  }
  result.photos = photos.length;
  return result;
}

async function loadWasteModel(): Promise<tf.LayersModel> {
  const dir = path.join(SHARED, 'models/tfjs-mobilenet-waste');
  const json = JSON.parse(fs.readFileSync(`${dir}/model.json`, 'utf8')) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weights = fs.readFileSync(`${dir}/weights.bin`);
  return tf.loadLayersModel({
    load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((m) => m.weights), weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }),
  });
}

async function benchResampler(photos: string[]): Promise<Record<string, number | string>> {
  const model = await loadWasteModel();
  const session = await ort.InferenceSession.create(compileKerasToOnnx(model), { intraOpNumThreads: THREADS });
  const p: Preprocessing = { height: 224, width: 224, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
  let maxDiff = 0;
  let sumMaxDiff = 0;
  let sameTop1 = 0;
  let exactMs = 0;
  let fastMs = 0;
  let worst = '';
  let counted = 0;
  for (const file of photos) {
    const bytes = fs.readFileSync(file);
    const probs: Float32Array[] = [];
    for (const resampler of ['exact', 'fast'] as const) {
      const t = now();
      let input: Float32Array;
      try {
        input = (await preprocessPhoto(bytes, p, { maxPixels: 200e6, path: file, resampler })).data;
      } catch {
        break; // damaged fixtures of photos-exif
      }
      if (resampler === 'exact') exactMs += now() - t;
      else fastMs += now() - t;
      const out = await session.run({ input: new ort.Tensor('float32', input, [1, 224, 224, 3]) });
      probs.push(out.probabilities!.data as Float32Array);
    }
    if (probs.length < 2) continue;
    counted += 1;
    const [a, b] = probs as [Float32Array, Float32Array];
    let d = 0;
    for (let i = 0; i < a.length; i += 1) d = Math.max(d, Math.abs(a[i]! - b[i]!));
    if (d > maxDiff) [maxDiff, worst] = [d, path.relative(SHARED, file)];
    sumMaxDiff += d;
    if (a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b))) sameTop1 += 1;
  }
  await session.release();
  return {
    model: 'tfjs-mobilenet-waste (pretrained MobileNet, 12 classes, 224 px)',
    photos: counted,
    maxAbsProbabilityDiff: +maxDiff.toFixed(4),
    meanOfPerPhotoMaxAbsDiff: +(sumMaxDiff / counted).toFixed(4),
    worstPhoto: worst,
    top1Agreement: +(sameTop1 / counted).toFixed(4),
    exactPreprocessMsPerPhoto: +(exactMs / counted).toFixed(1),
    fastPreprocessMsPerPhoto: +(fastMs / counted).toFixed(1),
  };
}

async function main(): Promise<void> {
  const report: Record<string, unknown> = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, ortThreads: THREADS };
  // Other work on the machine skews every figure here; the load average says how much there was.
  report.loadAverageAtStart = os.loadavg().map((v) => +v.toFixed(2));
  console.log('Xception 299 px, seeded weights: ONNX Runtime vs tfjs-wasm ...');
  report.xception = await benchXception();
  console.table(report.xception);
  const photos = [...jpegsUnder(path.join(SHARED, 'data/flowers')), ...jpegsUnder(path.join(SHARED, 'data/photos-exif'))].slice(0, photoLimit);
  if (photos.length === 0) {
    console.log(`../shared is absent (${SHARED}): skipping the real-photo benchmarks.`);
  } else {
    const camera = photos.filter((f) => fs.statSync(f).size > 1_000_000);
    const sample = [...photos.filter((_, i) => i % 20 === 0), ...camera].slice(0, 30);
    console.log(`createOnnxClassifier end to end (Xception 299), ${sample.length} photos, 4 in flight ...`);
    const classifier = await benchClassifier(sample);
    const inferenceOnlyMs = (report.xception as Record<string, number>).ortMsPerImage!;
    classifier.exactVsInferenceOnly = +(inferenceOnlyMs / classifier.exactMsPerPhoto!).toFixed(2);
    classifier.fastVsInferenceOnly = +(inferenceOnlyMs / classifier.fastMsPerPhoto!).toFixed(2);
    report.classifier = classifier;
    console.table(report.classifier);
    console.log(`Exact vs fast preprocessing on ${photos.length} real photos ...`);
    report.resampler = await benchResampler(photos);
    console.table(report.resampler);
  }
  report.loadAverageAtEnd = os.loadavg().map((v) => +v.toFixed(2));
  console.log(`Load average (1, 5, 15 min) at start ${String(report.loadAverageAtStart)}, at end ${String(report.loadAverageAtEnd)}`);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Written ${outFile}`);
}

await main();
