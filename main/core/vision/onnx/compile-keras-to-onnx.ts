/**
 * Translates a TF.js layers model (Keras graph with weights) into ONNX bytes that
 * onnxruntime runs. This module walks the Keras graph (inlining nested models) and hands
 * each layer call to its emitter (layer-emitters.ts); graph-builder.ts holds the graph and
 * its NHWC/NCHW bookkeeping; fold-batch-norms.ts folds batch norms into convolutions.
 */
import type * as tf from '@tensorflow/tfjs';
import { StationError } from '../../errors.js';
import { foldBatchNorms } from './fold-batch-norms.js';
import { GraphBuilder, type Value, encodeModel, valueInfo } from './graph-builder.js';
import { LAYER_EMITTERS, isSupportedLayerClass } from './layer-emitters.js';

export { samePadding } from './keras-geometry.js';

export interface CompileOptions {
  /** Layer whose output becomes the `embedding` graph output (e.g. 'avg_pool'). */
  embeddingLayer?: string;
  /** ONNX opset; 13 or newer (Softmax over one axis, Clip with tensor bounds). */
  opset?: number;
}

export const ONNX_INPUT_NAME = 'input';
export const ONNX_PROBABILITIES_NAME = 'probabilities';
export const ONNX_EMBEDDING_NAME = 'embedding';

/** Layers that are containers: their inner graph is inlined. */
const CONTAINER_CLASSES = new Set(['Sequential', 'Model', 'Functional', 'LayersModel']);

type Layer = tf.layers.Layer;

interface Scope {
  prefix: string;
  values: Map<number, Value>;
}

function isContainer(layer: Layer): boolean {
  return Array.isArray((layer as unknown as { layers?: unknown }).layers) && Array.isArray((layer as unknown as { outputs?: unknown }).outputs);
}

/** Walks a Keras graph, emitting each layer call once. */
class KerasGraphWalker {
  constructor(readonly g: GraphBuilder) {}

  /** Emits one (non-container) layer applied to its inputs. */
  private layer(layer: Layer, inputs: Value[], outShape: (number | null)[], base: string): Value {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    if (cfg.dataFormat === 'channelsFirst') {
      throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (${cls}) uses channels_first data; only channels_last Keras models can be compiled.`);
    }
    const emit = Object.hasOwn(LAYER_EMITTERS, cls) ? LAYER_EMITTERS[cls] : undefined;
    if (!emit) throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (${cls}) is not supported by the ONNX compiler.`);
    return emit({ g: this.g, layer, cls, cfg, inputs, outShape, base });
  }

  /** Resolves a symbolic tensor to a graph value, emitting its producing layers first. */
  tensor(t: tf.SymbolicTensor, scope: Scope): Value {
    const known = scope.values.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer as Layer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node) throw new StationError('MODEL_INVALID', `Layer "${layer.name}" has no call node ${t.nodeIndex}; the model graph is inconsistent.`);
    const base = scope.prefix + layer.name;
    if (layer.getClassName() === 'InputLayer') {
      throw new StationError('MODEL_INVALID', `Input "${base}" is not connected to the model's input.`);
    }
    const inputs = node.inputTensors.map((x) => this.tensor(x, scope));
    let result: Value;
    if (CONTAINER_CLASSES.has(layer.getClassName()) || isContainer(layer)) {
      result = this.container(layer as unknown as tf.LayersModel, inputs, t.tensorIndex, scope.prefix + layer.name + '/');
    } else {
      if (node.outputTensors.length !== 1) throw new StationError('MODEL_UNSUPPORTED', `Layer "${base}" (${layer.getClassName()}) has several outputs; not supported.`);
      result = this.layer(layer, inputs, t.shape.slice(1), base);
    }
    scope.values.set(t.id, result);
    this.g.layerOutputs.set(base, result);
    if (!this.g.layerOutputs.has(layer.name)) this.g.layerOutputs.set(layer.name, result);
    return result;
  }

  /** Inlines a nested model: binds its inputs to `inputs` and returns its `outputIndex`-th output. */
  private container(model: tf.LayersModel, inputs: Value[], outputIndex: number, prefix: string): Value {
    const inner: Scope = { prefix, values: new Map() };
    model.inputs.forEach((t, i) => {
      const v = inputs[i];
      if (!v) throw new StationError('MODEL_INVALID', `Nested model "${model.name}" gets fewer inputs than it declares.`);
      inner.values.set(t.id, v);
    });
    const out = model.outputs[outputIndex];
    if (!out) throw new StationError('MODEL_INVALID', `Nested model "${model.name}" has no output ${outputIndex}.`);
    return this.tensor(out, inner);
  }
}

