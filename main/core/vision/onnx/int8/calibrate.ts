/**
 * Runs the FP32 graph on calibration inputs with every planned tensor exposed as an extra
 * output, and collects each tensor's range (RangeCollector).
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { RangeCollector } from './activation-ranges.js';

const { onnx } = onnxProto;

/** The FP32 model with `tensors` added as graph outputs. */
export function withExtraOutputs(fp32: Uint8Array, tensors: string[]): Uint8Array {
  const model = onnx.ModelProto.decode(fp32);
  const existing = new Set((model.graph!.output ?? []).map((o) => o.name));
  for (const name of tensors) {
    if (existing.has(name)) continue;
    model.graph!.output!.push({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  }
  return onnx.ModelProto.encode(model).finish();
}

export interface CalibrationInput {
  data: Float32Array;
  dims: number[];
}

/** Measures the tensors' ranges over the inputs (one inference each). */
export async function collectRanges(
  fp32: Uint8Array,
  tensors: string[],
  inputs: AsyncIterable<CalibrationInput> | Iterable<CalibrationInput>,
  options: { threads: number; onProgress?: (done: number) => void },
): Promise<{ collectors: Map<string, RangeCollector>; photos: number }> {
  const session = await ort.InferenceSession.create(withExtraOutputs(fp32, tensors), { intraOpNumThreads: options.threads, interOpNumThreads: 1, graphOptimizationLevel: 'basic' });
  const collectors = new Map(tensors.map((t) => [t, new RangeCollector()]));
  let photos = 0;
  try {
    for await (const input of inputs) {
      const outputs = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input.data, input.dims) }, tensors);
      for (const t of tensors) {
        collectors.get(t)!.add(outputs[t]!.data as Float32Array);
        outputs[t]!.dispose();
      }
      photos += 1;
      options.onProgress?.(photos);
    }
  } finally {
    await session.release();
  }
  return { collectors, photos };
}
