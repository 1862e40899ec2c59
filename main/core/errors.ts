/**
 * What kind of trouble an error is; the CLI's exit code and the UI's wording follow the class.
 * usage: the request itself is wrong · input: a file, folder or record named is missing or unreadable ·
 * library: the library database or its folder · model: a model pack or classification ·
 * busy: something else is running · cancelled: stopped on request · internal: a bug or a lost transport.
 */
export type ErrorClass = 'usage' | 'input' | 'library' | 'model' | 'busy' | 'cancelled' | 'internal';

/**
 * Errors the user can act on, each with its class: the ONE list of the core's codes (the
 * contract adds the transport's own). `code` lets the CLI and the UI choose what to say;
 * `message` already names the file or thing involved and what to do.
 */
export const STATION_ERROR_CLASSES = {
  FOLDER_NOT_FOUND: 'input',
  NOT_A_FOLDER: 'input',
  FILE_UNREADABLE: 'input',
  FILE_EMPTY: 'input',
  FILE_TOO_LARGE: 'input',
  NOT_AN_IMAGE: 'input',
  IMAGE_CORRUPT: 'input',
  IMAGE_TOO_LARGE: 'input',
  /** One file of an import failed for a reason that has no code of its own (stored per file). */
  IMPORT_FAILED: 'input',
  MEDIA_REMOVED: 'input',
  GEOJSON_INVALID: 'input',
  GPX_INVALID: 'input',
  BASELINE_INVALID: 'input',
  /** A class-to-taxon mapping CSV that is malformed or names classes the model lacks. */
  TAXON_MAPPING_INVALID: 'input',
  /** An export (archive) that cannot be written where asked. */
  EXPORT_FAILED: 'input',
  /** A watch list / park species list with unknown species or bad values (nothing stored). */
  SPECIES_LIST_INVALID: 'input',
  BACKUP_INVALID: 'input',
  /** A citizen submission's sidecar (CSV/JSON) or mail that cannot be taken in (bad licence, unknown column...); nothing stored. */
  SUBMISSION_INVALID: 'input',
  /** A basemap file that is not MBTiles/PMTiles, or declares another projection or no bounds. */
  BASEMAP_INVALID: 'input',
  /** A station bundle that is truncated, tampered with (checksum), not a bundle, or from a newer schema (nothing merged). */
  BUNDLE_INVALID: 'input',
  /** The headquarters PostgreSQL server cannot be reached or refused us (nothing lost; publish again). */
  PUBLISH_FAILED: 'input',
  DATABASE_NEWER: 'library',
  DATABASE_IN_USE: 'busy',
  DATABASE_CORRUPT: 'library',
  DATABASE_FULL: 'library',
  /** The --db path cannot hold a library (unwritable folder, a directory, a system folder, a mistyped path). */
  LIBRARY_PATH_INVALID: 'library',
  /** A read-only library was asked to change. */
  LIBRARY_READ_ONLY: 'library',
  MODEL_INVALID: 'model',
  MODEL_UNSUPPORTED: 'model',
  MODEL_NOT_FOUND: 'model',
  CLASSIFY_FAILED: 'model',
  TRAINING_DATA_INSUFFICIENT: 'model',
  DEPENDENCY_MISSING: 'internal',
  INVALID_ARGUMENT: 'usage',
  NOT_FOUND: 'input',
  CANCELLED: 'cancelled',
  IMPORT_RUNNING: 'busy',
} as const satisfies Record<string, ErrorClass>;

export type StationErrorCode = keyof typeof STATION_ERROR_CLASSES;

export class StationError extends Error {
  /** Machine-readable particulars (the path involved…), shown by `--json` and the API. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: StationErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StationError';
    this.details = options?.details;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
