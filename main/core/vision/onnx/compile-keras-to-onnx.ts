/**
 * Translates a TF.js layers model (Keras graph with weights) into ONNX bytes that
 * onnxruntime runs. Keras works in NHWC; ONNX convolutions want NCHW, so the graph
 * transposes once at the input and keeps 4-D tensors in NCHW until a layer needs
 * Keras order back (Dense, Flatten, Reshape, the outputs).
 */
import type * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { StationError } from '../../errors.js';

const { onnx } = onnxProto;

export interface CompileOptions {
  /** Layer whose output becomes the `embedding` graph output (e.g. 'avg_pool'). */
  embeddingLayer?: string;
  /** ONNX opset; 13 or newer (Softmax over one axis, Clip with tensor bounds). */
  opset?: number;
}

export const ONNX_INPUT_NAME = 'input';
export const ONNX_PROBABILITIES_NAME = 'probabilities';
export const ONNX_EMBEDDING_NAME = 'embedding';

/** Layers that are containers: their inner graph is inlined. */
const CONTAINER_CLASSES = new Set(['Sequential', 'Model', 'Functional', 'LayersModel']);

type Layout = 'nchw' | 'keras';

/** A tensor in the ONNX graph under construction. `shape` is Keras' shape without the batch dim. */
interface Value {
  name: string;
  layout: Layout;
  shape: (number | null)[];
}

interface IrNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: onnxProto.onnx.IAttributeProto[];
  /** Set on Conv nodes whose weights are ours to fold a following BatchNormalization into. */
  foldable?: { weight: string; bias: string; outChannels: number };
  /** Set on the Mul of a BatchNormalization's Mul+Add pair, for folding into a Conv. */
  batchNorm?: { scale: Float32Array; shift: Float32Array; addOutput: string };
}

type SymbolicTensor = tf.SymbolicTensor;
type Layer = tf.layers.Layer;

interface Scope {
  prefix: string;
  values: Map<number, Value>;
}

/** Builds the ONNX graph; one instance per compile call. */
class GraphBuilder {
  readonly nodes: IrNode[] = [];
  readonly initializers = new Map<string, { dims: number[]; data: Float32Array | BigInt64Array }>();
  private readonly usedNames = new Set<string>();
  private readonly transposed = new Map<string, Value>();
  /** Keras layer name (of the top-level scope path) -> its output value, for the embedding output. */
  readonly layerOutputs = new Map<string, Value>();

  uniqueName(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_./:-]/g, '_');
    for (let i = 1; this.usedNames.has(name); i += 1) name = `${base}__${i}`;
    this.usedNames.add(name);
    return name;
  }

  addInitializer(base: string, dims: number[], data: Float32Array | BigInt64Array): string {
    const name = this.uniqueName(base);
    this.initializers.set(name, { dims, data });
    return name;
  }

  addNode(opType: string, inputs: string[], outputBase: string, attributes: onnxProto.onnx.IAttributeProto[] = []): string {
    const output = this.uniqueName(outputBase);
    this.nodes.push({ opType, inputs, outputs: [output], attributes });
    return output;
  }

  /** The value in NCHW order (4-D tensors only; others pass through). */
  asNchw(value: Value): Value {
    if (value.layout === 'nchw' || value.shape.length !== 3) return value;
    return this.transpose(value, [0, 3, 1, 2], 'nchw');
  }

  /** The value in Keras (NHWC) order. */
  asKeras(value: Value): Value {
    if (value.layout === 'keras') return value;
    return this.transpose(value, [0, 2, 3, 1], 'keras');
  }

  private transpose(value: Value, perm: number[], layout: Layout): Value {
    const key = `${value.name}->${layout}`;
    const cached = this.transposed.get(key);
    if (cached) return cached;
    const name = this.addNode('Transpose', [value.name], `${value.name}_${layout}`, [intsAttr('perm', perm)]);
    const result: Value = { name, layout, shape: value.shape };
    this.transposed.set(key, result);
    return result;
  }
}

