/**
 * Errors the user can act on. `code` lets the CLI and the UI choose what to say;
 * `message` already names the file or thing involved and what to do.
 */
export type StationErrorCode =
  | 'FOLDER_NOT_FOUND'
  | 'NOT_A_FOLDER'
  | 'FILE_UNREADABLE'
  | 'FILE_EMPTY'
  | 'FILE_TOO_LARGE'
  | 'NOT_AN_IMAGE'
  | 'IMAGE_CORRUPT'
  | 'IMAGE_TOO_LARGE'
  | 'DATABASE_NEWER'
  | 'DATABASE_IN_USE'
  | 'DATABASE_CORRUPT'
  | 'DATABASE_FULL'
  | 'MODEL_INVALID'
  | 'MODEL_UNSUPPORTED'
  | 'MODEL_NOT_FOUND'
  | 'CLASSIFY_FAILED'
  | 'DEPENDENCY_MISSING'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'CANCELLED'
  | 'IMPORT_RUNNING'
  | 'MEDIA_REMOVED'
  | 'TRAINING_DATA_INSUFFICIENT'
  | 'GEOJSON_INVALID'
  | 'GPX_INVALID'
  | 'BASELINE_INVALID'
  | 'TAXON_MAPPING_INVALID'
  | 'EXPORT_FAILED';

export class StationError extends Error {
  constructor(
    readonly code: StationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StationError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
