/** Row and value types of the library, shared by the data-access modules and their callers. */
import type { StoredVerdict } from './predictions-store.js';

import type { ImageFormat } from '../image-format.js';

export type { ImageFormat };

/** What EXIF and the decoder told us about a photo. Every field may be missing. */
export interface PhotoMetadata {
  format: ImageFormat;
  width: number | null;
  height: number | null;
  orientation: number | null;
  /** ISO 8601 local capture time, with the UTC offset when the camera recorded one. */
  capturedAt: string | null;
  /** Where capturedAt comes from (see CaptureTimeSource); null when there is no capture time. */
  capturedAtSource?: CaptureTimeSource | null;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  cameraMake: string | null;
  cameraModel: string | null;
  /** Why some EXIF fields could not be read, when that happened. */
  exifWarning: string | null;
}

/**
 * Where a photo's capture time was read, best first: EXIF capture tags, XMP properties,
 * IPTC, EXIF ModifyDate, the file's modification time (only when allowed, labelled as
 * such), or 'exif' for photos imported before sources were kept (then only EXIF was read).
 */
export const CAPTURE_TIME_SOURCES = [
  'exif:DateTimeOriginal', 'exif:CreateDate',
  'xmp:exif:DateTimeOriginal', 'xmp:photoshop:DateCreated', 'xmp:xmp:CreateDate', 'xmp:dwc:eventDate',
  'iptc:DateCreated', 'exif:ModifyDate', 'file:modified', 'exif',
] as const;
export type CaptureTimeSource = (typeof CAPTURE_TIME_SOURCES)[number];

export type ReviewDecision = 'confirmed' | 'corrected' | 'rejected' | 'unsure';
export type ReviewStatus = ReviewDecision | 'unreviewed';
export const REVIEW_STATUSES: readonly ReviewStatus[] = ['unreviewed', 'confirmed', 'corrected', 'rejected', 'unsure'];

export interface TopClass {
  label: string;
  probability: number;
}

/** A photo with its current prediction and current review, as lists and exports show it. */
export interface PhotoSummary extends PhotoMetadata {
  id: number;
  sha256: string;
  byteSize: number;
  /** The most recent path the photo was seen at. */
  path: string;
  addedAt: string;
  prediction: {
    id: number;
    modelId: number;
    label: string;
    score: number;
    margin: number;
    topK: TopClass[];
    /** The open-set verdict stored with the prediction; null when its model was not calibrated. */
    openSet: StoredVerdict | null;
    /** The predicted class is on the park's species list as one that cannot occur here. */
    cannotOccur: boolean;
  } | null;
  review: {
    id: number;
    decision: ReviewDecision;
    species: string | null;
    note: string | null;
    decidedAt: string;
    /** Who decided (the ranger's name) and at which station. */
    reviewer: string | null;
    station: string | null;
  } | null;
  status: ReviewStatus;
  /** The reviewed species when a ranger confirmed or corrected it, else the predicted one. */
  species: string | null;
  /**
   * Where latitude/longitude come from: EXIF, a GPX track match, or a ranger's placement
   * (which wins over EXIF); null when the photo has no position.
   */
  positionSource: PositionSource | null;
  /**
   * Stable Darwin Core occurrenceID of the photo: a UUID (v5 of the content hash, so the same
   * photo has the same id in every library), stored and never changed.
   */
  occurrenceId: string;
  /** Metres within which a GPX or hand position is known, when one was stored with it (a placement's map zoom). */
  positionUncertaintyMetres: number | null;
}

export type PositionSource = 'exif' | 'gpx' | 'manual';

export interface PhotoQuery {
  /** Matches the reviewed species when there is one, else the predicted one. */
  species?: string;
  status?: ReviewStatus | 'reviewed';
  /** Capture time lower bound (inclusive), ISO date or date-time, local time. */
  since?: string;
  /** Capture time upper bound (inclusive). */
  until?: string;
  importId?: number;
  camera?: string;
  hasGps?: boolean;
  minScore?: number;
  maxScore?: number;
  /** Only predictions judged unknown by the open set (true), or only the others (false). */
  unknown?: boolean;
  /** 'needs-review' puts the least certain predictions (smallest top-1 margin) first. */
  order?: 'captured' | 'added' | 'needs-review';
  limit?: number;
  offset?: number;
}

export type ImportState = 'running' | 'interrupted' | 'completed' | 'cancelled' | 'failed';

export interface ImportSummary {
  id: number;
  rootPath: string;
  startedAt: string;
  finishedAt: string | null;
  state: ImportState;
  modelId: number | null;
  filesTotal: number;
  filesDone: number;
  filesFailed: number;
  filesPending: number;
  photosNew: number;
  photosDuplicate: number;
  photosKnown: number;
  /** Entries not imported because they are not photos, hidden, or system folders: reason → count. */
  skipped: Record<string, number>;
}

export interface ImportFileError {
  path: string;
  code: string;
  message: string;
}

export interface ModelRow {
  id: number;
  name: string;
  version: string;
  format: string;
  contentHash: string;
  sourcePath: string;
  labels: string[];
  labelInfo: (string | null)[] | null;
  preprocessing: Record<string, unknown>;
  provenance: Record<string, unknown> | null;
  addedAt: string;
  isActive: boolean;
  /** The compiled ONNX file the model runs from (in the library's model store). */
  onnxPath: string | null;
}
