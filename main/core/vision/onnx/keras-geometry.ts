/**
 * Keras conventions translated to ONNX numbers: kernel sizes and strides, TF "same"
 * padding, kernel memory layouts, and reading a layer's float32 weights.
 */
import type * as tf from '@tensorflow/tfjs';
import { StationError } from '../../errors.js';
import { type Attribute, intsAttr, stringAttr } from './graph-builder.js';

export function pair(value: unknown, fallback: number): [number, number] {
  if (Array.isArray(value)) return [Number(value[0] ?? fallback), Number(value[1] ?? value[0] ?? fallback)];
  if (typeof value === 'number') return [value, value];
  return [fallback, fallback];
}

/**
 * Pads for one spatial axis, as TF computes them: "same" puts the odd extra pixel at the
 * end (asymmetric for strided layers). Returns null when the size is unknown.
 */
export function samePadding(inSize: number | null, kernel: number, stride: number, dilation: number): [number, number] | null {
  if (inSize === null) return null;
  const outSize = Math.ceil(inSize / stride);
  const effectiveKernel = (kernel - 1) * dilation + 1;
  const total = Math.max((outSize - 1) * stride + effectiveKernel - inSize, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

export function spatialOutSize(inSize: number | null, kernel: number, stride: number, dilation: number, padding: string): number | null {
  if (inSize === null) return null;
  if (padding === 'same') return Math.ceil(inSize / stride);
  return Math.floor((inSize - ((kernel - 1) * dilation + 1)) / stride) + 1;
}

/** Conv / pool padding attributes for a Keras `padding` on NCHW input of Keras shape [H, W, C]. */
export function paddingAttributes(
  shape: (number | null)[],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
  padding: string,
  where: string,
): Attribute[] {
  if (padding === 'valid') return [intsAttr('pads', [0, 0, 0, 0])];
  if (padding !== 'same') throw new StationError('MODEL_UNSUPPORTED', `${where}: padding "${padding}" is not supported (only "same" and "valid").`);
  const ph = samePadding(shape[0] ?? null, kernel[0], strides[0], dilations[0]);
  const pw = samePadding(shape[1] ?? null, kernel[1], strides[1], dilations[1]);
  // ONNX's SAME_UPPER is TF's rule too (extra pad at the end); explicit pads are clearer to read.
  if (!ph || !pw) return [stringAttr('auto_pad', 'SAME_UPPER')];
  return [intsAttr('pads', [ph[0], pw[0], ph[1], pw[1]])];
}

/** Keras (kh, kw, in, out) kernel -> ONNX (out, in, kh, kw). */
export function kernelToOihw(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y += 1)
    for (let x = 0; x < kw; x += 1)
      for (let i = 0; i < cin; i += 1)
        for (let o = 0; o < cout; o += 1)
          out[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o]!;
  return out;
}

/** Keras depthwise (kh, kw, C, m) kernel -> ONNX grouped (C*m, 1, kh, kw); output channel c*m+j. */
export function depthwiseToOihw(kernel: Float32Array, kh: number, kw: number, channels: number, multiplier: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y += 1)
    for (let x = 0; x < kw; x += 1)
      for (let c = 0; c < channels; c += 1)
        for (let j = 0; j < multiplier; j += 1)
          out[((c * multiplier + j) * kh + y) * kw + x] = kernel[((y * kw + x) * channels + c) * multiplier + j]!;
  return out;
}

export function weightData(layer: tf.layers.Layer): Float32Array[] {
  return layer.getWeights().map((w) => {
    if (w.dtype !== 'float32') throw new StationError('MODEL_UNSUPPORTED', `Layer "${layer.name}" holds ${w.dtype} weights; only float32 models can be compiled.`);
    // A copy: dataSync may hand out the backend's own buffer, and folding writes into ours.
    return (w.dataSync() as Float32Array).slice();
  });
}
