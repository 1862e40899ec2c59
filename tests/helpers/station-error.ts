import assert from 'node:assert/strict';
import { StationError } from '../../main/core/errors.js';

/** For `assert.rejects`/`assert.throws`: a StationError with this code and a message matching `pattern`. */
export function rejectsWith(code: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof StationError, `expected a StationError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}