/** Lists every unsupported layer (class and name), nested ones included. */
function collectUnsupported(model: tf.LayersModel, prefix: string, into: string[]): void {
  for (const layer of model.layers) {
    if (isContainer(layer)) collectUnsupported(layer as unknown as tf.LayersModel, `${prefix}${layer.name}/`, into);
    else if (!isSupportedLayerClass(layer.getClassName())) into.push(`${layer.getClassName()} "${prefix}${layer.name}"`);
  }
}

/**
 * Compiles a TF.js layers model (one image input, channels_last) to ONNX bytes. The ONNX
 * input `input` is NHWC float32 [batch, H, W, C]; outputs are `probabilities` (the model's
 * first output) and, with `embeddingLayer`, `embedding` (that layer's output).
 */
export function compileKerasToOnnx(model: tf.LayersModel, options: CompileOptions = {}): Uint8Array {
  const opset = options.opset ?? 13;
  if (opset < 13) throw new StationError('INVALID_ARGUMENT', `ONNX opset ${opset} is too old for the compiler; use 13 or newer.`);
  if (model.inputs.length !== 1) {
    throw new StationError('MODEL_UNSUPPORTED', `Model "${model.name}" has ${model.inputs.length} inputs; only single-image models can be compiled.`);
  }
  const unsupported: string[] = [];
  collectUnsupported(model, '', unsupported);
  if (unsupported.length > 0) {
    throw new StationError('MODEL_UNSUPPORTED', `Model "${model.name}" uses layers the ONNX compiler does not support: ${unsupported.join(', ')}. Convert the model without them (Lambda layers hold arbitrary Python code and can never be translated).`);
  }
  const g = new GraphBuilder();
  const walker = new KerasGraphWalker(g);
  const input = model.inputs[0]!;
  const inputShape = input.shape.slice(1);
  if (inputShape.length !== 3) {
    throw new StationError('MODEL_UNSUPPORTED', `Model "${model.name}" takes input of shape [${input.shape.join(', ')}]; an image model takes [batch, height, width, channels].`);
  }
  g.uniqueName(ONNX_INPUT_NAME);
  g.uniqueName(ONNX_PROBABILITIES_NAME);
  g.uniqueName(ONNX_EMBEDDING_NAME);
  const scope: Scope = { prefix: '', values: new Map() };
  scope.values.set(input.id, { name: ONNX_INPUT_NAME, layout: 'keras', shape: inputShape });

  const output = model.outputs[0]!;
  const outValue = g.asKeras(walker.tensor(output, scope));
  g.nodes.push({ opType: 'Identity', inputs: [outValue.name], outputs: [ONNX_PROBABILITIES_NAME], attributes: [] });
  const outputs = [valueInfo(ONNX_PROBABILITIES_NAME, ['batch', ...output.shape.slice(1).map((d, i) => d ?? `d${i + 1}`)])];

  if (options.embeddingLayer) {
    const found = g.layerOutputs.get(options.embeddingLayer);
    if (!found) {
      throw new StationError('MODEL_INVALID', `Embedding layer "${options.embeddingLayer}" is not in model "${model.name}" (or does not lead to its output). Layers found: ${[...g.layerOutputs.keys()].filter((k) => !k.includes('/')).slice(-8).join(', ')}…`);
    }
    const emb = g.asKeras(found);
    g.nodes.push({ opType: 'Identity', inputs: [emb.name], outputs: [ONNX_EMBEDDING_NAME], attributes: [] });
    outputs.push(valueInfo(ONNX_EMBEDDING_NAME, ['batch', ...emb.shape.map((d, i) => d ?? `e${i + 1}`)]));
  }

  return encodeModel({
    name: model.name,
    nodes: foldBatchNorms(g.nodes, g.initializers),
    initializers: g.initializers,
    inputs: [valueInfo(ONNX_INPUT_NAME, ['batch', ...inputShape.map((d, i) => d ?? (i === 2 ? 3 : `s${i + 1}`))])],
    outputs,
    opset,
  });
}
