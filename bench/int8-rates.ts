/**
 * FP32 against int8 (QDQ, compiled by compile-int8.ts) inference rates and agreement:
 * - Xception 299 px with seeded weights (speed; its agreement means nothing: random
 *   weights make near-uniform probabilities whose top-1 flips on noise);
 * - the real pretrained MobileNet packs of ../shared on real flower photos (agreement,
 *   embedding cosine, speed).
 * `compileInt8Xception` is what bench/pipeline.bench.ts calls for its int8 column.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { buildXception } from '../main/core/vision/keras/xception.js';
import type { Preprocessing } from '../main/core/vision/model-pack.js';
import { photosInFolder, preprocessAll, splitPhotos } from '../main/core/vision/int8-photos.js';
import { compileKerasToOnnx } from '../main/core/vision/onnx/compile-keras-to-onnx.js';
import { type CalibrationInput, compileInt8Model, weightsNeedReducedRange } from '../main/core/vision/onnx/int8/compile-int8.js';
import { loadModelPack } from '../main/core/vision/packs/load-model-pack.js';
import { setSeededWeights } from '../tests/helpers/keras-test-models.js';

const THREADS = 2;
const SHARED = path.resolve(import.meta.dirname, '../../shared');
export const XCEPTION_PREPROCESSING: Preprocessing = { height: 299, width: 299, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };

function sessionOptions(): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' };
}

/** Calibration inputs: the given photos, else ../shared's flowers, else seeded noise (speed only). */
async function calibrationInputs(count: number, p: Preprocessing, photos?: string[]): Promise<CalibrationInput[]> {
  const flowers = path.join(SHARED, 'data/flowers');
  const files = photos ?? (fs.existsSync(flowers) ? photosInFolder(flowers) : []);
  if (files.length > 0) return preprocessAll(splitPhotos(files, count, 0).calibration, p, 200e6, []);
  return Array.from({ length: count }, (_, i) => ({ data: tf.randomUniform([1, p.height, p.width, 3], -1, 1, 'float32', i).dataSync() as Float32Array, dims: [1, p.height, p.width, 3] }));
}

/**
 * The int8 graph of a compiled FP32 graph (bytes or .onnx path), calibrated on `photos`
 * (default: ../shared's flowers) with the gate off: for benchmarks of models with random
 * weights, whose agreement means nothing. bench/pipeline.bench.ts's int8 column uses it.
 */
export async function compileInt8Graph(fp32: Uint8Array | string, preprocessing: Preprocessing, options: { photos?: string[]; calibrationPhotos?: number; reduceRange?: boolean } = {}): Promise<Uint8Array> {
  const bytes = typeof fp32 === 'string' ? new Uint8Array(fs.readFileSync(fp32)) : fp32;
  const inputs = await calibrationInputs(options.calibrationPhotos ?? 16, preprocessing, options.photos);
  const result = await compileInt8Model(bytes, { calibration: inputs, heldOut: inputs.slice(0, 2), minHeldOut: 1, minAgreement: 0, methods: [{ kind: 'percentile', percentile: 99.999 }], reduceRange: options.reduceRange });
  return result.bytes!;
}

/**
 * Xception 299 (seeded weights, `classes` outputs, `avg_pool` embedding) compiled to FP32
 * and int8 (calibrated on `calibrationPhotos` photos; the gate is off: random weights).
 */
export async function compileInt8Xception(options: { classes?: number; calibrationPhotos?: number; reduceRange?: boolean } = {}): Promise<{ fp32: Uint8Array; int8: Uint8Array; calibrationMs: number }> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu'); // weights only; ONNX Runtime runs the graphs
  const model = buildXception({ inputShape: [299, 299, 3], classes: options.classes ?? 1000 });
  setSeededWeights(model, 1);
  const fp32 = compileKerasToOnnx(model, { embeddingLayer: 'avg_pool' });
  const t = performance.now();
  const int8 = await compileInt8Graph(fp32, XCEPTION_PREPROCESSING, options);
  return { fp32, int8, calibrationMs: performance.now() - t };
}

async function msPerImage(bytes: Uint8Array, input: CalibrationInput, runs: number): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions());
  const feed = { [session.inputNames[0]!]: new ort.Tensor('float32', input.data, input.dims) };
  await session.run(feed);
  const t = performance.now();
  for (let i = 0; i < runs; i += 1) await session.run(feed);
  const ms = (performance.now() - t) / runs;
  await session.release();
  return ms;
}

