import type { CaptureTimeSource, PhotoSummary, PositionSource } from '../library/index.js';

/** The fields every photo export carries, in column order: CSV columns and GeoJSON properties alike. */
export interface PhotoExportRecord {
  photo_id: number;
  path: string;
  sha256: string;
  captured_at: string | null;
  /** Where captured_at was read: exif:DateTimeOriginal, xmp:..., iptc:DateCreated, file:modified... */
  captured_at_source: CaptureTimeSource | null;
  latitude: number | null;
  longitude: number | null;
  altitude_m: number | null;
  /** Where latitude/longitude come from: exif, gpx or manual. */
  position_source: PositionSource | null;
  camera_make: string | null;
  camera_model: string | null;
  predicted_species: string | null;
  predicted_score: number | null;
  review_status: string;
  reviewed_species: string | null;
  review_note: string | null;
  reviewed_at: string | null;
  /** 'unknown' (looks like none of the model's species), 'known', or 'not calibrated'; null without a prediction. */
  open_set: 'unknown' | 'known' | 'not calibrated' | null;
  open_set_distance: number | null;
  open_set_max_probability: number | null;
  /** The ranger who made the current decision, at which station, and when (Darwin Core identifiedBy / dateIdentified). */
  identified_by: string | null;
  identified_at_station: string | null;
  date_identified: string | null;
}

export const EXPORT_COLUMNS: readonly (keyof PhotoExportRecord)[] = [
  'photo_id', 'path', 'sha256', 'captured_at', 'captured_at_source', 'latitude', 'longitude', 'altitude_m', 'position_source', 'camera_make', 'camera_model',
  'predicted_species', 'predicted_score', 'review_status', 'reviewed_species', 'review_note', 'reviewed_at',
  'open_set', 'open_set_distance', 'open_set_max_probability', 'identified_by', 'identified_at_station', 'date_identified',
];

const round = (value: number | null | undefined): number | null => (value === null || value === undefined ? null : Number(value.toFixed(6)));

export function exportRecordOf(photo: PhotoSummary): PhotoExportRecord {
  return {
    photo_id: photo.id,
    path: photo.path,
    sha256: photo.sha256,
    captured_at: photo.capturedAt,
    captured_at_source: photo.capturedAtSource ?? null,
    latitude: photo.latitude,
    longitude: photo.longitude,
    altitude_m: photo.altitude,
    position_source: photo.positionSource,
    camera_make: photo.cameraMake,
    camera_model: photo.cameraModel,
    predicted_species: photo.prediction?.label ?? null,
    predicted_score: photo.prediction ? Number(photo.prediction.score.toFixed(6)) : null,
    review_status: photo.status,
    reviewed_species: photo.review?.species ?? null,
    review_note: photo.review?.note ?? null,
    reviewed_at: photo.review?.decidedAt ?? null,
    open_set: !photo.prediction ? null : !photo.prediction.openSet ? 'not calibrated' : photo.prediction.openSet.unknown ? 'unknown' : 'known',
    open_set_distance: round(photo.prediction?.openSet?.distance),
    open_set_max_probability: round(photo.prediction?.openSet?.maxProbability),
    identified_by: photo.review?.reviewer ?? null,
    identified_at_station: photo.review?.station ?? null,
    date_identified: photo.review ? photo.review.decidedAt : null,
  };
}

export interface ExportCounts {
  /** Photos written to the file. */
  written: number;
  /** Photos matching the filters but left out (GeoJSON: no GPS position). */
  leftOut: number;
}