function intAttr(name: string, i: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}
function intsAttr(name: string, ints: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}
function floatAttr(name: string, f: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}
function stringAttr(name: string, s: string): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) };
}

type Config = Record<string, unknown>;

function pair(value: unknown, fallback: number): [number, number] {
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

function spatialOutSize(inSize: number | null, kernel: number, stride: number, dilation: number, padding: string): number | null {
  if (inSize === null) return null;
  if (padding === 'same') return Math.ceil(inSize / stride);
  return Math.floor((inSize - ((kernel - 1) * dilation + 1)) / stride) + 1;
}

/** Conv / pool padding attributes for a Keras `padding` on NCHW input of Keras shape [H, W, C]. */
function paddingAttributes(
  shape: (number | null)[],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
  padding: string,
  where: string,
): onnxProto.onnx.IAttributeProto[] {
  if (padding === 'valid') return [intsAttr('pads', [0, 0, 0, 0])];
  if (padding !== 'same') throw new StationError('MODEL_UNSUPPORTED', `${where}: padding "${padding}" is not supported (only "same" and "valid").`);
  const ph = samePadding(shape[0] ?? null, kernel[0], strides[0], dilations[0]);
  const pw = samePadding(shape[1] ?? null, kernel[1], strides[1], dilations[1]);
  // ONNX's SAME_UPPER is TF's rule too (extra pad at the end); explicit pads are clearer to read.
  if (!ph || !pw) return [stringAttr('auto_pad', 'SAME_UPPER')];
  return [intsAttr('pads', [ph[0], pw[0], ph[1], pw[1]])];
}

/** Keras (kh, kw, in, out) kernel -> ONNX (out, in, kh, kw). */
function kernelToOihw(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y += 1)
    for (let x = 0; x < kw; x += 1)
      for (let i = 0; i < cin; i += 1)
        for (let o = 0; o < cout; o += 1)
          out[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o]!;
  return out;
}

/** Keras depthwise (kh, kw, C, m) kernel -> ONNX grouped (C*m, 1, kh, kw); output channel c*m+j. */
function depthwiseToOihw(kernel: Float32Array, kh: number, kw: number, channels: number, multiplier: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y += 1)
    for (let x = 0; x < kw; x += 1)
      for (let c = 0; c < channels; c += 1)
        for (let j = 0; j < multiplier; j += 1)
          out[((c * multiplier + j) * kh + y) * kw + x] = kernel[((y * kw + x) * channels + c) * multiplier + j]!;
  return out;
}

function weightData(layer: Layer): Float32Array[] {
  return layer.getWeights().map((w) => {
    if (w.dtype !== 'float32') throw new StationError('MODEL_UNSUPPORTED', `Layer "${layer.name}" holds ${w.dtype} weights; only float32 models can be compiled.`);
    // A copy: dataSync may hand out the backend's own buffer, and folding writes into ours.
    return (w.dataSync() as Float32Array).slice();
  });
}

const SIMPLE_ACTIVATIONS: Record<string, string> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  softplus: 'Softplus',
  softsign: 'Softsign',
  elu: 'Elu',
  selu: 'Selu',
};

class KerasToOnnx {
  readonly g = new GraphBuilder();

  constructor(private readonly model: tf.LayersModel) {}

