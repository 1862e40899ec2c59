/**
 * Trains a small classification head (softmax regression, or one hidden ReLU layer) on
 * backbone embeddings with @tensorflow/tfjs. Inputs are standardised during training and the
 * standardisation is folded into the first layer afterwards, so the head is plain dense
 * layers that run on raw embeddings (in JS or appended to the backbone's ONNX graph).
 * Deterministic for a given seed: weights are drawn and batches shuffled by a seeded generator.
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../seeded-random.js';
import { shuffled } from './dataset-split.js';

export interface HeadTrainingOptions {
  seed: number;
  /** Upper bound on passes over the training set. */
  maxEpochs: number;
  /** 0: softmax regression; otherwise one hidden ReLU layer of this width. */
  hiddenUnits: number;
  learningRate: number;
  batchSize: number;
  /** L2 penalty on the kernels. */
  l2: number;
  /** Stop after this many epochs without a better validation loss (best weights are kept). */
  patience: number;
  /** Weigh each class by total / (classes × its count), so rare species count as much as common ones. */
  classWeighting: boolean;
  /** Called after every epoch (for progress bars and live curves). */
  onEpoch?: (record: EpochRecord) => void;
  /** Checked between epochs: when aborted, training ends with the best weights so far. */
  signal?: AbortSignal;
}

export const DEFAULT_HEAD_TRAINING: Omit<HeadTrainingOptions, 'onEpoch' | 'signal'> = {
  seed: 1,
  maxEpochs: 200,
  hiddenUnits: 0,
  learningRate: 0.005,
  batchSize: 64,
  l2: 0.03,
  patience: 20,
  classWeighting: true,
};

export interface EpochRecord {
  epoch: number;
  loss: number;
  validationLoss: number | null;
  validationAccuracy: number | null;
}

/** One dense layer: `kernel` is inputs × units, row-major (Keras layout). */
export interface DenseLayerWeights {
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
  activation: 'relu' | 'softmax';
}

export interface TrainedHead {
  inputSize: number;
  classes: number;
  layers: DenseLayerWeights[];
  epochsRun: number;
  /** Epoch (1-based) whose weights were kept. */
  bestEpoch: number;
  stoppedEarly: boolean;
  classWeights: number[];
  history: EpochRecord[];
}

export interface LabelledVectors {
  x: readonly Float32Array[];
  y: readonly number[];
}

/** Per-class weights: total / (classes × count); classes without examples get 0. */
export function classWeightsOf(labels: readonly number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label]! += 1;
  return counts.map((count) => (count === 0 ? 0 : labels.length / (classes * count)));
}

function stackRows(rows: readonly Float32Array[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(row, i * width));
  return out;
}

/** Mean and standard deviation of each feature over the training rows (std floored, never 0). */
function featureStatistics(rows: readonly Float32Array[], width: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(width);
  const square = new Float64Array(width);
  for (const row of rows) for (let i = 0; i < width; i += 1) {
    mean[i]! += row[i]!;
    square[i]! += row[i]! * row[i]!;
  }
  const std = new Float32Array(width);
  for (let i = 0; i < width; i += 1) {
    mean[i]! /= rows.length;
    const variance = Math.max(0, square[i]! / rows.length - mean[i]! ** 2);
    std[i] = Math.sqrt(variance) > 1e-6 ? Math.sqrt(variance) : 1;
  }
  return { mean: Float32Array.from(mean), std };
}

/** Glorot-uniform kernel drawn from the seeded generator. */
function glorotKernel(inputs: number, units: number, random: () => number): Float32Array {
  const limit = Math.sqrt(6 / (inputs + units));
  return Float32Array.from({ length: inputs * units }, () => (random() * 2 - 1) * limit);
}

/**
 * Trains the head on `train`; with `validation`, stops early on the validation loss and keeps
 * the best epoch's weights. Labels are class indices 0..classes-1.
 */
