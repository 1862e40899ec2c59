import { ApiCallError, type ApiErrorCode } from '../../../main/api/contract.js';

/**
 * The UI's headline for every error code: the message after it already names the thing and
 * what to do. A Record, so a new code cannot reach the UI without its words.
 */
export const ERROR_HEADLINES: Record<ApiErrorCode, string> = {
  FOLDER_NOT_FOUND: 'Folder not found',
  NOT_A_FOLDER: 'Not a folder',
  FILE_UNREADABLE: 'File cannot be read',
  FILE_EMPTY: 'Empty file',
  FILE_TOO_LARGE: 'File too large',
  NOT_AN_IMAGE: 'Not a photo',
  IMAGE_CORRUPT: 'Damaged photo',
  IMAGE_TOO_LARGE: 'Photo too large',
  IMPORT_FAILED: 'Import problem',
  MEDIA_REMOVED: 'The card or drive was removed',
  GEOJSON_INVALID: 'Zones file not usable',
  GPX_INVALID: 'GPS track not usable',
  BASELINE_INVALID: 'Past records file not usable',
  BACKUP_INVALID: 'Not a usable backup',
  SPECIES_LIST_INVALID: 'Species list not usable',
  BUNDLE_INVALID: 'Station bundle not usable',
  PUBLISH_FAILED: 'Headquarters database not reachable',
  SUBMISSION_INVALID: 'Submission not usable',
  BASEMAP_INVALID: 'Basemap not usable',
  TAXON_MAPPING_INVALID: 'Taxon mapping not usable',
  EXPORT_FAILED: 'Export could not be written',
  DATABASE_NEWER: 'Library from a newer version',
  DATABASE_IN_USE: 'Library in use',
  DATABASE_CORRUPT: 'Library damaged',
  DATABASE_FULL: 'The disk is full',
  LIBRARY_PATH_INVALID: 'Library location not usable',
  LIBRARY_READ_ONLY: 'Library is read-only',
  MODEL_INVALID: 'Model pack not usable',
  MODEL_UNSUPPORTED: 'Model not supported',
  MODEL_NOT_FOUND: 'Model not found',
  CLASSIFY_FAILED: 'Classification failed',
  TRAINING_DATA_INSUFFICIENT: 'Not enough reviewed photos',
  DEPENDENCY_MISSING: 'Part of the program is missing',
  INVALID_ARGUMENT: 'Check the input',
  NOT_FOUND: 'Not found',
  CANCELLED: 'Cancelled',
  IMPORT_RUNNING: 'An import is running',
  BAD_ARGUMENTS: 'Check the input',
  UNKNOWN_CALL: 'The station does not know this request (reload the page)',
  BUSY: 'The station is busy',
  INTERNAL: 'Unexpected error (please report it)',
  TRANSPORT: 'Connection problem',
  BACKEND_STOPPED: "The station's backend stopped",
};

/** The message to show for a failed call: its code's headline, then the station's own words. */
export function describeError(error: unknown): string {
  if (error instanceof ApiCallError) return `${ERROR_HEADLINES[error.code] ?? 'Error'}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
