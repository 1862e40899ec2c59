/**
 * Puts a trained head on a backbone's ONNX graph: the backbone's own classifier is cut away,
 * its `embedding` output feeds the new dense layers, whose softmax becomes `probabilities`.
 * The result is one ONNX graph that the ordinary classifier runs, still emitting `embedding`.
 */
import onnxProto from 'onnx-proto';
import { StationError } from '../errors.js';
import type { DenseLayerWeights } from './train-head.js';

const { onnx } = onnxProto;
const PROBABILITIES = 'probabilities';
const EMBEDDING = 'embedding';

function floatTensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  const copy = Float32Array.from(data);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(copy.buffer) };
}

/** Keeps only the nodes (and initializers) that the graph's outputs need. */
function prune(graph: onnxProto.onnx.IGraphProto): void {
  const nodes = graph.node ?? [];
  const needed = new Set((graph.output ?? []).map((o) => o.name!));
  const kept: onnxProto.onnx.INodeProto[] = [];
  for (let i = nodes.length - 1; i >= 0; i -= 1) {
    const node = nodes[i]!;
    if (!(node.output ?? []).some((name) => needed.has(name))) continue;
    kept.push(node);
    for (const input of node.input ?? []) if (input) needed.add(input);
  }
  graph.node = kept.reverse();
  graph.initializer = (graph.initializer ?? []).filter((t) => needed.has(t.name!));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => needed.has(v.name!));
}

/**
 * The backbone graph (ONNX bytes with an `embedding` output) with `layers` as its classifier.
 * Throws MODEL_UNSUPPORTED when the backbone has no `embedding` output or its width differs.
 */
export function attachHeadToOnnx(backboneOnnx: Uint8Array, layers: readonly DenseLayerWeights[], modelName: string): Uint8Array {
  const model = onnx.ModelProto.decode(backboneOnnx);
  const graph = model.graph!;
  const embeddingOutput = (graph.output ?? []).find((o) => o.name === EMBEDDING);
  if (!embeddingOutput) {
    throw new StationError('MODEL_UNSUPPORTED', `Model "${modelName}" has no "embedding" output (pooled features), so a new head cannot be put on it; choose a backbone added from a Keras or TF.js pack.`);
  }
  const width = embeddingOutput.type?.tensorType?.shape?.dim?.[1]?.dimValue;
  if (width !== undefined && width !== null && Number(width) !== layers[0]!.inputs) {
    throw new StationError('MODEL_INVALID', `Model "${modelName}" emits ${Number(width)} features but the head was trained on ${layers[0]!.inputs}; train again with this backbone.`);
  }
  graph.output = [embeddingOutput];
  prune(graph);

  const taken = new Set<string>([...(graph.node ?? []).flatMap((n) => [...(n.output ?? []), ...(n.input ?? [])]), ...(graph.initializer ?? []).map((t) => t.name!)]);
  const fresh = (base: string): string => {
    let name = base;
    for (let i = 1; taken.has(name); i += 1) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  let current = EMBEDDING;
  layers.forEach((layer, l) => {
    const kernel = fresh(`trained_head/dense_${l}/kernel`);
    const bias = fresh(`trained_head/dense_${l}/bias`);
    graph.initializer!.push(floatTensor(kernel, [layer.inputs, layer.units], layer.kernel), floatTensor(bias, [layer.units], layer.bias));
    const product = fresh(`trained_head/dense_${l}/matmul`);
    const sum = fresh(`trained_head/dense_${l}/add`);
    graph.node!.push({ opType: 'MatMul', input: [current, kernel], output: [product], name: fresh(`trained_head_matmul_${l}`) });
    graph.node!.push({ opType: 'Add', input: [product, bias], output: [sum], name: fresh(`trained_head_add_${l}`) });
    const activated = layer.activation === 'softmax' ? PROBABILITIES : fresh(`trained_head/dense_${l}/relu`);
    const activation: onnxProto.onnx.INodeProto =
      layer.activation === 'softmax'
        ? { opType: 'Softmax', input: [sum], output: [activated], name: fresh(`trained_head_softmax_${l}`), attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }
        : { opType: 'Relu', input: [sum], output: [activated], name: fresh(`trained_head_relu_${l}`) };
    graph.node!.push(activation);
    current = activated;
  });
  if (current !== PROBABILITIES) throw new Error('attachHeadToOnnx: the last layer must be softmax');
  const classes = layers[layers.length - 1]!.units;
  graph.output = [
    { name: PROBABILITIES, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: classes }] } } } },
    embeddingOutput,
  ];
  graph.name = `${graph.name ?? 'backbone'}+trained_head`;
  model.producerName = 'invasives-station (trained head)';
  return onnx.ModelProto.encode(model).finish();
}
