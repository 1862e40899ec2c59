/** Pooling and zero padding (NCHW in, NCHW out; global pooling may hand back a flat vector). */
import { intAttr, intsAttr, stringAttr } from '../graph-builder.js';
import { paddingAttributes, pair } from '../keras-geometry.js';
import { type LayerEmitter, onlyInput } from './layer-call.js';

const pooling: LayerEmitter = (call) => {
  const { g, cfg, base } = call;
  const x = g.asNchw(onlyInput(call));
  const k = pair(cfg.poolSize, 2);
  const strides = pair(cfg.strides ?? cfg.poolSize, 2);
  const attributes = [intsAttr('kernel_shape', k), intsAttr('strides', strides), ...paddingAttributes(x.shape, k, strides, [1, 1], String(cfg.padding), base)];
  // TF's average pooling leaves padded cells out of the mean: count_include_pad 0, ONNX' default.
  const op = call.cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool';
  return { name: g.addNode(op, [x.name], base, attributes), layout: 'nchw', shape: call.outShape };
};

const globalPooling: LayerEmitter = (call) => {
  const { g, cfg, base } = call;
  const x = g.asNchw(onlyInput(call));
  const keep = Boolean(cfg.keepDims ?? cfg.keepdims ?? false);
  const pooled = g.addNode(call.cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name], keep ? base : `${base}_nc11`);
  if (keep) return { name: pooled, layout: 'nchw', shape: call.outShape };
  const flat = g.addNode('Flatten', [pooled], base, [intAttr('axis', 1)]);
  return { name: flat, layout: 'keras', shape: call.outShape };
};

const zeroPadding: LayerEmitter = (call) => {
  const { g, base } = call;
  const x = g.asNchw(onlyInput(call));
  const p = call.cfg.padding;
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
  return { name: g.addNode('Pad', [x.name, pads], base, [stringAttr('mode', 'constant')]), layout: 'nchw', shape: call.outShape };
};

export const POOLING_EMITTERS: Record<string, LayerEmitter> = {
  MaxPooling2D: pooling,
  AveragePooling2D: pooling,
  GlobalAveragePooling2D: globalPooling,
  GlobalMaxPooling2D: globalPooling,
  ZeroPadding2D: zeroPadding,
};
