import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type { CallName, CallOutcome, OutputFile } from '../../main/api/contract.js';
import { openStation } from '../../main/api/station.js';
import { startServer } from '../../main/server/server.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { uploadOverHttp } from '../helpers/input-files.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const databasePath = path.join(dir, 'library.sqlite');

function value<K extends CallName>(outcome: CallOutcome<K>) {
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

test('the UI backs up and restores through the contract: named backups in the library folder, the open station reopens on the restored library', async () => {
  const card = path.join(dir, 'card');
  await writeCameraCard(card, 3);
  assert.equal((await runCli(['import', card, '--db', databasePath, '--no-classify'])).code, 0);
  const station = openStation({ databasePath });
  after(() => station.close());
  const changes: string[] = [];
  station.events.subscribe((name, payload) => name === 'library:changed' && changes.push((payload as { reason: string }).reason));

  assert.deepEqual(value(await station.dispatch('backups:list', undefined)), []);
  const backup = value(await station.dispatch('backups:create', undefined)) as { name: string; bytes: number };
  assert.match(backup.name, /^invasives-backup-.*\.tar\.gz$/);
  assert.ok(fs.existsSync(path.join(`${databasePath}.backups`, backup.name)));
  assert.deepEqual((value(await station.dispatch('backups:list', undefined)) as { name: string }[]).map((b) => b.name), [backup.name]);

  // A change made after the backup...
  const placed = value(await station.dispatch('photos:place', { photoId: 1, latitude: -33.9, longitude: 18.4 })) as { latitude: number };
  assert.equal(placed.latitude, -33.9);
  // ...is undone by the restore, and the station keeps answering on the restored library.
  const restored = value(await station.dispatch('backups:restore', { name: backup.name })) as { photos: number; previousLibraryBackup: string };
  assert.equal(restored.photos, 3);
  assert.ok(fs.existsSync(restored.previousLibraryBackup), 'the replaced library was backed up first');
  const photo = value(await station.dispatch('photos:get', { id: 1 })) as { latitude: number | null };
  assert.notEqual(photo.latitude, -33.9);
  assert.ok(changes.includes('library restored from a backup'), 'the UI is told to reload');
  assert.equal(station.library.integrityCheck(), 'ok');

  const unknown = await station.dispatch('backups:restore', { name: 'nope.tar.gz' });
  assert.equal(unknown.ok ? null : unknown.error.code, 'NOT_FOUND');
  const climbing = await station.dispatch('backups:restore', { name: '../library.sqlite' });
  assert.equal(climbing.ok ? null : climbing.error.code, 'BAD_ARGUMENTS', 'the page never names a path');
  assert.equal(value(await station.dispatch('photos:count', { filter: {} })), 3, 'still open after refused restores');
});

test('in the browser a backup is a download, and an uploaded backup file restores the library (the current one backed up first)', async () => {
  const httpDir = makeTempDir();
  const httpDb = path.join(httpDir, 'library.sqlite');
  const card = path.join(httpDir, 'card');
  await writeCameraCard(card, 2);
  assert.equal((await runCli(['import', card, '--db', httpDb, '--no-classify'])).code, 0);
  const server = await startServer({ databasePath: httpDb, rendererDir: httpDir });
  after(() => server.close());
  const call = async (name: CallName, args?: unknown) => {
    const response = await fetch(`${server.origin}/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-invasives-token': server.token }, body: JSON.stringify(args ?? {}) });
    return (await response.json()) as CallOutcome<CallName>;
  };

  const made = value(await call('backups:download')) as { file: OutputFile; photos: number };
  assert.equal(made.photos, 2);
  assert.match(made.file.name, /^invasives-backup-.*\.tar\.gz$/);
  assert.deepEqual(value(await call('backups:list')), [], 'a downloaded backup is not kept in the backups folder');
  const response = await fetch(`${server.origin}/download/${made.file.id}`, { headers: { 'x-invasives-token': server.token } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/gzip');
  const saved = path.join(httpDir, 'downloaded', made.file.name);
  fs.mkdirSync(path.dirname(saved));
  fs.writeFileSync(saved, Buffer.from(await response.arrayBuffer()));
  assert.equal(fs.statSync(saved).size, made.file.bytes);

  // A change after the download is undone by restoring the uploaded file.
  value(await call('photos:place', { photoId: 1, latitude: -33.9, longitude: 18.4 }));
  const uploaded = await uploadOverHttp(server, 'backup', saved);
  assert.equal(uploaded.purpose, 'backup');
  const restored = value(await call('backups:restoreFile', { file: uploaded.handle })) as { photos: number; previousLibraryBackup: string };
  assert.equal(restored.photos, 2);
  assert.ok(fs.existsSync(restored.previousLibraryBackup), 'the replaced library was backed up first');
  const photo = value(await call('photos:get', { id: 1 })) as { latitude: number | null };
  assert.notEqual(photo.latitude, -33.9);
  assert.equal(server.station.library.integrityCheck(), 'ok');

  // A file that is not a backup is refused, and the library stays as it was.
  const notBackup = path.join(httpDir, 'not-a-backup.tar.gz');
  fs.writeFileSync(notBackup, 'hello');
  const refused = await call('backups:restoreFile', { file: (await uploadOverHttp(server, 'backup', notBackup)).handle });
  assert.equal(refused.ok, false);
  assert.equal(value(await call('photos:count', { filter: {} })), 2, 'still open on the restored library after a refused file');
  const used = await call('backups:restoreFile', { file: uploaded.handle });
  assert.equal(used.ok ? null : used.error.code, 'NOT_FOUND', 'an uploaded file is used once');
});
