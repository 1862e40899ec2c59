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
