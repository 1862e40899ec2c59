/**
 * The table of per-layer emitters: Keras layer class name -> the function that emits its
 * ONNX nodes. A class absent from this table is not supported by the compiler.
 */
import { ACTIVATION_EMITTERS } from './emitters/activations.js';
import { CONVOLUTION_EMITTERS } from './emitters/convolutions.js';
import { CORE_EMITTERS } from './emitters/core-layers.js';
import type { LayerEmitter } from './emitters/layer-call.js';
import { MERGING_EMITTERS } from './emitters/merging.js';
import { POOLING_EMITTERS } from './emitters/pooling.js';

export type { LayerCall, LayerEmitter } from './emitters/layer-call.js';

export const LAYER_EMITTERS: Readonly<Record<string, LayerEmitter>> = {
  ...CORE_EMITTERS,
  ...ACTIVATION_EMITTERS,
  ...CONVOLUTION_EMITTERS,
  ...POOLING_EMITTERS,
  ...MERGING_EMITTERS,
};

/** Layer classes the compiler handles: the emitters', plus the model's input. */
export function isSupportedLayerClass(cls: string): boolean {
  return cls === 'InputLayer' || Object.hasOwn(LAYER_EMITTERS, cls);
}