  /** Emits a Keras activation function applied to `value`; the layout is kept. */
  activation(name: string, value: Value, base: string, axisForSoftmax = -1): Value {
    const g = this.g;
    const op = SIMPLE_ACTIVATIONS[name];
    if (name === 'linear' || name === undefined) return value;
    if (op) {
      // Keras' elu uses alpha 1 and selu its fixed constants, ONNX' defaults too.
      return { ...value, name: g.addNode(op, [value.name], `${base}_${name}`) };
    }
    switch (name) {
      case 'relu6':
        return this.clip(value, 0, 6, base);
      case 'hardSigmoid':
      case 'hard_sigmoid':
        // tfjs: clip(0.2 x + 0.5, 0, 1), as Keras 2.
        return { ...value, name: g.addNode('HardSigmoid', [value.name], `${base}_hard_sigmoid`, [floatAttr('alpha', 0.2), floatAttr('beta', 0.5)]) };
      case 'swish': {
        const s = g.addNode('Sigmoid', [value.name], `${base}_swish_sigmoid`);
        return { ...value, name: g.addNode('Mul', [value.name, s], `${base}_swish`) };
      }
      case 'mish': {
        const sp = g.addNode('Softplus', [value.name], `${base}_mish_softplus`);
        const th = g.addNode('Tanh', [sp], `${base}_mish_tanh`);
        return { ...value, name: g.addNode('Mul', [value.name, th], `${base}_mish`) };
      }
      case 'softmax': {
        const rank = value.shape.length + 1;
        let axis = axisForSoftmax < 0 ? rank + axisForSoftmax : axisForSoftmax;
        if (value.layout === 'nchw') axis = [0, 2, 3, 1][axis] ?? axis;
        return { ...value, name: g.addNode('Softmax', [value.name], `${base}_softmax`, [intAttr('axis', axis)]) };
      }
      default:
        throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}": activation "${name}" is not supported by the ONNX compiler.`);
    }
  }

  clip(value: Value, min: number, max: number, base: string): Value {
    const lo = this.g.addInitializer(`${base}_clip_min`, [], Float32Array.of(min));
    const hi = this.g.addInitializer(`${base}_clip_max`, [], Float32Array.of(max));
    return { ...value, name: this.g.addNode('Clip', [value.name, lo, hi], `${base}_clip`) };
  }

  /** Per-channel y = x * scale + shift on an NCHW 4-D value or a Keras-order tensor. */
  scaleShift(value: Value, scale: Float32Array | null, shift: Float32Array | null, base: string): Value {
    const channels = (scale ?? shift)!.length;
    const dims = value.layout === 'nchw' ? [channels, 1, 1] : [channels];
    let name = value.name;
    if (scale) name = this.g.addNode('Mul', [name, this.g.addInitializer(`${base}_scale`, dims, scale)], `${base}_mul`);
    if (shift) name = this.g.addNode('Add', [name, this.g.addInitializer(`${base}_shift`, dims, shift)], `${base}_add`);
    return { ...value, name };
  }

  conv(
    input: Value,
    weight: Float32Array,
    bias: Float32Array,
    weightDims: [number, number, number, number],
    cfg: { strides: [number, number]; dilations: [number, number]; padding: string; group: number; kernel: [number, number] },
    outShape: (number | null)[],
    base: string,
  ): Value {
    const x = this.g.asNchw(input);
    const w = this.g.addInitializer(`${base}_W`, weightDims, weight);
    const b = this.g.addInitializer(`${base}_B`, [weightDims[0]], bias);
    const attributes = [
      intsAttr('kernel_shape', cfg.kernel),
      intsAttr('strides', cfg.strides),
      intsAttr('dilations', cfg.dilations),
      intAttr('group', cfg.group),
      ...paddingAttributes(input.shape, cfg.kernel, cfg.strides, cfg.dilations, cfg.padding, base),
    ];
    const output = this.g.uniqueName(base);
    this.g.nodes.push({ opType: 'Conv', inputs: [x.name, w, b], outputs: [output], attributes, foldable: { weight: w, bias: b, outChannels: weightDims[0] } });
    return { name: output, layout: 'nchw', shape: outShape };
  }

  /** Emits one (non-container) layer applied to its inputs. */
  layer(layer: Layer, inputs: Value[], outShape: (number | null)[], base: string): Value {
    const g = this.g;
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Config;
    const one = (): Value => {
      if (inputs.length !== 1) throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (${cls}) has ${inputs.length} inputs; expected 1.`);
      return inputs[0]!;
    };
    if (cfg.dataFormat === 'channelsFirst') {
      throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (${cls}) uses channels_first data; only channels_last Keras models can be compiled.`);
    }
    switch (cls) {
      case 'Dropout':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'AlphaDropout':
        return one();
      case 'Activation':
        return this.activation(String(cfg.activation), one(), base);
      case 'ReLU': {
        const x = one();
        const maxValue = cfg.maxValue ?? cfg.max_value;
        const slope = Number(cfg.negativeSlope ?? cfg.negative_slope ?? 0);
        const threshold = Number(cfg.threshold ?? 0);
        if (threshold !== 0) throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (ReLU) has a threshold, which the ONNX compiler does not support.`);
        if (slope !== 0) {
          const leaky = { ...x, name: g.addNode('LeakyRelu', [x.name], `${base}_leaky`, [floatAttr('alpha', slope)]) };
          if (maxValue == null) return leaky;
          const hi = g.addInitializer(`${base}_max`, [], Float32Array.of(Number(maxValue)));
          return { ...x, name: g.addNode('Min', [leaky.name, hi], `${base}_min`) };
        }
        if (maxValue == null) return { ...x, name: g.addNode('Relu', [x.name], base) };
        return this.clip(x, 0, Number(maxValue), base);
      }
      case 'LeakyReLU':
        return { ...one(), name: g.addNode('LeakyRelu', [one().name], base, [floatAttr('alpha', Number(cfg.alpha ?? 0.3))]) };
      case 'ELU':
        return { ...one(), name: g.addNode('Elu', [one().name], base, [floatAttr('alpha', Number(cfg.alpha ?? 1))]) };
      case 'Softmax':
        return this.activation('softmax', one(), base, Number(Array.isArray(cfg.axis) ? cfg.axis[0] : (cfg.axis ?? -1)));
      case 'Conv2D': {
        const x = one();
        const [kernel, bias] = weightData(layer);
        const k = pair(cfg.kernelSize, 1);
        const strides = pair(cfg.strides, 1);
        const dilations = pair(cfg.dilationRate, 1);
        const groups = Number(cfg.groups ?? 1);
        const cin = Number(x.shape[2]);
        const cout = Number(cfg.filters);
        const w = kernelToOihw(kernel!, k[0], k[1], cin / groups, cout);
        const y = this.conv(x, w, bias ?? new Float32Array(cout), [cout, cin / groups, k[0], k[1]], { strides, dilations, padding: String(cfg.padding), group: groups, kernel: k }, outShape, base);
        return this.activation(String(cfg.activation), y, base);
      }
      case 'DepthwiseConv2D': {
        const x = one();
        const [kernel, bias] = weightData(layer);
        const k = pair(cfg.kernelSize, 1);
        const strides = pair(cfg.strides, 1);
        const dilations = pair(cfg.dilationRate, 1);
        const channels = Number(x.shape[2]);
        const multiplier = Number(cfg.depthMultiplier ?? 1);
        const w = depthwiseToOihw(kernel!, k[0], k[1], channels, multiplier);
        const cout = channels * multiplier;
        const y = this.conv(x, w, bias ?? new Float32Array(cout), [cout, 1, k[0], k[1]], { strides, dilations, padding: String(cfg.padding), group: channels, kernel: k }, outShape, base);
        return this.activation(String(cfg.activation), y, base);
      }
      case 'SeparableConv2D': {
        const x = one();
        const [depthwise, pointwise, bias] = weightData(layer);
        const k = pair(cfg.kernelSize, 1);
        const strides = pair(cfg.strides, 1);
        const dilations = pair(cfg.dilationRate, 1);
        const channels = Number(x.shape[2]);
        const multiplier = Number(cfg.depthMultiplier ?? 1);
        const mid = channels * multiplier;
        const cout = Number(cfg.filters);
        const midShape = [
          spatialOutSize(x.shape[0] ?? null, k[0], strides[0], dilations[0], String(cfg.padding)),
          spatialOutSize(x.shape[1] ?? null, k[1], strides[1], dilations[1], String(cfg.padding)),
          mid,
        ];
        const dw = this.conv(x, depthwiseToOihw(depthwise!, k[0], k[1], channels, multiplier), new Float32Array(mid), [mid, 1, k[0], k[1]],
          { strides, dilations, padding: String(cfg.padding), group: channels, kernel: k }, midShape, `${base}_depthwise`);
        // The depthwise half has no BN after it: only the pointwise half stays foldable.
        const dwNode = g.nodes[g.nodes.length - 1]!;
        delete dwNode.foldable;
        const pw = this.conv(dw, kernelToOihw(pointwise!, 1, 1, mid, cout), bias ?? new Float32Array(cout), [cout, mid, 1, 1],
          { strides: [1, 1], dilations: [1, 1], padding: 'valid', group: 1, kernel: [1, 1] }, outShape, base);
        return this.activation(String(cfg.activation), pw, base);
      }
      case 'BatchNormalization': {
        const x = one();
        const axis = Number(Array.isArray(cfg.axis) ? cfg.axis[0] : (cfg.axis ?? -1));
        const rank = x.shape.length + 1;
        if (axis !== -1 && axis !== rank - 1) throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (BatchNormalization) normalises axis ${axis}; only the channel (last) axis is supported.`);
        const weights = weightData(layer);
        let i = 0;
        const gamma = cfg.scale === false ? null : weights[i++]!;
        const beta = cfg.center === false ? null : weights[i++]!;
        const mean = weights[i++]!;
        const variance = weights[i++]!;
        const epsilon = Number(cfg.epsilon ?? 1e-3);
        const channels = mean.length;
        const scale = new Float32Array(channels);
        const shift = new Float32Array(channels);
        for (let c = 0; c < channels; c += 1) {
          // tfjs computes (x - mean) * rsqrt(var + eps) * gamma + beta in float32.
          const s = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + epsilon);
          scale[c] = s;
          shift[c] = (beta ? beta[c]! : 0) - mean[c]! * s;
        }
        const y = this.scaleShift(x.shape.length === 3 ? g.asNchw(x) : x, scale, shift, base);
        const mul = g.nodes[g.nodes.length - 2]!;
        mul.batchNorm = { scale, shift, addOutput: y.name };
        return y;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const x = g.asNchw(one());
        const k = pair(cfg.poolSize, 2);
        const strides = pair(cfg.strides ?? cfg.poolSize, 2);
        const attributes = [intsAttr('kernel_shape', k), intsAttr('strides', strides), ...paddingAttributes(x.shape, k, strides, [1, 1], String(cfg.padding), base)];
        // TF's average pooling leaves padded cells out of the mean: count_include_pad 0, ONNX' default.
        const op = cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
        return { name: g.addNode(op, [x.name], base, attributes), layout: 'nchw', shape: outShape };
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        const x = g.asNchw(one());
        const keep = Boolean(cfg.keepDims ?? cfg.keepdims ?? false);
        const pooled = g.addNode(cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name], keep ? base : `${base}_nc11`);
        if (keep) return { name: pooled, layout: 'nchw', shape: outShape };
        const flat = g.addNode('Flatten', [pooled], base, [intAttr('axis', 1)]);
        return { name: flat, layout: 'keras', shape: outShape };
      }
      case 'ZeroPadding2D': {
        const x = g.asNchw(one());
        const p = cfg.padding;
        let top = 1, bottom = 1, left = 1, right = 1;
        if (typeof p === 'number') [top, bottom, left, right] = [p, p, p, p];
        else if (Array.isArray(p) && Array.isArray(p[0])) {
          [top, bottom] = pair(p[0], 0);
          [left, right] = pair(p[1], 0);
        } else if (Array.isArray(p)) {
          [top, bottom] = [Number(p[0]), Number(p[0])];
          [left, right] = [Number(p[1]), Number(p[1])];
        }
        const pads = g.addInitializer(`${base}_pads`, [8], BigInt64Array.from([0, 0, top, left, 0, 0, bottom, right].map(BigInt)));
        return { name: g.addNode('Pad', [x.name, pads], base, [stringAttr('mode', 'constant')]), layout: 'nchw', shape: outShape };
      }
      case 'Add':
      case 'Multiply':
      case 'Maximum':
      case 'Minimum':
      case 'Average':
      case 'Subtract': {
        const layout: Layout = inputs.some((v) => v.layout === 'nchw') ? 'nchw' : 'keras';
        const xs = inputs.map((v) => (layout === 'nchw' ? g.asNchw(v) : g.asKeras(v)));
        const op = { Add: 'Add', Multiply: 'Mul', Maximum: 'Max', Minimum: 'Min', Average: 'Add', Subtract: 'Sub' }[cls]!;
        let name = xs[0]!.name;
        if (op === 'Max' || op === 'Min') name = g.addNode(op, xs.map((v) => v.name), base);
        else for (let i = 1; i < xs.length; i += 1) name = g.addNode(op, [name, xs[i]!.name], i === xs.length - 1 ? base : `${base}_${i}`);
        if (cls === 'Average') name = g.addNode('Mul', [name, g.addInitializer(`${base}_n`, [], Float32Array.of(1 / xs.length))], `${base}_mean`);
        return { name, layout, shape: outShape };
      }
      case 'Concatenate': {
        const layout: Layout = inputs.some((v) => v.layout === 'nchw') && outShape.length === 3 ? 'nchw' : 'keras';
        const xs = inputs.map((v) => (layout === 'nchw' ? g.asNchw(v) : g.asKeras(v)));
        const rank = outShape.length + 1;
        let axis = Number(cfg.axis ?? -1);
        if (axis < 0) axis += rank;
        if (layout === 'nchw') axis = [0, 2, 3, 1][axis]!;
        return { name: g.addNode('Concat', xs.map((v) => v.name), base, [intAttr('axis', axis)]), layout, shape: outShape };
      }
      case 'Dense': {
        const x = g.asKeras(one());
        const [kernel, bias] = weightData(layer);
        const units = Number(cfg.units);
        const inUnits = kernel!.length / units;
        const w = g.addInitializer(`${base}_W`, [inUnits, units], kernel!);
        const b = g.addInitializer(`${base}_B`, [units], bias ?? new Float32Array(units));
        let name: string;
        if (x.shape.length === 1) name = g.addNode('Gemm', [x.name, w, b], base);
        else name = g.addNode('Add', [g.addNode('MatMul', [x.name, w], `${base}_matmul`), b], base);
        return this.activation(String(cfg.activation), { name, layout: 'keras', shape: outShape }, base);
      }
      case 'Flatten': {
        const x = g.asKeras(one());
        return { name: g.addNode('Flatten', [x.name], base, [intAttr('axis', 1)]), layout: 'keras', shape: outShape };
      }
      case 'Reshape': {
        const x = g.asKeras(one());
        const target = (cfg.targetShape as number[]).map(Number);
        const shapeInit = g.addInitializer(`${base}_shape`, [target.length + 1], BigInt64Array.from([0, ...target].map(BigInt)));
        return { name: g.addNode('Reshape', [x.name, shapeInit], base), layout: 'keras', shape: outShape };
      }
      case 'Rescaling': {
        const x = one();
        const scale = Number(cfg.scale ?? 1);
        const offset = Number(cfg.offset ?? 0);
        let name = g.addNode('Mul', [x.name, g.addInitializer(`${base}_scale`, [], Float32Array.of(scale))], `${base}_mul`);
        name = g.addNode('Add', [name, g.addInitializer(`${base}_offset`, [], Float32Array.of(offset))], base);
        return { ...x, name };
      }
      default:
        throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (${cls}) is not supported by the ONNX compiler.`);
    }
  }

  /** Resolves a symbolic tensor to a graph value, emitting its producing layers first. */
  tensor(t: SymbolicTensor, scope: Scope): Value {
    const known = scope.values.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer as Layer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node) throw new StationError('MODEL_INVALID', `Layer "${layer.name}" has no call node ${t.nodeIndex}; the model graph is inconsistent.`);
    const base = scope.prefix + layer.name;
    if (layer.getClassName() === 'InputLayer') {
      throw new StationError('MODEL_INVALID', `Input "${base}" is not connected to the model's input.`);
    }
    const inputs = node.inputTensors.map((x) => this.tensor(x, scope));
    let result: Value;
    if (CONTAINER_CLASSES.has(layer.getClassName()) || isContainer(layer)) {
      result = this.container(layer as unknown as tf.LayersModel, inputs, t.tensorIndex, scope.prefix + layer.name + '/');
    } else {
      if (node.outputTensors.length !== 1) throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (${layer.getClassName()}) has several outputs; not supported.`);
      result = this.layer(layer, inputs, t.shape.slice(1), base);
    }
    scope.values.set(t.id, result);
    this.g.layerOutputs.set(base, result);
    if (!this.g.layerOutputs.has(layer.name)) this.g.layerOutputs.set(layer.name, result);
    return result;
  }

  /** Inlines a nested model: binds its inputs to `inputs` and returns its `outputIndex`-th output. */
  container(model: tf.LayersModel, inputs: Value[], outputIndex: number, prefix: string): Value {
    const inner: Scope = { prefix, values: new Map() };
    model.inputs.forEach((t, i) => {
      const v = inputs[i];
      if (!v) throw new StationError('MODEL_INVALID', `Nested model "${model.name}" gets fewer inputs than it declares.`);
      inner.values.set(t.id, v);
    });
    const out = model.outputs[outputIndex];
    if (!out) throw new StationError('MODEL_INVALID', `Nested model "${model.name}" has no output ${outputIndex}.`);
    return this.tensor(out, inner);
  }

  /** Lists every unsupported layer (class and name), nested ones included. */
  collectUnsupported(model: tf.LayersModel, prefix: string, into: string[]): void {
    for (const layer of model.layers) {
      if (isContainer(layer)) this.collectUnsupported(layer as unknown as tf.LayersModel, `${prefix}${layer.name}/`, into);
      else if (!SUPPORTED_CLASSES.has(layer.getClassName())) into.push(`${layer.getClassName()} "${prefix}${layer.name}"`);
    }
  }
}

const SUPPORTED_CLASSES = new Set([
  'InputLayer', 'Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Activation', 'ReLU', 'LeakyReLU', 'ELU',
  'Softmax', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'BatchNormalization', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'ZeroPadding2D', 'Add', 'Multiply', 'Maximum', 'Minimum', 'Average', 'Subtract',
  'Concatenate', 'Dense', 'Flatten', 'Reshape', 'Rescaling',
]);

/**
 * Folds each BatchNormalization (Mul+Add) into the Conv that produces its input, when that
 * Conv output feeds nothing else: w' = w * s, b' = b * s + t, per output channel.
 */
function foldBatchNorms(nodes: IrNode[], initializers: GraphBuilder['initializers']): IrNode[] {
  const consumers = new Map<string, number>();
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const producers = new Map<string, IrNode>();
  for (const n of nodes) producers.set(n.outputs[0]!, n);
  const removed = new Set<IrNode>();
  for (const mul of nodes) {
    if (!mul.batchNorm) continue;
    const conv = producers.get(mul.inputs[0]!);
    if (!conv?.foldable || conv.foldable.outChannels !== mul.batchNorm.scale.length || consumers.get(conv.outputs[0]!) !== 1) continue;
    const add = producers.get(mul.batchNorm.addOutput)!;
    const { scale, shift } = mul.batchNorm;
    const w = initializers.get(conv.foldable.weight)!.data as Float32Array;
    const b = initializers.get(conv.foldable.bias)!.data as Float32Array;
    const perChannel = w.length / scale.length;
    for (let o = 0; o < scale.length; o += 1) {
      for (let i = 0; i < perChannel; i += 1) w[o * perChannel + i]! *= scale[o]!;
      b[o] = b[o]! * scale[o]! + shift[o]!;
    }
    conv.outputs = [mul.batchNorm.addOutput];
    delete conv.foldable;
    removed.add(mul).add(add);
  }
  return nodes.filter((n) => !removed.has(n));
}

function isContainer(layer: Layer): boolean {
  return Array.isArray((layer as unknown as { layers?: unknown }).layers) && Array.isArray((layer as unknown as { outputs?: unknown }).outputs);
}

function tensorProto(name: string, dims: number[], data: Float32Array | BigInt64Array): onnxProto.onnx.ITensorProto {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    name,
    dims,
    dataType: data instanceof Float32Array ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
    rawData: bytes,
  };
}

function valueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Compiles a TF.js layers model (one image input, channels_last) to ONNX bytes. The ONNX
 * input `input` is NHWC float32 [batch, H, W, C]; outputs are `probabilities` (the model's
 * first output) and, with `embeddingLayer`, `embedding` (that layer's output).
 */
export function compileKerasToOnnx(model: tf.LayersModel, options: CompileOptions = {}): Uint8Array {
  const opset = options.opset ?? 13;
  if (opset < 13) throw new StationError('INVALID_ARGUMENT', `ONNX opset ${opset} is too old for the compiler; use 13 or newer.`);
  if (model.inputs.length !== 1) {
    throw new StationError('MODEL_UNSUPPORTED', `Model "${model.name}" has ${model.inputs.length} inputs; only single-image models can be compiled.`);
  }
  const compiler = new KerasToOnnx(model);
  const unsupported: string[] = [];
  compiler.collectUnsupported(model, '', unsupported);
  if (unsupported.length > 0) {
    throw new StationError('MODEL_UNSUPPORTED', `Model "${model.name}" uses layers the ONNX compiler does not support: ${unsupported.join(', ')}. Convert the model without them (Lambda layers hold arbitrary Python code and can never be translated).`);
  }
  const g = compiler.g;
  const input = model.inputs[0]!;
  const inputShape = input.shape.slice(1);
  if (inputShape.length !== 3) {
    throw new StationError('MODEL_UNSUPPORTED', `Model "${model.name}" takes input of shape [${input.shape.join(', ')}]; an image model takes [batch, height, width, channels].`);
  }
  g.uniqueName(ONNX_INPUT_NAME);
  g.uniqueName(ONNX_PROBABILITIES_NAME);
  g.uniqueName(ONNX_EMBEDDING_NAME);
  const scope: Scope = { prefix: '', values: new Map() };
  scope.values.set(input.id, { name: ONNX_INPUT_NAME, layout: 'keras', shape: inputShape });

  const output = model.outputs[0]!;
  const outValue = g.asKeras(compiler.tensor(output, scope));
  g.nodes.push({ opType: 'Identity', inputs: [outValue.name], outputs: [ONNX_PROBABILITIES_NAME], attributes: [] });
  const outputs = [valueInfo(ONNX_PROBABILITIES_NAME, ['batch', ...output.shape.slice(1).map((d, i) => d ?? `d${i + 1}`)])];

  if (options.embeddingLayer) {
    const found = g.layerOutputs.get(options.embeddingLayer);
    if (!found) {
      throw new StationError('MODEL_INVALID', `Embedding layer "${options.embeddingLayer}" is not in model "${model.name}" (or does not lead to its output). Layers found: ${[...g.layerOutputs.keys()].filter((k) => !k.includes('/')).slice(-8).join(', ')}…`);
    }
    const emb = g.asKeras(found);
    g.nodes.push({ opType: 'Identity', inputs: [emb.name], outputs: [ONNX_EMBEDDING_NAME], attributes: [] });
    outputs.push(valueInfo(ONNX_EMBEDDING_NAME, ['batch', ...emb.shape.map((d, i) => d ?? `e${i + 1}`)]));
  }

  const nodes = foldBatchNorms(g.nodes, g.initializers);
  const used = new Set(nodes.flatMap((n) => n.inputs));
  const graph: onnxProto.onnx.IGraphProto = {
    name: model.name,
    node: nodes.map((n, i) => ({ opType: n.opType, input: n.inputs, output: n.outputs, attribute: n.attributes, name: `${n.opType}_${i}` })),
    initializer: [...g.initializers].filter(([name]) => used.has(name)).map(([name, t]) => tensorProto(name, t.dims, t.data)),
    input: [valueInfo(ONNX_INPUT_NAME, ['batch', ...inputShape.map((d, i) => d ?? (i === 2 ? 3 : `s${i + 1}`))])],
    output: outputs,
  };
  const proto: onnxProto.onnx.IModelProto = {
    irVersion: 7,
    producerName: 'invasives-station',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: opset }],
    graph,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}
