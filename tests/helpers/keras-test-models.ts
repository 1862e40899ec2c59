/**
 * Keras graphs built in tests for the ONNX compiler: one functional model touching every
 * layer type the compiler supports, and seeded random weights (BatchNormalization with
 * non-trivial moving statistics) so that a wrong transpose or fold shows in the outputs.
 */
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;

/** Sets every weight of `model` from a seeded uniform draw scaled by fan-in. */
export function setSeededWeights(model: tf.LayersModel, seed: number): void {
  let next = seed;
  const visit = (layers: tf.layers.Layer[]): void => {
    for (const layer of layers) {
      const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
      if (Array.isArray(nested)) {
        visit(nested);
        continue;
      }
      const weights = layer.weights;
      if (weights.length === 0) continue;
      const values = tf.tidy(() =>
        weights.map((w) => {
          const name = w.originalName.split('/').pop() ?? '';
          const shape = w.shape as number[];
          if (name.startsWith('gamma')) return tf.randomUniform(shape, 0.6, 1.4, 'float32', next++);
          if (name.startsWith('beta')) return tf.randomUniform(shape, -0.3, 0.3, 'float32', next++);
          if (name.startsWith('moving_mean')) return tf.randomUniform(shape, -0.3, 0.3, 'float32', next++);
          if (name.startsWith('moving_variance')) return tf.randomUniform(shape, 0.5, 2, 'float32', next++);
          if (shape.length === 1) return tf.randomUniform(shape, -0.1, 0.1, 'float32', next++);
          const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
          const limit = Math.sqrt(3 / fanIn);
          return tf.randomUniform(shape, -limit, limit, 'float32', next++);
        }),
      );
      layer.setWeights(values);
      tf.dispose(values);
    }
  };
  visit(model.layers);
}

/**
 * A functional model over an odd-sized image (asymmetric "same" pads) using every supported
 * layer type; output `probabilities` over 5 classes, embedding layer 'embedding_pool'.
 */
export function buildLayerCoverageModel(size: [number, number] = [33, 29]): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [size[0], size[1], 3], name: 'image' });
  let x = L.rescaling({ scale: 0.8, offset: 0.1, name: 'rescale' }).apply(input) as T;
  x = L.batchNormalization({ name: 'bn_input' }).apply(x) as T; // nothing precedes it: Mul+Add
  x = L.zeroPadding2d({ padding: [[1, 2], [0, 1]], name: 'pad' }).apply(x) as T;
  x = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv_stride' }).apply(x) as T;
  x = L.batchNormalization({ name: 'bn_after_relu' }).apply(x) as T; // activation between: not foldable
  x = L.conv2d({ filters: 8, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false, name: 'conv_dilated' }).apply(x) as T;
  x = L.batchNormalization({ name: 'bn_conv' }).apply(x) as T;
  x = L.reLU({ maxValue: 6, name: 'relu6_layer' }).apply(x) as T;
  x = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', name: 'depthwise' }).apply(x) as T;
  x = L.batchNormalization({ name: 'bn_depthwise' }).apply(x) as T;
  x = L.activation({ activation: 'swish', name: 'act_swish' }).apply(x) as T;
  x = L.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', useBias: false, name: 'separable' }).apply(x) as T;
  x = L.batchNormalization({ name: 'bn_separable' }).apply(x) as T;
  x = L.activation({ activation: 'relu6', name: 'act_relu6' }).apply(x) as T;
  const gate = L.conv2d({ filters: 12, kernelSize: 1, activation: 'sigmoid', name: 'gate' }).apply(x) as T;
  const gated = L.multiply({ name: 'gated' }).apply([x, gate]) as T;
  const side = L.conv2d({ filters: 12, kernelSize: 1, activation: 'tanh', name: 'side' }).apply(x) as T;
  x = L.add({ name: 'residual' }).apply([gated, side]) as T;
  const maxPooled = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'max_pool' }).apply(x) as T;
  const avgPooled = L.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'avg_pool' }).apply(x) as T;
  x = L.concatenate({ axis: -1, name: 'concat' }).apply([maxPooled, avgPooled]) as T;
  x = L.activation({ activation: 'hardSigmoid', name: 'act_hard_sigmoid' }).apply(x) as T;
  x = L.leakyReLU({ alpha: 0.2, name: 'leaky' }).apply(x) as T;
  x = L.activation({ activation: 'elu', name: 'act_elu' }).apply(x) as T;
  const softmaxMap = L.activation({ activation: 'softmax', name: 'channel_softmax' }).apply(x) as T;
  const maxFeatures = L.globalMaxPooling2d({ name: 'global_max' }).apply(softmaxMap) as T;
  // A Keras-order detour: Flatten -> Dense -> Reshape back to an image -> Conv.
  let detour = L.flatten({ name: 'flatten' }).apply(x) as T;
  detour = L.dense({ units: 32, activation: 'tanh', name: 'dense_hidden' }).apply(detour) as T;
  detour = L.dropout({ rate: 0.5, name: 'dropout' }).apply(detour) as T;
  detour = L.reshape({ targetShape: [2, 4, 4], name: 'reshape' }).apply(detour) as T;
  detour = L.conv2d({ filters: 6, kernelSize: 2, padding: 'same', name: 'conv_after_reshape' }).apply(detour) as T;
  const detourPooled = L.globalAveragePooling2d({ name: 'detour_pool' }).apply(detour) as T;
  const pooled = L.globalAveragePooling2d({ name: 'embedding_pool' }).apply(x) as T;
  x = L.concatenate({ name: 'features' }).apply([pooled, maxFeatures, detourPooled]) as T;
  x = L.dense({ units: 16, activation: 'sigmoid', name: 'dense_sigmoid' }).apply(x) as T;
  const out = L.dense({ units: 5, activation: 'softmax', name: 'predictions' }).apply(x) as T;
  return tf.model({ inputs: input, outputs: out, name: 'layer_coverage' });
}

/** The same kind of body inside a Sequential inside a Sequential (as Teachable Machine and LeafSense nest them). */
export function buildNestedSequentialModel(): tf.LayersModel {
  const L = tf.layers;
  const body = tf.sequential({ name: 'body' });
  body.add(L.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'body_conv' }));
  body.add(L.batchNormalization({ name: 'body_bn' }));
  body.add(L.reLU({ name: 'body_relu' }));
  body.add(L.globalAveragePooling2d({ name: 'body_pool' }));
  const outer = tf.sequential({ name: 'outer' });
  outer.add(body);
  outer.add(L.dense({ units: 3, activation: 'softmax', name: 'head' }));
  return outer;
}
