import type { DecodedPhoto } from './decode-photo.js';

/**
 * The classification stage of the import pipeline. The ingest code depends only on
 * this interface; model packs (Keras .h5, TF.js, ONNX, DEEP-OC archives) provide it.
 */

/** What a classifier is, as stored in the library's `models` table. */
export interface ModelIdentity {
  /** Human name, e.g. "DEEP-OC invasive species". */
  name: string;
  /** Version string, e.g. the DEEP-OC timestamp "2020-01-30_120000" or a training date. */
  version: string;
  /** sha256 of the model pack's content: the same bytes always map to the same model row. */
  contentHash: string;
  /** Pack format the model was loaded from. */
  format: 'deepoc' | 'keras-h5' | 'tfjs-layers' | 'onnx' | 'trained-head';
  /** Where the pack was loaded from. */
  sourcePath: string;
  /** Output class labels, index-aligned with the probability vector. */
  labels: string[];
  /** Optional per-class free text (DEEP-OC info.txt), index-aligned with labels. */
  labelInfo?: (string | null)[];
  /** Preprocessing the pack prescribes (image size, mean, std, mode…), stored for provenance. */
  preprocessing: Record<string, unknown>;
  /** Where the model came from: parent model, training data, metrics… */
  provenance?: Record<string, unknown>;
}

/** A photo handed to the classifier: the file's bytes, and its pixels when already decoded. */
export interface ClassifierInput {
  bytes: Buffer;
  /** For error messages only. */
  path: string;
  /**
   * The photo decoded once by the caller (decodePhoto with the classifier's `decodeSize`), so
   * that the thumbnail and the classifier share one decode; without it the classifier decodes `bytes`.
   */
  decoded?: DecodedPhoto;
}

/** Which decode a classifier takes: the full frame, or one shrunk on load to at least a size. */
export interface DecodeRequest {
  atLeast?: { width: number; height: number };
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
