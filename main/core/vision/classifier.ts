import type { DecodedPhoto } from './decode-photo.js';
import type { SamplePlan } from './sampled-decode.js';

/**
 * The classification stage of the import pipeline. The ingest code depends only on
 * this interface; model packs (Keras .h5, TF.js, ONNX, DEEP-OC archives) provide it.
 */

import type { ModelIdentity } from '../model-identity.js';

export type { ModelIdentity };

/** A photo handed to the classifier: the file's bytes, and its pixels when already decoded. */
export interface ClassifierInput {
  bytes: Buffer;
  /** For error messages only. */
  path: string;
  /**
   * The photo decoded once by the caller (decodePhoto with the classifier's `decodeSize`), so
   * that the thumbnail and the classifier share one decode; without it the classifier decodes `bytes`.
   * `classify` reads it before returning its promise: the caller frees the frame right after.
   */
  decoded?: DecodedPhoto;
}

/**
 * Which decode a classifier takes: the full frame, one shrunk on load to at least a size, or
 * the full frame read only at some rows and columns (`samples`, given the upright size).
 */
export interface DecodeRequest {
  atLeast?: { width: number; height: number };
  samples?: SamplePlan;
}

export interface Classification {
  /** One probability per label, summing to ~1. */
  probabilities: Float32Array;
  /** Backbone's pooled feature vector (e.g. 2048 values for Xception), when available. */
  embedding?: Float32Array;
}

export interface PhotoClassifier {
  readonly identity: ModelIdentity;
  /** The decode `classify` can use as `decoded`; absent: it decodes the bytes itself. */
  readonly decodeRequest?: DecodeRequest;
  /** Rejects with an Error whose message names the file and the problem. */
  classify(input: ClassifierInput): Promise<Classification>;
  /** Frees workers and sessions. */
  close(): Promise<void>;
}
