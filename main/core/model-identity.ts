// Its own module because vision produces it and the library stores it, and the library must not depend on vision.

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
