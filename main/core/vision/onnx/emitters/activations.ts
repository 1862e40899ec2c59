/** Activation functions and activation layers (ReLU, LeakyReLU, ELU, Softmax, Activation). */
import { StationError } from '../../../errors.js';
import { type GraphBuilder, type Value, floatAttr, intAttr } from '../graph-builder.js';
import { type LayerEmitter, onlyInput } from './layer-call.js';

const SIMPLE_ACTIVATIONS: Record<string, string> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  softplus: 'Softplus',
  softsign: 'Softsign',
  elu: 'Elu',
  selu: 'Selu',
};

export function clip(g: GraphBuilder, value: Value, min: number, max: number, base: string): Value {
  const lo = g.addInitializer(`${base}_clip_min`, [], Float32Array.of(min));
  const hi = g.addInitializer(`${base}_clip_max`, [], Float32Array.of(max));
  return { ...value, name: g.addNode('Clip', [value.name, lo, hi], `${base}_clip`) };
}

/** Emits a Keras activation function applied to `value`; the layout is kept. */
export function activation(g: GraphBuilder, name: string, value: Value, base: string, axisForSoftmax = -1): Value {
  const op = SIMPLE_ACTIVATIONS[name];
  if (name === 'linear' || name === undefined) return value;
  if (op) {
    // Keras' elu uses alpha 1 and selu its fixed constants, ONNX' defaults too.
    return { ...value, name: g.addNode(op, [value.name], `${base}_${name}`) };
  }
  switch (name) {
    case 'relu6':
      return clip(g, value, 0, 6, base);
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

const relu: LayerEmitter = (call) => {
  const { g, cfg, base } = call;
  const x = onlyInput(call);
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
  return clip(g, x, 0, Number(maxValue), base);
};

export const ACTIVATION_EMITTERS: Record<string, LayerEmitter> = {
  Activation: (call) => activation(call.g, String(call.cfg.activation), onlyInput(call), call.base),
  ReLU: relu,
  LeakyReLU: (call) => {
    const x = onlyInput(call);
    return { ...x, name: call.g.addNode('LeakyRelu', [x.name], call.base, [floatAttr('alpha', Number(call.cfg.alpha ?? 0.3))]) };
  },
  ELU: (call) => {
    const x = onlyInput(call);
    return { ...x, name: call.g.addNode('Elu', [x.name], call.base, [floatAttr('alpha', Number(call.cfg.alpha ?? 1))]) };
  },
  Softmax: (call) => {
    const axis = call.cfg.axis;
    return activation(call.g, 'softmax', onlyInput(call), call.base, Number(Array.isArray(axis) ? axis[0] : (axis ?? -1)));
  },
};
