/** What every per-layer emitter receives: one Keras layer called on graph values. */
import type * as tf from '@tensorflow/tfjs';
import { StationError } from '../../../errors.js';
import type { GraphBuilder, Value } from '../graph-builder.js';

export type Config = Record<string, unknown>;

export interface LayerCall {
  g: GraphBuilder;
  layer: tf.layers.Layer;
  /** The layer's class name, e.g. 'Conv2D'. */
  cls: string;
  cfg: Config;
  inputs: Value[];
  /** Keras output shape without the batch dim. */
  outShape: (number | null)[];
  /** The output's base name (scope path + layer name). */
  base: string;
}

/** Emits the ONNX nodes of one layer call and returns its output value. */
export type LayerEmitter = (call: LayerCall) => Value;

/** The single input of a one-input layer. */
export function onlyInput(call: LayerCall): Value {
  if (call.inputs.length !== 1) throw new StationError('MODEL_UNSUPPORTED', `Layer "${call.base}" (${call.cls}) has ${call.inputs.length} inputs; expected 1.`);
  return call.inputs[0]!;
}
