/**
 * The merge the app runs as a job: in a worker thread, on its own connection to a real library
 * file, reporting its stages, with the same summary and errors as the merge on the calling thread.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Library } from '../../main/core/library/index.js';
import { mergeInWorker } from '../../main/core/stations/merge-in-worker.js';
import { addPhoto } from '../helpers/station-library.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

test('a library file merged in a worker: stages from reading it to copying thumbnails, named as the user knows it', async () => {
  const dir = makeTempDir();
  const other = Library.open(path.join(dir, 'north.sqlite'));
  const photo = await addPhoto(other, 'north-photo');
  other.positions.set(photo.id, { latitude: 46.6, longitude: 10.1, source: 'manual', uncertaintyMetres: 30, by: 'Ana' });
  other.close();
  const here = Library.open(path.join(dir, 'here.sqlite'));
  here.close();

  const stages: string[] = [];
  const summary = await mergeInWorker({
    databasePath: path.join(dir, 'here.sqlite'),
    file: path.join(dir, 'north.sqlite'),
    kind: 'library',
    label: 'north.sqlite',
    onProgress: (stage) => {
      if (stages.at(-1) !== stage) stages.push(stage);
    },
  });
  assert.deepEqual(stages, ['preparing', 'checking', 'records', 'thumbnails']);
  assert.equal(summary.file, 'north.sqlite');
  assert.equal(summary.added.photo, 1);
  const merged = Library.open(path.join(dir, 'here.sqlite'));
  assert.equal(merged.stationSync.bundlesReceived()[0]!.file, 'north.sqlite', 'the private path never shows');
  assert.equal(merged.positions.get(merged.stationSync.photoId(photo.sha256)!)!.uncertaintyMetres, 30);
  merged.close();
});

test("a worker's refusal comes back with its code and message, and nothing is merged", async () => {
  const dir = makeTempDir();
  const newer = path.join(dir, 'newer.sqlite');
  const db = new Database(newer);
  db.pragma('user_version = 999');
  db.close();
  const herePath = path.join(dir, 'here.sqlite');
  Library.open(herePath).close();
  await assert.rejects(mergeInWorker({ databasePath: herePath, file: newer, kind: 'library', label: 'newer.sqlite' }), rejectsWith('DATABASE_NEWER', /newer version/));
  const here = Library.open(herePath);
  assert.deepEqual(here.stationSync.bundlesReceived(), []);
  here.close();
});
