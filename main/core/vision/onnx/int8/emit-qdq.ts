/**
 * Writes the QDQ (QuantizeLinear/DequantizeLinear) form of a compiled FP32 graph: each
 * planned activation tensor T becomes T -> QuantizeLinear (uint8, asymmetric) ->
 * DequantizeLinear -> its readers; Conv weights become int8, symmetric, one scale per
 * output channel (DequantizeLinear axis 0), and biases int32 at input scale x weight
 * scale. ONNX Runtime fuses these groups into QLinearConv / QLinearAdd kernels.
 */
import onnxProto from 'onnx-proto';
import { StationError } from '../../../errors.js';
import { tensorProto } from '../graph-builder.js';
import { uint8Parameters } from './activation-ranges.js';
import type { QdqPlan } from './qdq-plan.js';

const { onnx } = onnxProto;
type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;

export interface QdqOptions {
  /**
   * 7-bit weights (-64..63). On x86 CPUs with AVX2 but without VNNI, ONNX Runtime's
   * u8s8 kernels multiply with VPMADDUBSW, whose int16 pair sums saturate at full 8-bit
   * range (255 x 127 x 2 > 32767); 7-bit weights cannot saturate.
   */
  reduceRange: boolean;
  /**
   * Per-channel means of each Conv's input on the calibration photos: with them, each
   * output channel's bias absorbs the mean error of its rounded weights,
   * b' = b - sum over (input channel, kernel position) of (w_q - w) * E[x].
   */
  inputMeans?: Map<string, Float64Array>;
}

/** Bias correction: the expected output shift of rounded weights, per output channel. */
export function biasCorrection(w: Float32Array, q: Int8Array, scales: Float32Array, dims: number[], group: number, mean: Float64Array): Float32Array {
  const [cout, cinPerGroup, kh, kw] = dims as [number, number, number, number];
  const k = kh * kw;
  const outPerGroup = cout / group;
  const shift = new Float32Array(cout);
  for (let o = 0; o < cout; o += 1) {
    const firstInput = Math.floor(o / outPerGroup) * cinPerGroup;
    let delta = 0;
    for (let i = 0; i < cinPerGroup; i += 1) {
      let rowError = 0;
      for (let j = 0; j < k; j += 1) {
        const index = (o * cinPerGroup + i) * k + j;
        rowError += q[index]! * scales[o]! - w[index]!;
      }
      delta += rowError * mean[firstInput + i]!;
    }
    shift[o] = delta;
  }
  return shift;
}

