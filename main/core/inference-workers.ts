import os from 'node:os';

/**
 * How many ONNX Runtime workers (one intra-op thread each) run inference during an import, for
 * a machine of `cores` cores. Two on two cores, as measured (bench/pipeline.bench.ts: decoding,
 * about a quarter of a photo's CPU, fills the gaps); on larger laptops one core is left to
 * decoding and the review UI; at most four, since each Xception session holds ~270 MB. Only
 * the two-core case is measured here: the others follow from it, not from a benchmark.
 */
export function inferenceWorkersFor(cores: number = os.availableParallelism()): number {
  const usable = Math.max(1, Math.floor(cores));
  return usable <= 2 ? usable : Math.min(4, usable - 1);
}
