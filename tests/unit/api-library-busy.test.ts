import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStation } from '../../main/api/station.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * A call that writes while another connection holds the library's write lock (a merge of a
 * station bundle runs in a worker with its own connection, or a second program writes):
 * the ranger gets BUSY with a message saying what is happening and that nothing changed,
 * not "Unexpected error: database is locked"; once the lock is gone the same call works.
 */
test('a write while another connection holds the write lock answers BUSY and changes nothing', async () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');
  const station = openStation({ databasePath });
  const save = { entries: [{ species: 'Ailanthus altissima', watchList: true }], allowNewSpecies: true };
  const other = new Database(databasePath, { timeout: 100 });
  try {
    other.exec('BEGIN IMMEDIATE');
    const refused = await station.dispatch('species:save', save);
    assert.equal(refused.ok, false);
    if (refused.ok) return;
    assert.equal(refused.error.code, 'BUSY');
    assert.match(refused.error.message, /library is busy.*Nothing was changed/s);
    other.exec('ROLLBACK');

    const entries = await station.dispatch('species:entries', {});
    assert.ok(entries.ok);
    assert.deepEqual(entries.value, [], 'the refused save stored nothing');

    const saved = await station.dispatch('species:save', save);
    assert.ok(saved.ok, saved.ok ? '' : saved.error.message);
    assert.deepEqual(saved.value.map((entry) => entry.species), ['Ailanthus altissima']);
  } finally {
    other.close();
    await station.close();
  }
});

/**
 * While a merge writes its records (one transaction holding the write lock), a ranger's
 * decision answers BUSY at once, naming the bundle, instead of holding the backend's thread on
 * the lock; reads are served meanwhile, and decisions go through again once the records are in.
 */
test('a decision while a merge writes its records answers BUSY at once; reads are served; after it, decisions go through', async () => {
  const dir = makeTempDir();
  const station = openStation({ databasePath: path.join(dir, 'library.sqlite') });
  let finishRecords = () => {};
  const recordsWritten = new Promise<void>((resolve) => (finishRecords = resolve));
  try {
    const decision = { photoId: 1, decision: 'rejected' as const };
    station.jobs.startMerge('north-station.bundle', async (onProgress) => {
      onProgress('records', 0, 10);
      await recordsWritten;
      onProgress('thumbnails', 0, 0);
      return { sameLibrary: true } as Awaited<ReturnType<Parameters<typeof station.jobs.startMerge>[1]>>;
    });
    const refused = await station.dispatch('reviews:record', decision);
    assert.equal(refused.ok, false);
    if (refused.ok) return;
    assert.equal(refused.error.code, 'BUSY');
    assert.match(refused.error.message, /north-station\.bundle.*being merged.*Nothing was changed/s);
    const read = await station.dispatch('species:entries', {});
    assert.ok(read.ok, 'reads are served during the merge');
    finishRecords();
    await station.jobs.stop(); // waits for the merge to end (a merge is not cancelled)
    const after = await station.dispatch('reviews:record', decision);
    assert.equal(after.ok, false);
    if (after.ok) return;
    assert.notEqual(after.error.code, 'BUSY', 'the decision reaches the library again (photo 1 does not exist here)');
  } finally {
    finishRecords();
    await station.close();
  }
});
