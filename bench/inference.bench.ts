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
 * 4. FP32 vs int8 (bench/int8-rates.ts): Xception 299 ms/image both ways (7- and 8-bit
 *    weights), and the real pretrained packs' int8 agreement with FP32 on held-out flowers.
 *
 * Run: node --import tsx bench/inference.bench.ts [out.json] [--photos N] [--only int8]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { compileKerasToOnnx } from '../main/core/vision/onnx/compile-keras-to-onnx.js';
import { buildXception } from '../main/core/vision/keras/xception.js';
import { createOnnxClassifier } from '../main/core/vision/inference/onnx-classifier.js';
import type { Preprocessing } from '../main/core/vision/model-pack.js';
import { findEmbeddingLayer } from '../main/core/vision/packs/pack-files.js';
import { preprocessPhoto } from '../main/core/vision/preprocess.js';
import { setSeededWeights } from '../tests/helpers/keras-test-models.js';
import { measureInt8RealModel, measureInt8Xception, sharedModelDirs } from './int8-rates.js';
import { measureXceptionRates } from './xception-rates.js';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const args = process.argv.slice(2);
const outFile = args.find((a) => a.endsWith('.json')) ?? path.resolve(import.meta.dirname, '../.cache/bench/inference.json');
const photoLimit = Number(args[args.indexOf('--photos') + 1] ?? 0) || Infinity;
const THREADS = 2;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;

function now(): number {
  return performance.now();
}

function photosUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(jpe?g|heic|png)$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
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

interface ResamplerSample {
  file: string;
  megapixels: number;
  maxAbsDiff: number;
  sameTop1: boolean;
  cosine: number;
  exactMs: number;
  fastMs: number;
}

function summarise(samples: ResamplerSample[]): Record<string, number | string> {
  if (samples.length === 0) return { photos: 0 };
  const worst = samples.reduce((a, b) => (b.maxAbsDiff > a.maxAbsDiff ? b : a));
  const mean = (f: (s: ResamplerSample) => number): number => samples.reduce((sum, s) => sum + f(s), 0) / samples.length;
  return {
    photos: samples.length,
    maxAbsProbabilityDiff: +worst.maxAbsDiff.toFixed(4),
    meanOfPerPhotoMaxAbsDiff: +mean((s) => s.maxAbsDiff).toFixed(4),
    worstPhoto: path.relative(SHARED, worst.file),
    top1Agreement: +mean((s) => (s.sameTop1 ? 1 : 0)).toFixed(4),
    meanEmbeddingCosine: +mean((s) => s.cosine).toFixed(4),
    minEmbeddingCosine: +Math.min(...samples.map((s) => s.cosine)).toFixed(4),
    exactPreprocessMsPerPhoto: +mean((s) => s.exactMs).toFixed(1),
    fastPreprocessMsPerPhoto: +mean((s) => s.fastMs).toFixed(1),
  };
}

async function benchResampler(photos: string[]): Promise<Record<string, unknown>> {
  const model = await loadWasteModel();
  const embeddingLayer = findEmbeddingLayer(model);
  const session = await ort.InferenceSession.create(compileKerasToOnnx(model, embeddingLayer ? { embeddingLayer } : {}), { intraOpNumThreads: THREADS });
  const p: Preprocessing = { height: 224, width: 224, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
  const samples: ResamplerSample[] = [];
  for (const file of photos) {
    const bytes = fs.readFileSync(file);
    const probs: Float32Array[] = [];
    const embeddings: Float32Array[] = [];
    const ms: number[] = [];
    for (const resampler of ['exact', 'fast'] as const) {
      const t = now();
      let input: Float32Array;
      try {
        input = (await preprocessPhoto(bytes, p, { maxPixels: 200e6, path: file, resampler })).data;
      } catch {
        break; // the damaged fixtures of photos-exif
      }
      ms.push(now() - t);
      const out = await session.run({ input: new ort.Tensor('float32', input, [1, 224, 224, 3]) });
      probs.push(out.probabilities!.data as Float32Array);
      embeddings.push(out.embedding!.data as Float32Array);
    }
    if (probs.length < 2) continue;
    const [a, b] = probs as [Float32Array, Float32Array];
    let maxAbsDiff = 0;
    for (let i = 0; i < a.length; i += 1) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i]! - b[i]!));
    // The ImageNet MobileNet body's pooled features: a measure that does not depend on the
    // 12-class head being in its domain (flowers are not waste).
    const [u, v] = embeddings as [Float32Array, Float32Array];
    let dot = 0, nu = 0, nv = 0;
    for (let i = 0; i < u.length; i += 1) { dot += u[i]! * v[i]!; nu += u[i]! ** 2; nv += v[i]! ** 2; }
    const { width = 0, height = 0 } = await sharp(bytes).metadata();
    samples.push({
      file,
      megapixels: (width * height) / 1e6,
      maxAbsDiff,
      sameTop1: a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b)),
      cosine: dot / Math.sqrt(nu * nv),
      exactMs: ms[0]!,
      fastMs: ms[1]!,
    });
  }
  await session.release();
  return {
    model: 'tfjs-mobilenet-waste (ImageNet MobileNet body + 12-class head, 224 px)',
    all: summarise(samples),
    over1Megapixel: summarise(samples.filter((s) => s.megapixels > 1)),
  };
}

