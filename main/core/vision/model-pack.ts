import type * as tf from '@tensorflow/tfjs';
import type { ModelIdentity } from './classifier.js';

/**
 * How a pack wants its photos turned into a tensor. For DEEP-OC packs this mirrors
 * image-classification-tf's conf.json exactly (see preprocess.ts).
 */
export interface Preprocessing {
  /** Network input height and width in pixels. */
  height: number;
  width: number;
  /**
   * 'stretch': resize the whole frame to height x width, bilinear without antialiasing
   * (OpenCV INTER_LINEAR), as image-classification-tf and Keras Applications do.
   * 'centre-crop': scale so the shorter side fits, keep the centre (Teachable Machine's
   * cropTo), bilinear as well; see preprocess.ts centreCropResize.
   */
  resize: 'stretch' | 'centre-crop';
  /** Subtracted from each RGB channel (0..255 scale) before `mode` applies. */
  meanRgb: [number, number, number];
  /** Used by mode 'torch' only. */
  stdRgb: [number, number, number];
  /**
   * 'tf': (x - mean) / 127.5; 'torch': (x - mean) / std; 'caffe': x - mean, then RGB→BGR;
   * 'raw': x unchanged (0..255), for models that rescale inside the graph.
   */
  mode: 'tf' | 'torch' | 'caffe' | 'raw';
}

/**
 * A loaded model pack, whatever its file format. Either a Keras/TF.js graph (compiled to
 * ONNX before running) or ready ONNX bytes.
 */
export interface ModelPack {
  identity: ModelIdentity;
  preprocessing: Preprocessing;
  /** Keras-style graph with weights, as a TF.js layers model; absent for plain ONNX packs. */
  layersModel?: tf.LayersModel;
  /** Ready ONNX model bytes; present for plain ONNX packs. */
  onnxModel?: Uint8Array;
  /**
   * Name of the layer whose output is the pooled feature vector stored per photo
   * (e.g. Xception's GlobalAveragePooling2D), when the graph has one.
   */
  embeddingLayer?: string;
}
