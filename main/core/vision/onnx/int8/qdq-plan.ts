/**
 * Which tensors of a compiled FP32 graph get QuantizeLinear/DequantizeLinear pairs, chosen
 * so that ONNX Runtime fuses them into int8 kernels (QLinearConv, QLinearAdd):
 * - every Conv's data input, and its output (or, when the output's only reader is a
 *   Relu/Clip, that activation's output: ONNX Runtime drops the activation because the
 *   uint8 range starting at 0 already clips);
 * - both inputs and the output of an Add of two activations (residual connections);
 * - MaxPool and Pad outputs share their input's parameters, so they run on uint8 as is.
 * Dense layers (Gemm/MatMul) stay FP32: a small share of the work, and the classifier
 * head's precision is what the top-1 class depends on most.
 */
import type onnxProto from 'onnx-proto';

type Node = onnxProto.onnx.INodeProto;

export interface QdqPlan {
  /** Tensors whose range is measured on calibration photos. */
  calibrated: string[];
  /** Pass-through tensors: they use the parameters of the tensor named as value. */
  sameAs: Map<string, string>;
  /** Conv nodes (by output name) whose weights become int8. */
  convOutputs: string[];
  /** Their data inputs (NCHW), whose per-channel means bias correction needs. */
  convInputs: string[];
}

const CLIPPING_ACTIVATIONS = new Set(['Relu', 'Clip']);
const PASS_THROUGH = new Set(['MaxPool', 'Pad']);

export interface QdqPlanOptions {
  /** Which Conv nodes become int8 (default all). */
  quantizeConv?: (node: Node) => boolean;
}

export function planQdq(graph: onnxProto.onnx.IGraphProto, options: QdqPlanOptions = {}): QdqPlan {
  const nodes = graph.node ?? [];
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name!));
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name!));
  const consumers = new Map<string, Node[]>();
  for (const n of nodes) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);

  const wanted = new Set<string>();
  const want = (tensor: string | undefined): void => {
    if (tensor && !initializers.has(tensor) && !graphOutputs.has(tensor)) wanted.add(tensor);
  };
  /** A quantized output: after the Relu/Clip that alone reads it, if there is one. */
  const wantOutput = (tensor: string): void => {
    const readers = consumers.get(tensor) ?? [];
    const only = readers.length === 1 ? readers[0]! : null;
    if (only && CLIPPING_ACTIVATIONS.has(only.opType!) && isNonNegativeClip(only, graph)) want(only.output![0]);
    else want(tensor);
  };

  const convOutputs: string[] = [];
  const convInputs: string[] = [];
  for (const n of nodes) {
    const inputs = n.input ?? [];
    if (n.opType === 'Conv' && initializers.has(inputs[1]!) && !initializers.has(inputs[0]!) && (options.quantizeConv?.(n) ?? true)) {
      want(inputs[0]);
      wantOutput(n.output![0]!);
      convOutputs.push(n.output![0]!);
      convInputs.push(inputs[0]!);
    } else if (n.opType === 'Add' && inputs.length === 2 && inputs.every((i) => !initializers.has(i))) {
      want(inputs[0]);
      want(inputs[1]);
      wantOutput(n.output![0]!);
    }
  }
  // Nodes are in topological order, so a pass-through of a pass-through resolves in one sweep.
  const sameAs = new Map<string, string>();
  for (const n of nodes) {
    const input = n.input?.[0];
    const output = n.output![0]!;
    if (!PASS_THROUGH.has(n.opType!) || !input || !wanted.has(output)) continue;
    if (n.opType === 'Pad' && !isZeroConstantPad(n, graph)) continue;
    const source = sameAs.get(input) ?? input;
    if (!wanted.has(source)) continue;
    sameAs.set(output, source);
  }
  return { calibrated: [...wanted].filter((t) => !sameAs.has(t)), sameAs, convOutputs, convInputs: [...new Set(convInputs)] };
}

/** Relu, or a Clip whose lower bound is 0: uint8 with zero point 0 makes it redundant. */
function isNonNegativeClip(node: Node, graph: onnxProto.onnx.IGraphProto): boolean {
  if (node.opType === 'Relu') return true;
  const minName = node.input?.[1];
  const min = (graph.initializer ?? []).find((t) => t.name === minName);
  if (!min?.rawData || min.rawData.length !== 4) return false;
  return new DataView(min.rawData.buffer, min.rawData.byteOffset, 4).getFloat32(0, true) === 0;
}

/** Pad in constant mode with the default 0 value (zero pads are zero-point pads in uint8). */
function isZeroConstantPad(node: Node, _graph: onnxProto.onnx.IGraphProto): boolean {
  const mode = node.attribute?.find((a) => a.name === 'mode');
  const modeText = mode?.s ? new TextDecoder().decode(mode.s) : 'constant';
  return modeText === 'constant' && (node.input?.length ?? 0) <= 2;
}
