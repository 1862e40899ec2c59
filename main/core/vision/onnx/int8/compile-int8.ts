/**
 * The int8 compile: plan the QDQ pairs, calibrate activation ranges on photos, write one
 * QDQ graph per calibration method, and keep the one whose top-1 class agrees best with
 * the FP32 graph on held-out photos, only if that agreement reaches the fidelity gate.
 */
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { type CalibrationMethod, methodName } from './activation-ranges.js';
import { type CalibrationInput, collectRanges } from './calibrate.js';
import { emitQdqModel } from './emit-qdq.js';
import { planQdq } from './qdq-plan.js';

export type { CalibrationInput } from './calibrate.js';

/** The default gate: top-1 agreement with FP32 on held-out photos. */
export const INT8_MIN_AGREEMENT = 0.99;
/** Fewer held-out photos than this cannot show 99% agreement with any confidence. */
export const INT8_MIN_HELD_OUT = 50;
/** The calibration methods tried; the best by agreement wins. */
export const INT8_METHODS: CalibrationMethod[] = [
  { kind: 'minmax' },
  { kind: 'percentile', percentile: 99.999 },
  { kind: 'percentile', percentile: 99.99 },
];

export interface Int8CompileOptions {
  /** Calibration inputs (NHWC float32, preprocessed as the model expects). */
  calibration: AsyncIterable<CalibrationInput> | Iterable<CalibrationInput>;
  /** Held-out inputs for the agreement check (never used to calibrate). */
  heldOut: CalibrationInput[];
  methods?: CalibrationMethod[];
  /** 7-bit weights (default: weightsNeedReducedRange(), i.e. on x86 CPUs without VNNI). */
  reduceRange?: boolean;
  minAgreement?: number;
  minHeldOut?: number;
  threads?: number;
  onProgress?: (stage: 'calibrate' | 'check', done: number, total: number | null) => void;
}

export interface Int8Candidate {
  method: string;
  agreement: number;
  meanMaxAbsDiff: number;
}

/** What `models show` prints and the model's provenance keeps. */
export interface Int8Report {
  kept: boolean;
  /** Top-1 agreement of the chosen graph with FP32 on the held-out photos (0..1). */
  agreement: number | null;
  heldOutPhotos: number;
  calibrationPhotos: number;
  method: string | null;
  candidates: Int8Candidate[];
  reduceRange: boolean;
  quantizedConvolutions: number;
  /** Why the FP32 graph stays (when not kept). */
  reason?: string;
}

export interface Int8CompileResult {
  /** The chosen QDQ graph, or null when the gate refused it. */
  bytes: Uint8Array | null;
  /** The best QDQ graph even when the gate refused it (benchmarks, diagnosis); never for classifying. */
  bestCandidate: Uint8Array | null;
  report: Int8Report;
}

/**
 * Whether to use 7-bit weights: on x86 without VNNI, ONNX Runtime's u8s8 kernels use
 * VPMADDUBSW, whose int16 sums of pairs saturate with full-range weights. With VNNI
 * (VPDPBUSD sums into int32), and on ARM, full 8-bit weights are safe and more precise.
 */
export function weightsNeedReducedRange(): boolean {
  if (process.arch !== 'x64' && process.arch !== 'ia32') return false;
  try {
    const flags = fs.readFileSync('/proc/cpuinfo', 'utf8');
    return !/\b(avx512_vnni|avx_vnni)\b/.test(flags);
  } catch {
    return true; // not Linux: cannot tell, so the safe choice
  }
}

function argmax(data: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i += 1) if (data[offset + i]! > data[offset + best]!) best = i;
  return best;
}

async function probabilitiesOf(bytes: Uint8Array, inputs: CalibrationInput[], threads: number, onEach?: () => void): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const outputName = session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[0]!;
  try {
    const result: Float32Array[] = [];
    for (const input of inputs) {
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input.data, input.dims) }, [outputName]);
      result.push(Float32Array.from(out[outputName]!.data as Float32Array));
      out[outputName]!.dispose();
      onEach?.();
    }
    return result;
  } finally {
    await session.release();
  }
}

