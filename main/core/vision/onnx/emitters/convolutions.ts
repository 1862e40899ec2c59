/**
 * Convolutions (Conv2D, DepthwiseConv2D, SeparableConv2D) and BatchNormalization, which
 * fold-batch-norms.ts later folds into the convolution before it.
 */
import { StationError } from '../../../errors.js';
import { type GraphBuilder, type Value, intAttr, intsAttr } from '../graph-builder.js';
import { depthwiseToOihw, kernelToOihw, paddingAttributes, pair, spatialOutSize, weightData } from '../keras-geometry.js';
import { activation } from './activations.js';
import { type LayerCall, type LayerEmitter, onlyInput } from './layer-call.js';

interface ConvGeometry {
  strides: [number, number];
  dilations: [number, number];
  padding: string;
  group: number;
  kernel: [number, number];
}

/** A Conv node on `input` (made NCHW), marked foldable for a following BatchNormalization. */
export function conv(
  g: GraphBuilder,
  input: Value,
  weight: Float32Array,
  bias: Float32Array,
  weightDims: [number, number, number, number],
  geometry: ConvGeometry,
  outShape: (number | null)[],
  base: string,
): Value {
  const x = g.asNchw(input);
  const w = g.addInitializer(`${base}_W`, weightDims, weight);
  const b = g.addInitializer(`${base}_B`, [weightDims[0]], bias);
  const attributes = [
    intsAttr('kernel_shape', geometry.kernel),
    intsAttr('strides', geometry.strides),
    intsAttr('dilations', geometry.dilations),
    intAttr('group', geometry.group),
    ...paddingAttributes(input.shape, geometry.kernel, geometry.strides, geometry.dilations, geometry.padding, base),
  ];
  const output = g.uniqueName(base);
  g.nodes.push({ opType: 'Conv', inputs: [x.name, w, b], outputs: [output], attributes, foldable: { weight: w, bias: b, outChannels: weightDims[0] } });
  return { name: output, layout: 'nchw', shape: outShape };
}

function geometryOf(call: LayerCall): Omit<ConvGeometry, 'group'> {
  return {
    kernel: pair(call.cfg.kernelSize, 1),
    strides: pair(call.cfg.strides, 1),
    dilations: pair(call.cfg.dilationRate, 1),
    padding: String(call.cfg.padding),
  };
}

const conv2d: LayerEmitter = (call) => {
  const { g, cfg, base } = call;
  const x = onlyInput(call);
  const [kernel, bias] = weightData(call.layer);
  const geometry = geometryOf(call);
  const [kh, kw] = geometry.kernel;
  const groups = Number(cfg.groups ?? 1);
  const cin = Number(x.shape[2]);
  const cout = Number(cfg.filters);
  const w = kernelToOihw(kernel!, kh, kw, cin / groups, cout);
  const y = conv(g, x, w, bias ?? new Float32Array(cout), [cout, cin / groups, kh, kw], { ...geometry, group: groups }, call.outShape, base);
  return activation(g, String(cfg.activation), y, base);
};

const depthwiseConv2d: LayerEmitter = (call) => {
  const { g, cfg, base } = call;
  const x = onlyInput(call);
  const [kernel, bias] = weightData(call.layer);
  const geometry = geometryOf(call);
  const [kh, kw] = geometry.kernel;
  const channels = Number(x.shape[2]);
  const multiplier = Number(cfg.depthMultiplier ?? 1);
  const w = depthwiseToOihw(kernel!, kh, kw, channels, multiplier);
  const cout = channels * multiplier;
  const y = conv(g, x, w, bias ?? new Float32Array(cout), [cout, 1, kh, kw], { ...geometry, group: channels }, call.outShape, base);
  return activation(g, String(cfg.activation), y, base);
};

const separableConv2d: LayerEmitter = (call) => {
  const { g, cfg, base } = call;
  const x = onlyInput(call);
  const [depthwise, pointwise, bias] = weightData(call.layer);
  const geometry = geometryOf(call);
  const [kh, kw] = geometry.kernel;
  const channels = Number(x.shape[2]);
  const multiplier = Number(cfg.depthMultiplier ?? 1);
  const mid = channels * multiplier;
  const cout = Number(cfg.filters);
  const midShape = [
    spatialOutSize(x.shape[0] ?? null, kh, geometry.strides[0], geometry.dilations[0], geometry.padding),
    spatialOutSize(x.shape[1] ?? null, kw, geometry.strides[1], geometry.dilations[1], geometry.padding),
    mid,
  ];
  const dw = conv(g, x, depthwiseToOihw(depthwise!, kh, kw, channels, multiplier), new Float32Array(mid), [mid, 1, kh, kw],
    { ...geometry, group: channels }, midShape, `${base}_depthwise`);
  // The depthwise half has no BN after it: only the pointwise half stays foldable.
  delete g.nodes[g.nodes.length - 1]!.foldable;
  const pw = conv(g, dw, kernelToOihw(pointwise!, 1, 1, mid, cout), bias ?? new Float32Array(cout), [cout, mid, 1, 1],
    { strides: [1, 1], dilations: [1, 1], padding: 'valid', group: 1, kernel: [1, 1] }, call.outShape, base);
  return activation(g, String(cfg.activation), pw, base);
};

/** Per-channel y = x * scale + shift on an NCHW 4-D value or a Keras-order tensor. */
function scaleShift(g: GraphBuilder, value: Value, scale: Float32Array, shift: Float32Array, base: string): Value {
  const dims = value.layout === 'nchw' ? [scale.length, 1, 1] : [scale.length];
  let name = g.addNode('Mul', [value.name, g.addInitializer(`${base}_scale`, dims, scale)], `${base}_mul`);
  name = g.addNode('Add', [name, g.addInitializer(`${base}_shift`, dims, shift)], `${base}_add`);
  return { ...value, name };
}

const batchNormalization: LayerEmitter = (call) => {
  const { g, cfg, base } = call;
  const x = onlyInput(call);
  const axis = Number(Array.isArray(cfg.axis) ? cfg.axis[0] : (cfg.axis ?? -1));
  const rank = x.shape.length + 1;
  if (axis !== -1 && axis !== rank - 1) throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (BatchNormalization) normalises axis ${axis}; only the channel (last) axis is supported.`);
  const weights = weightData(call.layer);
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
  const y = scaleShift(g, x.shape.length === 3 ? g.asNchw(x) : x, scale, shift, base);
  const mul = g.nodes[g.nodes.length - 2]!;
  mul.batchNorm = { scale, shift, addOutput: y.name };
  return y;
};

export const CONVOLUTION_EMITTERS: Record<string, LayerEmitter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  BatchNormalization: batchNormalization,
};
