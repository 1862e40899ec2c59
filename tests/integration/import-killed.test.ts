import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Library } from '../../main/core/library/index.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { runCli, startCli, waitForExit } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const PHOTOS = 30;

/** Files the import has finished, read from the database by a second connection (as the UI would). */
function filesFinished(databasePath: string): number {
  if (!fs.existsSync(databasePath)) return 0;
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(`SELECT count(*) AS n FROM import_files WHERE state != 'pending'`).get() as { n: number } | undefined;
    return row?.n ?? 0;
  } catch {
    return 0; // schema not created yet
  } finally {
    db.close();
  }
}

test('an import killed with SIGKILL leaves a consistent database, and re-running finishes only what is missing', async () => {
  const card = path.join(dir, 'card');
  await writeCameraCard(card, PHOTOS, { width: 1600, height: 1200 });
  const databasePath = path.join(dir, 'lib', 'library.sqlite');

  let killedAt = 0;
  for (const killAfter of [4, 12, 21]) {
    const child = startCli(['import', card, '--db', databasePath, '--no-classify']);
    const exited = waitForExit(child);
    let finished = false;
    exited.then(() => (finished = true));
    while (!finished && filesFinished(databasePath) < killAfter) await sleep(10);
    if (finished) break; // faster than our polling: nothing left to kill
    child.kill('SIGKILL');
    const result = await exited;
    assert.equal(result.signal, 'SIGKILL');
    killedAt++;

    const library = Library.open(databasePath);
    assert.equal(library.integrityCheck(), 'ok');
    const [importRun] = library.imports.list();
    assert.equal(importRun!.state, 'running', 'a killed import still says running; the next run sees its process is gone');
    // Every finished file has its photo, and no photo exists without its finished file.
    assert.equal(library.photos.count(), importRun!.photosNew);
    assert.equal(importRun!.filesDone + importRun!.filesPending, PHOTOS);
    library.close();
  }
  assert.ok(killedAt >= 2, `the import was killed mid-way at least twice (was ${killedAt})`);

  const final = await runCli(['import', card, '--db', databasePath, '--no-classify', '--json']);
  assert.equal(final.code, 0, final.stderr);
  const { summary, resumed } = JSON.parse(final.stdout);
  assert.equal(resumed, true);
  assert.equal(summary.state, 'completed');
  assert.equal(summary.filesDone, PHOTOS);
  assert.equal(summary.photosNew, PHOTOS, 'each photo stored once, none doubled, none lost');

  const library = Library.open(databasePath);
  assert.equal(library.photos.count(), PHOTOS);
  assert.equal(library.imports.list().length, 1, 'the resumed import is the same import');
  for (const photo of library.photos.query()) assert.equal(library.photos.paths(photo.id).length, 1);
  library.close();
});