/** Top-1 agreement and mean of the per-photo largest probability change (one photo per entry). */
export function compareProbabilities(reference: Float32Array[], candidate: Float32Array[]): { agreement: number; meanMaxAbsDiff: number } {
  let same = 0;
  let diffSum = 0;
  reference.forEach((ref, i) => {
    const got = candidate[i]!;
    const classes = ref.length;
    if (argmax(ref, 0, classes) === argmax(got, 0, classes)) same += 1;
    let d = 0;
    for (let k = 0; k < classes; k += 1) d = Math.max(d, Math.abs(ref[k]! - got[k]!));
    diffSum += d;
  });
  const n = reference.length;
  return { agreement: n ? same / n : 0, meanMaxAbsDiff: n ? diffSum / n : 0 };
}

export async function compileInt8Model(fp32: Uint8Array, options: Int8CompileOptions): Promise<Int8CompileResult> {
  const threads = options.threads ?? 2;
  const reduceRange = options.reduceRange ?? weightsNeedReducedRange();
  const minAgreement = options.minAgreement ?? INT8_MIN_AGREEMENT;
  const minHeldOut = options.minHeldOut ?? INT8_MIN_HELD_OUT;
  const methods = options.methods ?? INT8_METHODS;
  const plan = planQdq(onnxProto.onnx.ModelProto.decode(fp32).graph!);
  const base: Int8Report = {
    kept: false, agreement: null, heldOutPhotos: options.heldOut.length, calibrationPhotos: 0, method: null, candidates: [],
    reduceRange, quantizedConvolutions: plan.convOutputs.length,
  };
  if (plan.convOutputs.length === 0) return { bytes: null, bestCandidate: null, report: { ...base, reason: 'the model has no convolution to quantise; the FP32 graph stays' } };
  if (options.heldOut.length < minHeldOut) {
    return { bytes: null, bestCandidate: null, report: { ...base, reason: `only ${options.heldOut.length} held-out photos could be read (at least ${minHeldOut} are needed to check ${(minAgreement * 100).toFixed(0)}% agreement); the FP32 graph stays. Give more photos with --calibration-folder.` } };
  }

  const { collectors, channelMeans, photos } = await collectRanges(fp32, plan.calibrated, options.calibration, {
    threads,
    meanTensors: plan.convInputs,
    onProgress: (done) => options.onProgress?.('calibrate', done, null),
  });
  base.calibrationPhotos = photos;
  if (photos === 0) return { bytes: null, bestCandidate: null, report: { ...base, reason: 'no calibration photo could be read; the FP32 graph stays' } };

  const checks = options.heldOut.length * (methods.length + 1);
  let checked = 0;
  const tick = (): void => options.onProgress?.('check', (checked += 1), checks);
  const reference = await probabilitiesOf(fp32, options.heldOut, threads, tick);
  let best: { bytes: Uint8Array; candidate: Int8Candidate } | null = null;
  for (const method of methods) {
    const ranges = new Map([...collectors].map(([tensor, c]) => [tensor, c.range(method)]));
    const bytes = emitQdqModel(fp32, plan, ranges, { reduceRange, inputMeans: channelMeans });
    const candidate = { method: methodName(method), ...compareProbabilities(reference, await probabilitiesOf(bytes, options.heldOut, threads, tick)) };
    base.candidates.push({ ...candidate, agreement: +candidate.agreement.toFixed(4), meanMaxAbsDiff: +candidate.meanMaxAbsDiff.toFixed(5) });
    const better = !best || candidate.agreement > best.candidate.agreement
      || (candidate.agreement === best.candidate.agreement && candidate.meanMaxAbsDiff < best.candidate.meanMaxAbsDiff);
    if (better) best = { bytes, candidate };
  }
  const chosen = best!;
  const report: Int8Report = { ...base, agreement: +chosen.candidate.agreement.toFixed(4), method: chosen.candidate.method };
  if (chosen.candidate.agreement < minAgreement) {
    const pct = (chosen.candidate.agreement * 100).toFixed(1);
    return { bytes: null, bestCandidate: chosen.bytes, report: { ...report, reason: `top-1 agreement with FP32 is ${pct}% on ${options.heldOut.length} held-out photos (best calibration: ${chosen.candidate.method}), below the ${(minAgreement * 100).toFixed(0)}% gate; the FP32 graph stays` } };
  }
  return { bytes: chosen.bytes, bestCandidate: chosen.bytes, report: { ...report, kept: true } };
}
