/** Messages between the inference pool (main thread) and its ONNX Runtime workers. */

export interface WorkerInit {
  /** The .onnx file to load, or its bytes when there is no cache folder. */
  modelPath?: string;
  modelBytes?: Uint8Array;
  /** ONNX Runtime intra-op threads of this worker's session. */
  threads: number;
}

/** Sent once the session is ready: what the model takes and gives. */
export interface WorkerReady {
  type: 'ready';
  inputName: string;
  /** Input dims as the model declares them; strings or -1 for dynamic ones. */
  inputDims: (number | string)[];
  /** The model takes NCHW (channels second); the worker transposes our NHWC batches. */
  channelsFirst: boolean;
  probabilitiesName: string;
  embeddingName: string | null;
  outputNames: string[];
}

export interface RunRequest {
  type: 'run';
  id: number;
  /** NHWC float32, `batch` x height x width x 3. */
  data: Float32Array;
  batch: number;
  height: number;
  width: number;
}

export interface RunResult {
  type: 'result';
  id: number;
  /** batch x classes */
  probabilities: Float32Array;
  classes: number;
  /** batch x features, when the model has an embedding output. */
  embedding: Float32Array | null;
  features: number;
}

export interface RunFailure {
  type: 'error';
  id: number | null;
  message: string;
}

export type WorkerMessage = WorkerReady | RunResult | RunFailure;