function floatsOf(tensor: onnxProto.onnx.ITensorProto): Float32Array {
  if (tensor.rawData && tensor.rawData.length > 0) {
    const copy = new Uint8Array(tensor.rawData); // aligned copy
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(tensor.floatData ?? []);
}

/** Rounds one channel at `scale`; returns the squared error. */
function roundChannel(w: Float32Array, from: number, to: number, scale: number, qmax: number, out: Int8Array): number {
  let error = 0;
  for (let i = from; i < to; i += 1) {
    const q = Math.max(-qmax, Math.min(qmax, Math.round(w[i]! / scale)));
    out[i] = q;
    error += (q * scale - w[i]!) ** 2;
  }
  return error;
}

/**
 * Per-output-channel symmetric int8 weights. Each channel's scale is the one, among its
 * max |w| and a few clipped ranges below it, that makes the smallest squared error: one
 * outlier weight no longer coarsens the rest of its channel.
 */
export function quantizeWeights(w: Float32Array, outChannels: number, reduceRange: boolean): { q: Int8Array; scales: Float32Array } {
  const qmax = reduceRange ? 63 : 127;
  const per = w.length / outChannels;
  const q = new Int8Array(w.length);
  const trial = new Int8Array(w.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o += 1) {
    const from = o * per;
    const to = from + per;
    let maxAbs = 0;
    for (let i = from; i < to; i += 1) maxAbs = Math.max(maxAbs, Math.abs(w[i]!));
    if (maxAbs === 0) {
      scales[o] = 1;
      continue;
    }
    let bestError = Infinity;
    for (const clip of CLIP_RATIOS) {
      const scale = Math.fround((maxAbs * clip) / qmax); // the float32 value the runtime will use
      const error = roundChannel(w, from, to, scale, qmax, trial);
      if (error < bestError) {
        bestError = error;
        scales[o] = scale;
        q.set(trial.subarray(from, to), from);
      }
    }
  }
  return { q, scales };
}

const CLIP_RATIOS = [1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5];

export function emitQdqModel(fp32: Uint8Array, plan: QdqPlan, ranges: Map<string, [number, number]>, options: QdqOptions): Uint8Array {
  const model = onnx.ModelProto.decode(fp32);
  const graph: Graph = model.graph!;
  const nodes = graph.node ?? [];
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  const added: onnxProto.onnx.ITensorProto[] = [];
  const addInit = (name: string, dims: number[], data: Float32Array | Int8Array | Uint8Array | Int32Array): string => {
    added.push(tensorProto(name, dims, data));
    return name;
  };

  const params = new Map<string, { scale: number; zeroPoint: number }>();
  for (const tensor of plan.calibrated) {
    const range = ranges.get(tensor);
    if (!range) throw new StationError('MODEL_INVALID', `No calibration range for tensor "${tensor}"; calibrate the model again.`);
    params.set(tensor, uint8Parameters(range));
  }
  for (const [tensor, source] of plan.sameAs) params.set(tensor, params.get(source)!);

  // Activation pairs: T -> Q -> DQ, readers of T read the DQ output instead.
  const dequantized = new Map<string, string>();
  const qdqAfter = new Map<string, Node[]>();
  for (const [tensor, p] of params) {
    const scale = addInit(`${tensor}_qscale`, [], Float32Array.of(p.scale));
    const zero = addInit(`${tensor}_qzero`, [], Uint8Array.of(p.zeroPoint));
    const q = { opType: 'QuantizeLinear', input: [tensor, scale, zero], output: [`${tensor}_q`], name: `${tensor}_QuantizeLinear` };
    const dq = { opType: 'DequantizeLinear', input: [`${tensor}_q`, scale, zero], output: [`${tensor}_dq`], name: `${tensor}_DequantizeLinear` };
    qdqAfter.set(tensor, [q, dq]);
    dequantized.set(tensor, `${tensor}_dq`);
  }

  const convOutputs = new Set(plan.convOutputs);
  const out: Node[] = [];
  const emitPairsFor = (tensor: string): void => {
    const pair = qdqAfter.get(tensor);
    if (pair) out.push(...pair);
  };
  emitPairsFor(graph.input![0]!.name!);
  for (const n of nodes) {
    const inputs = (n.input ?? []).map((i) => dequantized.get(i) ?? i);
    if (n.opType === 'Conv' && convOutputs.has(n.output![0]!)) {
      const xParams = params.get(n.input![0]!);
      const wInit = initializers.get(n.input![1]!)!;
      if (xParams) {
        const dims = (wInit.dims ?? []).map(Number);
        const w = floatsOf(wInit);
        const { q, scales } = quantizeWeights(w, dims[0]!, options.reduceRange);
        const base = n.input![1]!;
        const wq = addInit(`${base}_int8`, dims, q);
        const ws = addInit(`${base}_wscale`, [dims[0]!], scales);
        const wz = addInit(`${base}_wzero`, [dims[0]!], new Int8Array(dims[0]!));
        out.push({ opType: 'DequantizeLinear', input: [wq, ws, wz], output: [`${base}_dq`], name: `${base}_DequantizeLinear`, attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] });
        inputs[1] = `${base}_dq`;
        const biasName = n.input![2];
        if (biasName) {
          const b = floatsOf(initializers.get(biasName)!);
          const mean = options.inputMeans?.get(n.input![0]!);
          if (mean) {
            const group = Number(n.attribute?.find((a) => a.name === 'group')?.i ?? 1);
            const shift = biasCorrection(w, q, scales, dims, group, mean);
            for (let o = 0; o < b.length; o += 1) b[o]! -= shift[o]!;
          }
          const bq = new Int32Array(b.length);
          const bs = new Float32Array(b.length);
          for (let o = 0; o < b.length; o += 1) {
            bs[o] = xParams.scale * scales[o]!;
            bq[o] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(b[o]! / bs[o]!)));
          }
          const bqName = addInit(`${biasName}_int32`, [b.length], bq);
          const bsName = addInit(`${biasName}_bscale`, [b.length], bs);
          const bzName = addInit(`${biasName}_bzero`, [b.length], new Int32Array(b.length));
          out.push({ opType: 'DequantizeLinear', input: [bqName, bsName, bzName], output: [`${biasName}_dq`], name: `${biasName}_DequantizeLinear`, attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] });
          inputs[2] = `${biasName}_dq`;
        }
      }
    }
    out.push({ ...n, input: inputs });
    for (const o of n.output ?? []) emitPairsFor(o);
  }

  const used = new Set(out.flatMap((n) => n.input ?? []));
  graph.node = out;
  graph.initializer = [...(graph.initializer ?? []).filter((t) => used.has(t.name!)), ...added];
  model.producerVersion = `${model.producerVersion ?? '1'}-int8`;
  return onnx.ModelProto.encode(model).finish();
}
