import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CALL_NAMES, CONTRACT, parseCallArgs } from '../../main/api/contract.js';
import { openStation } from '../../main/api/station.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('contract argument validation', () => {
  test('every call has a domain:verb name and a schema', () => {
    assert.ok(CALL_NAMES.length >= 18);
    for (const name of CALL_NAMES) {
      assert.match(name, /^[a-z]+:[a-zA-Z]+$/);
      assert.equal(typeof CONTRACT[name].args.safeParse, 'function');
    }
  });

  test('photos:list fills defaults for an empty filter and page', () => {
    const parsed = parseCallArgs('photos:list', {});
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.args, { filter: {}, offset: 0, limit: 200 });
  });

  test('photos:list refuses a page over the maximum size', () => {
    const parsed = parseCallArgs('photos:list', { limit: 5000 });
    assert.equal(parsed.ok, false);
    assert.ok(!parsed.ok && parsed.error.code === 'BAD_ARGUMENTS' && parsed.error.message.includes('limit'));
  });

  test('filters refuse unknown keys (a typo must not silently widen a filter)', () => {
    const parsed = parseCallArgs('photos:count', { filter: { speceis: 'Acacia' } });
    assert.equal(parsed.ok, false);
  });

  test('filters refuse scores outside 0..1 and malformed dates', () => {
    assert.equal(parseCallArgs('photos:count', { filter: { minScore: 1.5 } }).ok, false);
    assert.equal(parseCallArgs('photos:count', { filter: { since: 'last tuesday' } }).ok, false);
    assert.ok(parseCallArgs('photos:count', { filter: { since: '2024-05-01', until: '2024-05-31T23:59:59' } }).ok);
  });

  test('reviews:record refuses an unknown decision and a non-integer photo id', () => {
    assert.equal(parseCallArgs('reviews:record', { photoId: 1, decision: 'maybe' }).ok, false);
    assert.equal(parseCallArgs('reviews:record', { photoId: 1.5, decision: 'confirmed' }).ok, false);
    assert.equal(parseCallArgs('reviews:record', { photoId: -3, decision: 'confirmed' }).ok, false);
  });

  test('reviews:record refuses a correction without a species', () => {
    const parsed = parseCallArgs('reviews:record', { photoId: 1, decision: 'corrected' });
    assert.ok(!parsed.ok && parsed.error.message.includes('species'));
  });

  test('reviews:record trims the species and refuses a blank one', () => {
    const parsed = parseCallArgs('reviews:record', { photoId: 1, decision: 'corrected', species: '  Acacia dealbata ' });
    assert.ok(parsed.ok && parsed.args.species === 'Acacia dealbata');
    assert.equal(parseCallArgs('reviews:record', { photoId: 1, decision: 'corrected', species: '   ' }).ok, false);
  });

  test('reviews:bulk refuses an empty selection and the corrected decision', () => {
    assert.equal(parseCallArgs('reviews:bulk', { photoIds: [], decision: 'confirmed' }).ok, false);
    assert.equal(parseCallArgs('reviews:bulk', { photoIds: [1], decision: 'corrected', species: 'x' }).ok, false);
  });

  test('calls without arguments accept none and refuse extra ones', () => {
    assert.ok(parseCallArgs('stats:get', undefined).ok);
    assert.ok(parseCallArgs('stats:get', {}).ok);
    assert.equal(parseCallArgs('stats:get', { everything: true }).ok, false);
  });
});

describe('dispatcher', () => {
  const dir = makeTempDir();
  const station = openStation({ databasePath: path.join(dir, 'library.sqlite') });
  after(() => station.close());

  test('an unknown call name is refused with UNKNOWN_CALL', async () => {
    const outcome = await station.dispatch('photos:delete', {});
    assert.deepEqual(outcome.ok ? null : outcome.error.code, 'UNKNOWN_CALL');
  });

  test('prototype keys are not call names', async () => {
    const outcome = await station.dispatch('constructor', {});
    assert.equal(outcome.ok ? null : outcome.error.code, 'UNKNOWN_CALL');
  });

  test('invalid arguments never reach the handler (no review is stored)', async () => {
    const outcome = await station.dispatch('reviews:record', { photoId: 'one', decision: 'confirmed' });
    assert.equal(outcome.ok ? null : outcome.error.code, 'BAD_ARGUMENTS');
    assert.equal(station.library.stats().reviewed, 0);
  });

  test('a StationError from a handler becomes its code and message', async () => {
    const outcome = await station.dispatch('reviews:record', { photoId: 999, decision: 'rejected' });
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.code, 'NOT_FOUND');
    assert.match(outcome.error.message, /999/);
  });

  test('import:start of a missing folder fails with FOLDER_NOT_FOUND naming it', async () => {
    const missing = path.join(dir, 'no-such-card');
    const outcome = await station.dispatch('import:start', { rootPath: missing });
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.code, 'FOLDER_NOT_FOUND');
    assert.ok(outcome.error.message.includes(missing));
  });

  test('a valid call returns ok with its value', async () => {
    const outcome = await station.dispatch('photos:list', { filter: { order: 'needs-review' } });
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.value, { photos: [], total: 0, offset: 0 });
  });
});
