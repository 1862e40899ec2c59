/**
 * The classification stage of the import pipeline. The ingest code depends only on
 * this interface; model packs (Keras .h5, TF.js, ONNX, DEEP-OC archives) provide it.
 */

import type { ModelIdentity } from '../model-identity.js';

export type { ModelIdentity };

/** A photo handed to the classifier: the file's bytes, decoded by the classifier itself. */
export interface ClassifierInput {
  bytes: Buffer;
  /** For error messages only. */
  path: string;
}

export interface Classification {
  /** One probability per label, summing to ~1. */
  probabilities: Float32Array;
  /** Backbone's pooled feature vector (e.g. 2048 values for Xception), when available. */
  embedding?: Float32Array;
}

export interface PhotoClassifier {
  readonly identity: ModelIdentity;
  /** Rejects with an Error whose message names the file and the problem. */
  classify(input: ClassifierInput): Promise<Classification>;
  /** Frees workers and sessions. */
  close(): Promise<void>;
}
