/**
 * Batch-norm folding: each BatchNormalization (emitted as a per-channel Mul+Add) that
 * follows a Conv whose output feeds nothing else is folded into that Conv's weights:
 * w' = w * s, b' = b * s + t, per output channel.
 */
import type { GraphBuilder, IrNode } from './graph-builder.js';

export function foldBatchNorms(nodes: IrNode[], initializers: GraphBuilder['initializers']): IrNode[] {
  const consumers = new Map<string, number>();
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const producers = new Map<string, IrNode>();
  for (const n of nodes) producers.set(n.outputs[0]!, n);
  const removed = new Set<IrNode>();
  for (const mul of nodes) {
    if (!mul.batchNorm) continue;
    const conv = producers.get(mul.inputs[0]!);
    if (!conv?.foldable || conv.foldable.outChannels !== mul.batchNorm.scale.length || consumers.get(conv.outputs[0]!) !== 1) continue;
    const add = producers.get(mul.batchNorm.addOutput)!;
    const { scale, shift } = mul.batchNorm;
    const w = initializers.get(conv.foldable.weight)!.data as Float32Array;
    const b = initializers.get(conv.foldable.bias)!.data as Float32Array;
    const perChannel = w.length / scale.length;
    for (let o = 0; o < scale.length; o += 1) {
      for (let i = 0; i < perChannel; i += 1) w[o * perChannel + i]! *= scale[o]!;
      b[o] = b[o]! * scale[o]! + shift[o]!;
    }
    conv.outputs = [mul.batchNorm.addOutput];
    delete conv.foldable;
    removed.add(mul).add(add);
  }
  return nodes.filter((n) => !removed.has(n));
}