async function main(): Promise<void> {
  const report: Record<string, unknown> = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, ortThreads: THREADS };
  // Other work on the machine skews every figure here; the load average says how much there was.
  report.loadAverageAtStart = os.loadavg().map((v) => +v.toFixed(2));
  if (only === null || only === 'int8') await benchInt8(report);
  if (only === 'int8') return finish(report);
  console.log('Xception 299 px, seeded weights: ONNX Runtime vs tfjs-wasm ...');
  report.xception = await measureXceptionRates();
  console.table(report.xception);
  const photos = [...photosUnder(path.join(SHARED, 'data/flowers')), ...photosUnder(path.join(SHARED, 'data/photos-exif'))].slice(0, photoLimit);
  if (photos.length === 0) {
    console.log(`../shared is absent (${SHARED}): skipping the real-photo benchmarks.`);
  } else {
    // JPEGs only: HEVC HEIC decoding (wasm, ~1 s each) would dominate a sample this small.
    const jpegs = photos.filter((f) => /\.jpe?g$/i.test(f));
    const camera = jpegs.filter((f) => fs.statSync(f).size > 1_000_000);
    const sample = [...jpegs.filter((_, i) => i % 20 === 0), ...camera].slice(0, 30);
    console.log(`createOnnxClassifier end to end (Xception 299), ${sample.length} photos, 4 in flight ...`);
    const classifier = await benchClassifier(sample);
    const inferenceOnlyMs = (report.xception as Record<string, number>).ortMsPerImage!;
    classifier.exactVsInferenceOnly = +(inferenceOnlyMs / classifier.exactMsPerPhoto!).toFixed(2);
    classifier.fastVsInferenceOnly = +(inferenceOnlyMs / classifier.fastMsPerPhoto!).toFixed(2);
    report.classifier = classifier;
    console.table(report.classifier);
    console.log(`Exact vs fast preprocessing on ${photos.length} real photos ...`);
    const resampler = await benchResampler(photos);
    report.resampler = resampler;
    console.log(resampler.model);
    console.table({ all: resampler.all, over1Megapixel: resampler.over1Megapixel });
  }
  finish(report);
}

async function benchInt8(report: Record<string, unknown>): Promise<void> {
  console.log('FP32 vs int8, Xception 299 px (seeded weights, 2 threads, batch 1) ...');
  const xception = await measureInt8Xception();
  report.int8Xception = xception;
  console.table(xception);
  const real: Record<string, unknown>[] = [];
  for (const dir of sharedModelDirs()) {
    console.log(`FP32 vs int8, ${path.basename(dir)} on held-out flower photos ...`);
    const figures = await measureInt8RealModel(dir, photoLimit === Infinity ? 200 : Math.min(200, photoLimit), photoLimit === Infinity ? 100 : Math.min(100, photoLimit));
    real.push(figures);
    const { candidates, ...flat } = figures;
    console.table(flat);
    console.table(candidates as object[]);
  }
  report.int8RealModels = real;
}

function finish(report: Record<string, unknown>): void {
  report.loadAverageAtEnd = os.loadavg().map((v) => +v.toFixed(2));
  console.log(`Load average (1, 5, 15 min) at start ${String(report.loadAverageAtStart)}, at end ${String(report.loadAverageAtEnd)}`);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Written ${outFile}`);
}

await main();
