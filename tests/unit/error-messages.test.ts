import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiCallError, TRANSPORT_ERROR_CLASSES } from '../../main/api/contract.js';
import { errorClassOf, toApiError } from '../../main/api/api-error.js';
import { STATION_ERROR_CLASSES, StationError } from '../../main/core/errors.js';
import { ERROR_HEADLINES, describeError } from '../../renderer/src/lib/error-messages.js';

const ALL_CODES = [...Object.keys(STATION_ERROR_CLASSES), ...Object.keys(TRANSPORT_ERROR_CLASSES)];

test('every error code has a class and a UI headline (one union, no code left out)', () => {
  assert.deepEqual(Object.keys(ERROR_HEADLINES).sort(), [...ALL_CODES].sort());
  for (const code of ALL_CODES) assert.ok(errorClassOf(code as never), code);
  assert.equal(errorClassOf('IMPORT_FAILED'), 'input', 'the per-file import code is part of the union');
});

test('the UI picks its headline by code and keeps the station\'s message', () => {
  assert.equal(describeError(new ApiCallError('DATABASE_FULL', 'The disk holding /x is full.', 'import:start')), 'The disk is full: The disk holding /x is full.');
  assert.match(describeError(new ApiCallError('TRANSPORT', 'server gone', 'photos:list')), /^Connection problem: server gone$/);
});

test('one mapper: StationErrors keep code, message and details; anything else is INTERNAL', () => {
  assert.deepEqual(toApiError(new StationError('LIBRARY_READ_ONLY', 'read-only', { details: { path: '/x' } })), {
    code: 'LIBRARY_READ_ONLY',
    message: 'read-only',
    details: { path: '/x' },
  });
  assert.equal(toApiError(new TypeError('boom')).code, 'INTERNAL');
});
