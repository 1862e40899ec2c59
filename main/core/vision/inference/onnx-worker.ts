/**
 * Worker thread entry: one ONNX Runtime session, one batch at a time. Runs in a
 * worker_threads Worker so that inference never blocks the main (or UI) thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { RunRequest, WorkerInit, WorkerMessage } from './protocol.js';

const PROBABILITIES = 'probabilities';
const EMBEDDING = 'embedding';

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

/** NHWC -> NCHW for models exported channels-first. */
function toChannelsFirst(data: Float32Array, batch: number, height: number, width: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = height * width;
  for (let n = 0; n < batch; n += 1) {
    const base = n * plane * 3;
    for (let i = 0; i < plane; i += 1) {
      out[base + i] = data[base + i * 3]!;
      out[base + plane + i] = data[base + i * 3 + 1]!;
      out[base + 2 * plane + i] = data[base + i * 3 + 2]!;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: init.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Activations freed after each run instead of kept in an arena: ~30 MB less per session
    // (two sessions run during an import), measured no slower on Xception.
    enableCpuMemArena: false,
    // Idle intra-op threads sleep instead of spinning: on 2 cores, the photos being decoded
    // meanwhile need that CPU (spinning threads burn it between and after ONNX runs).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  const session = init.modelPath
    ? await ort.InferenceSession.create(init.modelPath, options)
    : await ort.InferenceSession.create(init.modelBytes!, options);
  const input = session.inputMetadata[0];
  if (!input) throw new Error('the model declares no input');
  const inputDims = input.isTensor ? input.shape.map((d) => (typeof d === 'number' ? d : String(d))) : [];
  const channelsFirst = inputDims.length === 4 && inputDims[1] === 3 && inputDims[3] !== 3;
  const outputNames = [...session.outputNames];
  const probabilitiesName = outputNames.includes(PROBABILITIES) ? PROBABILITIES : outputNames[0]!;
  const embeddingName = outputNames.includes(EMBEDDING) ? EMBEDDING : null;
  post({ type: 'ready', inputName: input.name, inputDims, channelsFirst, probabilitiesName, embeddingName, outputNames });

  const fetches = embeddingName ? [probabilitiesName, embeddingName] : [probabilitiesName];
  // A model exported with a fixed batch size (often 1) takes our batches in slices of that size.
  const fixedBatch = typeof inputDims[0] === 'number' && inputDims[0] > 0 ? inputDims[0] : null;

  /** Runs `rows` images starting at `first` of an NHWC batch; returns the outputs' data. */
  const runRows = async (nhwc: Float32Array, first: number, rows: number, height: number, width: number) => {
    const size = height * width * 3;
    const slice = nhwc.subarray(first * size, (first + rows) * size);
    const data = channelsFirst ? toChannelsFirst(slice, rows, height, width) : slice;
    const dims = channelsFirst ? [rows, 3, height, width] : [rows, height, width, 3];
    const outputs = await session.run({ [input.name]: new ort.Tensor('float32', data, dims) }, fetches);
    const probabilities = Float32Array.from(outputs[probabilitiesName]!.data as Float32Array);
    const embedding = embeddingName ? Float32Array.from(outputs[embeddingName]!.data as Float32Array) : null;
    for (const tensor of Object.values(outputs)) tensor.dispose();
    return { probabilities, embedding };
  };

  parentPort!.on('message', (request: RunRequest) => {
    void (async () => {
      try {
        const { batch, height, width } = request;
        const step = fixedBatch ?? batch;
        const parts = [];
        for (let first = 0; first < batch; first += step) parts.push(await runRows(request.data, first, Math.min(step, batch - first), height, width));
        const probabilities = concatenate(parts.map((part) => part.probabilities));
        const embedding = embeddingName ? concatenate(parts.map((part) => part.embedding!)) : null;
        post(
          { type: 'result', id: request.id, probabilities, classes: probabilities.length / batch, embedding, features: embedding ? embedding.length / batch : 0 },
          embedding ? [probabilities.buffer, embedding.buffer] : [probabilities.buffer],
        );
      } catch (error) {
        post({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
}

function concatenate(arrays: Float32Array<ArrayBuffer>[]): Float32Array<ArrayBuffer> {
  if (arrays.length === 1) return arrays[0]!;
  const out = new Float32Array(arrays.reduce((sum, a) => sum + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

main().catch((error: unknown) => {
  post({ type: 'error', id: null, message: error instanceof Error ? error.message : String(error) });
});
