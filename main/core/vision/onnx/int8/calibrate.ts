/**
 * Runs the FP32 graph on calibration inputs and collects the range of every planned tensor
 * (RangeCollector). The graph itself reduces each tensor to its min, its max and a strided
 * sample of about HISTOGRAM_SAMPLES_PER_PHOTO values, so that only those leave ONNX Runtime.
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { tensorProto } from '../graph-builder.js';
import { HISTOGRAM_SAMPLES_PER_PHOTO, RangeCollector } from './activation-ranges.js';

const { onnx } = onnxProto;

const suffixes = { min: '__calib_min', max: '__calib_max', sample: '__calib_sample' } as const;
const MEAN_SUFFIX = '__calib_channel_mean';

/**
 * The FP32 model with, for each of `tensors`, graph outputs for its min, max and a sample;
 * and for each of `meanTensors` (NCHW), its mean per channel.
 */
export function withRangeOutputs(fp32: Uint8Array, tensors: string[], meanTensors: string[] = []): Uint8Array {
  const model = onnx.ModelProto.decode(fp32);
  const graph = model.graph!;
  const init = (name: string, data: BigInt64Array, dims: number[]) => graph.initializer!.push(tensorProto(name, dims, data));
  init('__calib_flat', BigInt64Array.of(-1n), [1]);
  init('__calib_samples', BigInt64Array.of(BigInt(HISTOGRAM_SAMPLES_PER_PHOTO)), []);
  init('__calib_one', BigInt64Array.of(1n), []);
  init('__calib_zero', BigInt64Array.of(0n), [1]);
  init('__calib_end', BigInt64Array.of(2n ** 62n), [1]);
  init('__calib_axis', BigInt64Array.of(0n), [1]);
  const node = (opType: string, input: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []) =>
    graph.node!.push({ opType, input, output: [output], name: output, attribute });
  const keepdims = [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }];
  const output = (name: string) => graph.output!.push({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  for (const t of tensors) {
    node('ReduceMin', [t], t + suffixes.min, keepdims);
    node('ReduceMax', [t], t + suffixes.max, keepdims);
    // step = max(1, ceil(size / samples)); sample = flat[0::step]
    node('Reshape', [t, '__calib_flat'], `${t}__calib_flat`);
    node('Size', [t], `${t}__calib_size`);
    node('Sub', [`${t}__calib_size`, '__calib_one'], `${t}__calib_size1`);
    node('Div', [`${t}__calib_size1`, '__calib_samples'], `${t}__calib_q`);
    node('Add', [`${t}__calib_q`, '__calib_one'], `${t}__calib_step0`);
    node('Unsqueeze', [`${t}__calib_step0`, '__calib_axis'], `${t}__calib_step`);
    node('Slice', [`${t}__calib_flat`, '__calib_zero', '__calib_end', '__calib_axis', `${t}__calib_step`], t + suffixes.sample);
    for (const suffix of Object.values(suffixes)) output(t + suffix);
  }
  for (const t of meanTensors) {
    node('ReduceMean', [t], t + MEAN_SUFFIX, [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 3] }, ...keepdims]);
    output(t + MEAN_SUFFIX);
  }
  return onnx.ModelProto.encode(model).finish();
}

export interface CalibrationInput {
  data: Float32Array;
  dims: number[];
}

/**
 * Measures the tensors' ranges over the inputs (one inference each), and the mean per
 * channel of `options.meanTensors` (for bias correction).
 */
export async function collectRanges(
  fp32: Uint8Array,
  tensors: string[],
  inputs: AsyncIterable<CalibrationInput> | Iterable<CalibrationInput>,
  options: { threads: number; meanTensors?: string[]; onProgress?: (done: number) => void },
): Promise<{ collectors: Map<string, RangeCollector>; channelMeans: Map<string, Float64Array>; photos: number }> {
  const meanTensors = options.meanTensors ?? [];
  const session = await ort.InferenceSession.create(withRangeOutputs(fp32, tensors, meanTensors), { intraOpNumThreads: options.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const fetches = [...tensors.flatMap((t) => Object.values(suffixes).map((suffix) => t + suffix)), ...meanTensors.map((t) => t + MEAN_SUFFIX)];
  const collectors = new Map(tensors.map((t) => [t, new RangeCollector()]));
  const sums = new Map<string, Float64Array>();
  let photos = 0;
  try {
    for await (const input of inputs) {
      const outputs = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input.data, input.dims) }, fetches);
      for (const t of tensors) {
        const value = (suffix: string) => outputs[t + suffix]!.data as Float32Array;
        collectors.get(t)!.addSummary(value(suffixes.min)[0]!, value(suffixes.max)[0]!, value(suffixes.sample));
      }
      for (const t of meanTensors) {
        const mean = outputs[t + MEAN_SUFFIX]!.data as Float32Array;
        const sum = sums.get(t) ?? new Float64Array(mean.length);
        for (let c = 0; c < mean.length; c += 1) sum[c]! += mean[c]!;
        sums.set(t, sum);
      }
      for (const tensor of Object.values(outputs)) tensor.dispose();
      photos += 1;
      options.onProgress?.(photos);
    }
  } finally {
    await session.release();
  }
  const channelMeans = new Map([...sums].map(([t, sum]) => [t, sum.map((v) => v / photos)]));
  return { collectors, channelMeans, photos };
}