/** Alternating FP32/int8 rounds, so that load from other processes hits both alike. */
async function comparedRates(fp32: Uint8Array, int8: Uint8Array, input: CalibrationInput, rounds: number, runs: number): Promise<{ fp32Ms: number; int8Ms: number }> {
  const f: number[] = [];
  const q: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    f.push(await msPerImage(fp32, input, runs));
    q.push(await msPerImage(int8, input, runs));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { fp32Ms: median(f), int8Ms: median(q) };
}

export async function measureInt8Xception(): Promise<Record<string, number | boolean | string>> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const result: Record<string, number | boolean | string> = {};
  const input = (await calibrationInputs(1, XCEPTION_PREPROCESSING))[0]!;
  const reduceDefault = weightsNeedReducedRange();
  for (const reduceRange of [reduceDefault, !reduceDefault]) {
    const { fp32, int8, calibrationMs } = await compileInt8Xception({ reduceRange });
    const { fp32Ms, int8Ms } = await comparedRates(fp32, int8, input, 3, 6);
    const key = reduceRange ? 'weights7bit' : 'weights8bit';
    result[`${key}Fp32MsPerImage`] = +fp32Ms.toFixed(1);
    result[`${key}Int8MsPerImage`] = +int8Ms.toFixed(1);
    result[`${key}Speedup`] = +(fp32Ms / int8Ms).toFixed(2);
    if (reduceRange === reduceDefault) {
      result.defaultWeights = key;
      result.int8CompileMsFor16Photos = Math.round(calibrationMs);
      result.fp32MBytes = +(fp32.length / 1e6).toFixed(1);
      result.int8MBytes = +(int8.length / 1e6).toFixed(1);
    }
  }
  result.note = 'random weights: speed only; top-1 agreement is not meaningful';
  return result;
}

/** A real pretrained pack: int8 vs FP32 on held-out flower photos. */
export async function measureInt8RealModel(packDir: string, calibrationPhotos: number, heldOutPhotos: number): Promise<Record<string, unknown>> {
  const pack = await loadModelPack(packDir, {});
  const fp32 = compileKerasToOnnx(pack.layersModel!, pack.embeddingLayer ? { embeddingLayer: pack.embeddingLayer } : {});
  const { calibration, heldOut } = splitPhotos(photosInFolder(path.join(SHARED, 'data/flowers')), calibrationPhotos, heldOutPhotos);
  const held = await preprocessAll(heldOut, pack.preprocessing, 200e6, []);
  const calib = await preprocessAll(calibration, pack.preprocessing, 200e6, []);
  const result = await compileInt8Model(fp32, { calibration: calib, heldOut: held, minHeldOut: Math.min(50, held.length) });
  const int8 = result.bestCandidate!;
  const a = await ort.InferenceSession.create(fp32, sessionOptions());
  const b = await ort.InferenceSession.create(int8, sessionOptions());
  let cosine = 0;
  for (const input of held) {
    const feed = { input: new ort.Tensor('float32', input.data, input.dims) };
    const u = (await a.run(feed)).embedding!.data as Float32Array;
    const v = (await b.run(feed)).embedding!.data as Float32Array;
    let dot = 0, nu = 0, nv = 0;
    u.forEach((x, i) => { dot += x * v[i]!; nu += x * x; nv += v[i]! ** 2; });
    cosine += dot / Math.sqrt(nu * nv) / held.length;
  }
  const { fp32Ms, int8Ms } = await comparedRates(fp32, int8, held[0]!, 3, 20);
  return {
    model: pack.identity.name,
    top1Agreement: result.report.agreement,
    method: result.report.method,
    kept: result.report.kept,
    reason: result.report.reason ?? null,
    candidates: result.report.candidates,
    meanEmbeddingCosine: +cosine.toFixed(4),
    fp32MsPerImage: +fp32Ms.toFixed(2),
    int8MsPerImage: +int8Ms.toFixed(2),
    speedup: +(fp32Ms / int8Ms).toFixed(2),
    calibrationPhotos: result.report.calibrationPhotos,
    heldOutPhotos: result.report.heldOutPhotos,
    reduceRange: result.report.reduceRange,
  };
}

export function sharedModelDirs(): string[] {
  return ['models/tfjs-mobilenet-waste', 'models/keras-h5-mobilenet-leafsense'].map((d) => path.join(SHARED, d)).filter((d) => fs.existsSync(d));
}
