/** Dense, reshaping, rescaling, and the layers that do nothing at inference (dropout, noise). */
import { intAttr } from '../graph-builder.js';
import { weightData } from '../keras-geometry.js';
import { activation } from './activations.js';
import { type LayerEmitter, onlyInput } from './layer-call.js';

const identity: LayerEmitter = (call) => onlyInput(call);

const dense: LayerEmitter = (call) => {
  const { g, cfg, base } = call;
  const x = g.asKeras(onlyInput(call));
  const [kernel, bias] = weightData(call.layer);
  const units = Number(cfg.units);
  const inUnits = kernel!.length / units;
  const w = g.addInitializer(`${base}_W`, [inUnits, units], kernel!);
  const b = g.addInitializer(`${base}_B`, [units], bias ?? new Float32Array(units));
  let name: string;
  if (x.shape.length === 1) name = g.addNode('Gemm', [x.name, w, b], base);
  else name = g.addNode('Add', [g.addNode('MatMul', [x.name, w], `${base}_matmul`), b], base);
  return activation(g, String(cfg.activation), { name, layout: 'keras', shape: call.outShape }, base);
};

const flatten: LayerEmitter = (call) => {
  const x = call.g.asKeras(onlyInput(call));
  return { name: call.g.addNode('Flatten', [x.name], call.base, [intAttr('axis', 1)]), layout: 'keras', shape: call.outShape };
};

const reshape: LayerEmitter = (call) => {
  const { g, base } = call;
  const x = g.asKeras(onlyInput(call));
  const target = (call.cfg.targetShape as number[]).map(Number);
  const shapeInit = g.addInitializer(`${base}_shape`, [target.length + 1], BigInt64Array.from([0, ...target].map(BigInt)));
  return { name: g.addNode('Reshape', [x.name, shapeInit], base), layout: 'keras', shape: call.outShape };
};

const rescaling: LayerEmitter = (call) => {
  const { g, base } = call;
  const x = onlyInput(call);
  const scale = Number(call.cfg.scale ?? 1);
  const offset = Number(call.cfg.offset ?? 0);
  let name = g.addNode('Mul', [x.name, g.addInitializer(`${base}_scale`, [], Float32Array.of(scale))], `${base}_mul`);
  name = g.addNode('Add', [name, g.addInitializer(`${base}_offset`, [], Float32Array.of(offset))], base);
  return { ...x, name };
};

export const CORE_EMITTERS: Record<string, LayerEmitter> = {
  Dropout: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  Dense: dense,
  Flatten: flatten,
  Reshape: reshape,
  Rescaling: rescaling,
};
