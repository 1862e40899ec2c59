import { errorClassOf, toApiError } from '../api/api-error.js';
import { StationError } from '../core/errors.js';
import { EXIT_CODES } from './exit-codes.js';

/**
 * Tells the user why a command failed and returns its exit code (by error class). With
 * --json the error is one JSON object on standard error: {code, message, details}. Only an
 * unexpected error (a bug) shows its stack, and only without --json.
 */
export function reportError(commandName: string, error: unknown, json: boolean): number {
  const apiError = toApiError(error);
  const exitCode = EXIT_CODES[errorClassOf(apiError.code)];
  if (json) {
    process.stderr.write(`${JSON.stringify({ code: apiError.code, message: apiError.message, details: apiError.details ?? null, exitCode })}\n`);
    return exitCode;
  }
  if (error instanceof StationError) {
    process.stderr.write(`invasives ${commandName}: ${apiError.message}\n`);
    if (apiError.code === 'INVALID_ARGUMENT' && !apiError.message.includes('--help')) process.stderr.write(`See: invasives ${commandName} --help\n`);
  } else {
    process.stderr.write(`invasives ${commandName}: ${apiError.message}\n${error instanceof Error ? (error.stack ?? '') : ''}\n`);
  }
  return exitCode;
}
