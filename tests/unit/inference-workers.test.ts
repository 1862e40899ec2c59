/**
 * Inference workers follow the machine: two on the two cores everything is measured on, one
 * core left to decoding and the UI on larger laptops, at most four sessions in memory; the
 * import keeps one photo more in flight than there are workers.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { inferenceWorkersFor } from '../../main/core/inference-workers.js';
import { DEFAULT_SETTINGS } from '../../main/core/settings.js';
import { DEFAULT_INFERENCE_WORKERS } from '../../main/core/vision/inference/onnx-classifier.js';

test('workers per machine: 1 core 1, 2 cores 2, 4 cores 3, 8 and more 4', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 8, 64].map((cores) => inferenceWorkersFor(cores)), [1, 2, 2, 3, 4, 4, 4]);
  assert.equal(inferenceWorkersFor(0), 1, 'never none');
});

test('this machine: the classifier pool and the import concurrency follow its cores', () => {
  const workers = inferenceWorkersFor(os.availableParallelism());
  assert.equal(DEFAULT_INFERENCE_WORKERS, workers);
  assert.equal(DEFAULT_SETTINGS.importConcurrency, workers + 1);
});
