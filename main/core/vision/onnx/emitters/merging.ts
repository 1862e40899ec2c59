/** Layers that merge several inputs: element-wise (Add, Multiply, ...) and Concatenate. */
import { type Layout, intAttr } from '../graph-builder.js';
import type { LayerEmitter } from './layer-call.js';

const ELEMENTWISE_OPS: Record<string, string> = { Add: 'Add', Multiply: 'Mul', Maximum: 'Max', Minimum: 'Min', Average: 'Add', Subtract: 'Sub' };

const elementwise: LayerEmitter = ({ g, cls, inputs, outShape, base }) => {
  const layout: Layout = inputs.some((v) => v.layout === 'nchw') ? 'nchw' : 'keras';
  const xs = inputs.map((v) => (layout === 'nchw' ? g.asNchw(v) : g.asKeras(v)));
  const op = ELEMENTWISE_OPS[cls]!;
  let name = xs[0]!.name;
  if (op === 'Max' || op === 'Min') name = g.addNode(op, xs.map((v) => v.name), base);
  else for (let i = 1; i < xs.length; i += 1) name = g.addNode(op, [name, xs[i]!.name], i === xs.length - 1 ? base : `${base}_${i}`);
  if (cls === 'Average') name = g.addNode('Mul', [name, g.addInitializer(`${base}_n`, [], Float32Array.of(1 / xs.length))], `${base}_mean`);
  return { name, layout, shape: outShape };
};

const concatenate: LayerEmitter = ({ g, cfg, inputs, outShape, base }) => {
  const layout: Layout = inputs.some((v) => v.layout === 'nchw') && outShape.length === 3 ? 'nchw' : 'keras';
  const xs = inputs.map((v) => (layout === 'nchw' ? g.asNchw(v) : g.asKeras(v)));
  const rank = outShape.length + 1;
  let axis = Number(cfg.axis ?? -1);
  if (axis < 0) axis += rank;
  if (layout === 'nchw') axis = [0, 2, 3, 1][axis]!;
  return { name: g.addNode('Concat', xs.map((v) => v.name), base, [intAttr('axis', axis)]), layout, shape: outShape };
};

export const MERGING_EMITTERS: Record<string, LayerEmitter> = Object.fromEntries([
  ...Object.keys(ELEMENTWISE_OPS).map((cls) => [cls, elementwise] as const),
  ['Concatenate', concatenate] as const,
]);
