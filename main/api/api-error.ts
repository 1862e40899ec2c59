import { type ErrorClass, STATION_ERROR_CLASSES, StationError, errorMessage } from '../core/errors.js';
import { type ApiError, type ApiErrorCode, TRANSPORT_ERROR_CLASSES } from './contract.js';

/** Thrown when a second background job is asked for while one runs. */
export class JobBusyError extends Error {
  readonly code = 'BUSY';
}

/** SQLite's "another connection holds the write lock" codes (a merge, a second program, a backup). */
const LIBRARY_LOCKED_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED']);

function isLibraryLocked(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && LIBRARY_LOCKED_CODES.has(code);
}

/** The ONE mapper from a thrown error to what callers (the UI, `--json`) see. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof StationError) {
    return error.details ? { code: error.code, message: error.message, details: error.details } : { code: error.code, message: error.message };
  }
  if (error instanceof JobBusyError) return { code: 'BUSY', message: error.message };
  if (isLibraryLocked(error)) {
    return {
      code: 'BUSY',
      message: 'The library is busy: another station\'s bundle is being merged, or another program is writing to it. Nothing was changed; try again when it has finished.',
    };
  }
  return { code: 'INTERNAL', message: `Unexpected error: ${errorMessage(error)}` };
}

export function errorClassOf(code: ApiErrorCode): ErrorClass {
  return Object.hasOwn(STATION_ERROR_CLASSES, code)
    ? STATION_ERROR_CLASSES[code as keyof typeof STATION_ERROR_CLASSES]
    : TRANSPORT_ERROR_CLASSES[code as keyof typeof TRANSPORT_ERROR_CLASSES];
}
