import type * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../model-pack.js';
import { modelInputSize } from './pack-files.js';

/**
 * A Keras or TF.js file says nothing about how its photos were normalised; the network family
 * does. Keras Applications' `preprocess_input` per family:
 *  - MobileNet(V1/V2), Xception, Inception, NASNet, and Teachable Machine: 'tf', x/127.5 - 1,
 *    which in our terms is (x - 127.5) / 127.5;
 *  - VGG, ResNet50: 'caffe', ImageNet mean subtracted, then BGR;
 *  - DenseNet: 'torch', ImageNet mean and std;
 *  - a graph that starts with a Rescaling layer does it itself: 'raw';
 *  - Teachable Machine's Keras export (a MobileNet body with the layer names TensorFlow.js
 *    gives, e.g. `dense_Dense3`, because Teachable Machine trains in the browser): its
 *    snippet feeds ImageOps.fit (centre crop to the square, then resize) and x/127.5 - 1.
 * Keras Applications nets are stretched to the input size, as `load_img(target_size=...)` does.
 * A `preprocessing.json` beside the model overrides all of this.
 */
export interface InferredPreprocessing {
  preprocessing: Preprocessing;
  /** Why this was chosen, stored in the model's provenance. */
  reason: string;
}

const IMAGENET_MEAN: [number, number, number] = [123.675, 116.28, 103.53];
const IMAGENET_STD: [number, number, number] = [58.395, 57.12, 57.375];
/** Caffe-trained nets (VGG/ResNet50) used this mean (given here in RGB order). */
const CAFFE_MEAN: [number, number, number] = [123.68, 116.779, 103.939];
/** Names TensorFlow.js gives layers it creates (`<name>_<ClassName><n>`), as in Teachable Machine models. */
const TFJS_GENERATED_NAME = /^(dense_Dense|global_average_pooling2d_GlobalAveragePooling2D|dropout_Dropout|flatten_Flatten)\d+$/;

export function inferPreprocessing(model: tf.LayersModel, fallbackSize = 224): InferredPreprocessing {
  const names: string[] = [];
  const classes: string[] = [];
  const visit = (layer: tf.layers.Layer): void => {
    names.push(layer.name);
    classes.push(layer.getClassName());
    const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (Array.isArray(inner)) inner.forEach(visit);
  };
  model.layers.forEach(visit);
  const { height, width } = modelInputSize(model);
  const size = { height: height ?? fallbackSize, width: width ?? fallbackSize };
  const has = (pattern: RegExp): boolean => names.some((name) => pattern.test(name));
  const firstComputing = classes.find((c) => c !== 'InputLayer' && c !== 'Sequential' && c !== 'Model' && c !== 'Functional');

  if (firstComputing === 'Rescaling') {
    return { preprocessing: { ...size, resize: 'stretch', meanRgb: [0, 0, 0], stdRgb: [1, 1, 1], mode: 'raw' }, reason: 'the graph starts with a Rescaling layer' };
  }
  if (has(/^conv1_conv$|^res2a_branch2a$/) || (has(/^block5_conv3$/) && !has(/sepconv/))) {
    return { preprocessing: { ...size, resize: 'stretch', meanRgb: CAFFE_MEAN, stdRgb: [1, 1, 1], mode: 'caffe' }, reason: 'VGG/ResNet layer names (Keras caffe preprocessing)' };
  }
  if (has(/^conv\d_block\d+_\d_(bn|conv)$/) && has(/^pool\d_conv$/)) {
    return { preprocessing: { ...size, resize: 'stretch', meanRgb: IMAGENET_MEAN, stdRgb: IMAGENET_STD, mode: 'torch' }, reason: 'DenseNet layer names (Keras torch preprocessing)' };
  }
  const mobileNet = has(/^expanded_conv|^Conv1$|^conv_dw_\d+$|^conv_pw_\d+$/);
  if (mobileNet && has(TFJS_GENERATED_NAME)) {
    return {
      preprocessing: { ...size, resize: 'centre-crop', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' },
      reason: 'Teachable Machine export (MobileNet body, TensorFlow.js layer names): centre crop, inputs scaled to [-1, 1]',
    };
  }
  const family = mobileNet ? 'MobileNet'
    : has(/^block14_sepconv/) ? 'Xception'
    : has(/^mixed\d+/) ? 'Inception'
    : undefined;
  return {
    preprocessing: { ...size, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' },
    reason: family ? `${family} layer names (inputs scaled to [-1, 1])` : 'no known network family: assumed inputs scaled to [-1, 1], as Teachable Machine and most Keras Applications nets expect',
  };
}
