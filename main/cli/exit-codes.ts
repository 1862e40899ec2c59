import type { ErrorClass } from '../core/errors.js';

/**
 * The exit code of each error class (README's table). 1 means the command ran but did not
 * finish its work (an import interrupted or with a failure left to resume).
 */
export const EXIT_CODES = {
  ok: 0,
  incomplete: 1,
  usage: 2,
  input: 3,
  library: 4,
  model: 5,
  busy: 6,
  internal: 70,
  cancelled: 130,
} as const satisfies Record<ErrorClass | 'ok' | 'incomplete', number>;