export async function trainHead(train: LabelledVectors, validation: LabelledVectors | null, classes: number, options: Partial<HeadTrainingOptions> = {}): Promise<TrainedHead> {
  const o = { ...DEFAULT_HEAD_TRAINING, ...options };
  if (train.x.length === 0) throw new Error('trainHead: no training examples');
  const width = train.x[0]!.length;
  const random = seededRandom(o.seed);
  const stats = featureStatistics(train.x, width);
  // Standardised in JS once; batches are then plain copies (tf.gather on the cpu backend is ~100x slower).
  const standardise = (rows: readonly Float32Array[]): Float32Array[] =>
    rows.map((row) => Float32Array.from(row, (v, i) => (v - stats.mean[i]!) / stats.std[i]!));
  const classWeights = o.classWeighting ? classWeightsOf(train.y, classes) : new Array<number>(classes).fill(1);

  const shapes = o.hiddenUnits > 0 ? [[width, o.hiddenUnits], [o.hiddenUnits, classes]] : [[width, classes]];
  // Inside tidy: the initial-value tensors are freed, the variables (never tidied) stay.
  const variables = tf.tidy(() =>
    shapes.flatMap(([inputs, units]) => [tf.variable(tf.tensor2d(glorotKernel(inputs!, units!, random), [inputs!, units!])), tf.variable(tf.zeros([units!]))]),
  );
  const logitsOf = (x: tf.Tensor2D): tf.Tensor2D => {
    let h: tf.Tensor2D = x;
    for (let l = 0; l < variables.length; l += 2) {
      h = h.matMul(variables[l] as tf.Variable<tf.Rank.R2>).add(variables[l + 1]!);
      if (l + 2 < variables.length) h = tf.relu(h);
    }
    return h;
  };
  const weightedLoss = (x: tf.Tensor2D, y: tf.Tensor1D, w: tf.Tensor1D): tf.Scalar => {
    const logits = logitsOf(x);
    const perExample = tf.losses.softmaxCrossEntropy(tf.oneHot(y, classes), logits, undefined, undefined, tf.Reduction.NONE) as tf.Tensor1D;
    const data = perExample.mul(w).sum().div(w.sum().maximum(1e-12));
    const penalty = variables.filter((_, i) => i % 2 === 0).map((k) => k.square().sum()).reduce((a, b) => a.add(b));
    return data.add(penalty.mul(o.l2)) as tf.Scalar;
  };

  const trainRows = standardise(train.x);
  const xVal = validation && validation.x.length > 0 ? tf.tensor2d(stackRows(standardise(validation.x), width), [validation.x.length, width]) : null;
  const yVal = xVal ? tf.tensor1d(Int32Array.from(validation!.y), 'int32') : null;
  const wVal = xVal ? tf.tensor1d(validation!.y.map((label) => classWeights[label]!)) : null;
  const optimizer = tf.train.adam(o.learningRate);
  const history: EpochRecord[] = [];
  let best = { loss: Infinity, epoch: 0, weights: variables.map((v) => v.dataSync().slice() as Float32Array) };
  let stoppedEarly = false;
  const order = train.x.map((_, i) => i);
  try {
    for (let epoch = 1; epoch <= o.maxEpochs && !o.signal?.aborted; epoch += 1) {
      const epochOrder = shuffled(order, random);
      let lossSum = 0;
      for (let start = 0; start < epochOrder.length; start += o.batchSize) {
        const batch = epochOrder.slice(start, start + o.batchSize);
        const xb = tf.tensor2d(stackRows(batch.map((i) => trainRows[i]!), width), [batch.length, width]);
        const yb = tf.tensor1d(Int32Array.from(batch, (i) => train.y[i]!), 'int32');
        const wb = tf.tensor1d(batch.map((i) => classWeights[train.y[i]!]!));
        const cost = optimizer.minimize(() => weightedLoss(xb, yb, wb), true);
        lossSum += cost!.dataSync()[0]! * batch.length;
        tf.dispose([cost!, xb, yb, wb]);
      }
      const record: EpochRecord = { epoch, loss: lossSum / epochOrder.length, validationLoss: null, validationAccuracy: null };
      if (xVal) {
        const [loss, accuracy] = tf.tidy(() => {
          const value = weightedLoss(xVal, yVal!, wVal!);
          const hits = logitsOf(xVal).argMax(1).equal(yVal!).sum();
          return [value.dataSync()[0]!, hits.dataSync()[0]! / yVal!.size];
        });
        record.validationLoss = loss;
        record.validationAccuracy = accuracy;
      }
      history.push(record);
      o.onEpoch?.(record);
      const monitored = record.validationLoss ?? record.loss;
      if (monitored < best.loss - 1e-6) best = { loss: monitored, epoch, weights: variables.map((v) => v.dataSync().slice() as Float32Array) };
      else if (xVal && epoch - best.epoch >= o.patience) {
        stoppedEarly = true;
        break;
      }
      // Let progress events and other work run between epochs.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    tf.dispose([...(xVal ? [xVal, yVal!, wVal!] : []), ...variables]);
    optimizer.dispose();
  }

  const layers: DenseLayerWeights[] = shapes.map(([inputs, units], l) => ({
    inputs: inputs!,
    units: units!,
    kernel: best.weights[2 * l]!,
    bias: best.weights[2 * l + 1]!,
    activation: l === shapes.length - 1 ? 'softmax' : 'relu',
  }));
  foldStandardisation(layers[0]!, stats.mean, stats.std);
  return { inputSize: width, classes, layers, epochsRun: history.length, bestEpoch: best.epoch, stoppedEarly, classWeights, history };
}

/** W' = W / std (row-wise), b' = b − Σ mean/std · W: the layer then takes raw embeddings. */
function foldStandardisation(layer: DenseLayerWeights, mean: Float32Array, std: Float32Array): void {
  const bias = Float64Array.from(layer.bias);
  for (let i = 0; i < layer.inputs; i += 1) {
    for (let u = 0; u < layer.units; u += 1) {
      const w = layer.kernel[i * layer.units + u]! / std[i]!;
      layer.kernel[i * layer.units + u] = w;
      bias[u]! -= mean[i]! * w;
    }
  }
  layer.bias = Float32Array.from(bias);
}

/** Class probabilities for each embedding, computed in plain JS (float64 accumulation). */
export function predictHead(head: Pick<TrainedHead, 'layers'>, rows: readonly Float32Array[]): Float32Array[] {
  return rows.map((row) => {
    let h: ArrayLike<number> = row;
    for (const layer of head.layers) {
      const out = new Float64Array(layer.units);
      for (let u = 0; u < layer.units; u += 1) out[u] = layer.bias[u]!;
      for (let i = 0; i < layer.inputs; i += 1) {
        const v = h[i]!;
        if (v === 0) continue;
        const base = i * layer.units;
        for (let u = 0; u < layer.units; u += 1) out[u]! += v * layer.kernel[base + u]!;
      }
      if (layer.activation === 'relu') for (let u = 0; u < layer.units; u += 1) out[u] = Math.max(0, out[u]!);
      else {
        const max = Math.max(...out);
        let sum = 0;
        for (let u = 0; u < layer.units; u += 1) sum += (out[u] = Math.exp(out[u]! - max));
        for (let u = 0; u < layer.units; u += 1) out[u]! /= sum;
      }
      h = out;
    }
    return Float32Array.from(h);
  });
}
