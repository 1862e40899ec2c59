/**
 * The ONNX graph under construction: nodes, initializers, unique names, and the NHWC/NCHW
 * bookkeeping (Keras works in NHWC; ONNX convolutions want NCHW, so a 4-D value is
 * transposed once and kept in NCHW until a layer needs Keras order back). Ends with
 * `encodeModel`, which writes the ModelProto bytes.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type Layout = 'nchw' | 'keras';
export type Attribute = onnxProto.onnx.IAttributeProto;
export type InitializerData = Float32Array | BigInt64Array | Int8Array | Uint8Array | Int32Array;

/** A tensor in the ONNX graph under construction. `shape` is Keras' shape without the batch dim. */
export interface Value {
  name: string;
  layout: Layout;
  shape: (number | null)[];
}

export interface IrNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
  /** Set on Conv nodes whose weights are ours to fold a following BatchNormalization into. */
  foldable?: { weight: string; bias: string; outChannels: number };
  /** Set on the Mul of a BatchNormalization's Mul+Add pair, for folding into a Conv. */
  batchNorm?: { scale: Float32Array; shift: Float32Array; addOutput: string };
}

export interface Initializer {
  dims: number[];
  data: InitializerData;
}

export function intAttr(name: string, i: number): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}
export function intsAttr(name: string, ints: number[]): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}
export function floatAttr(name: string, f: number): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}
export function stringAttr(name: string, s: string): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) };
}

export class GraphBuilder {
  readonly nodes: IrNode[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly usedNames = new Set<string>();
  private readonly transposed = new Map<string, Value>();
  /** Keras layer name (of the top-level scope path) -> its output value, for the embedding output. */
  readonly layerOutputs = new Map<string, Value>();

  uniqueName(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_./:-]/g, '_');
    for (let i = 1; this.usedNames.has(name); i += 1) name = `${base}__${i}`;
    this.usedNames.add(name);
    return name;
  }

  addInitializer(base: string, dims: number[], data: InitializerData): string {
    const name = this.uniqueName(base);
    this.initializers.set(name, { dims, data });
    return name;
  }

  addNode(opType: string, inputs: string[], outputBase: string, attributes: Attribute[] = []): string {
    const output = this.uniqueName(outputBase);
    this.nodes.push({ opType, inputs, outputs: [output], attributes });
    return output;
  }

  /** The value in NCHW order (4-D tensors only; others pass through). */
  asNchw(value: Value): Value {
    if (value.layout === 'nchw' || value.shape.length !== 3) return value;
    return this.transpose(value, [0, 3, 1, 2], 'nchw');
  }

  /** The value in Keras (NHWC) order. */
  asKeras(value: Value): Value {
    if (value.layout === 'keras') return value;
    return this.transpose(value, [0, 2, 3, 1], 'keras');
  }

  private transpose(value: Value, perm: number[], layout: Layout): Value {
    const key = `${value.name}->${layout}`;
    const cached = this.transposed.get(key);
    if (cached) return cached;
    const name = this.addNode('Transpose', [value.name], `${value.name}_${layout}`, [intsAttr('perm', perm)]);
    const result: Value = { name, layout, shape: value.shape };
    this.transposed.set(key, result);
    return result;
  }
}

const ELEMENT_TYPES = [
  [Float32Array, onnx.TensorProto.DataType.FLOAT],
  [BigInt64Array, onnx.TensorProto.DataType.INT64],
  [Int8Array, onnx.TensorProto.DataType.INT8],
  [Uint8Array, onnx.TensorProto.DataType.UINT8],
  [Int32Array, onnx.TensorProto.DataType.INT32],
] as const;

export function tensorProto(name: string, dims: number[], data: InitializerData): onnxProto.onnx.ITensorProto {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const dataType = ELEMENT_TYPES.find(([type]) => data instanceof type)![1];
  return { name, dims, dataType, rawData: bytes };
}

export function valueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface GraphParts {
  name: string;
  nodes: IrNode[];
  initializers: Map<string, Initializer>;
  inputs: onnxProto.onnx.IValueInfoProto[];
  outputs: onnxProto.onnx.IValueInfoProto[];
  opset: number;
}

/** The ModelProto bytes of a graph; initializers no node reads are left out. */
export function encodeModel(parts: GraphParts): Uint8Array {
  const used = new Set(parts.nodes.flatMap((n) => n.inputs));
  const graph: onnxProto.onnx.IGraphProto = {
    name: parts.name,
    node: parts.nodes.map((n, i) => ({ opType: n.opType, input: n.inputs, output: n.outputs, attribute: n.attributes, name: `${n.opType}_${i}` })),
    initializer: [...parts.initializers].filter(([name]) => used.has(name)).map(([name, t]) => tensorProto(name, t.dims, t.data)),
    input: parts.inputs,
    output: parts.outputs,
  };
  const proto: onnxProto.onnx.IModelProto = {
    irVersion: 7,
    producerName: 'invasives-station',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: parts.opset }],
    graph,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}
