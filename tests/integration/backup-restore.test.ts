import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { writeDemoModelPack } from '../../main/core/demo/demo-model.js';
import { writeDemoCard } from '../../main/core/demo/sample-card.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { writeHostileTarGz } from '../fixtures/make-model-packs.js';
import { Library } from '../../main/core/library/index.js';
import { runBin, startBin, waitForExit } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const db = path.join(dir, 'station', 'library.sqlite');

async function ok(args: string[]): Promise<string> {
  const result = await runBin(args);
  assert.equal(result.code, 0, `invasives ${args.join(' ')}\n${result.stderr}`);
  return result.stdout;
}

function leftovers(folder: string): string[] {
  return fs.readdirSync(folder).filter((name) => name.startsWith('.invasives-'));
}

test('backup → restore into a new place: photos, reviews, thumbnails and compiled models come back and work', async () => {
  const pack = await writeDemoModelPack(path.join(dir, 'demo-model'));
  const card = await writeDemoCard(path.join(dir, 'card'), 4);
  await ok(['models', 'add', pack, '--db', db, '--create']);
  await ok(['import', card.folder, '--db', db]);
  await ok(['place', '1', '-33.96', '18.41', '--db', db]);
  const backupFile = path.join(dir, 'station.tar.gz');
  const backup = JSON.parse(await ok(['backup', '--out', backupFile, '--db', db, '--json']));
  assert.equal(backup.photos, 4);
  assert.equal(backup.thumbnails, 4);
  assert.equal(backup.models, 1);

  const again = await runBin(['backup', '--out', backupFile, '--db', db]);
  assert.equal(again.code, 2, 'an existing backup file is never overwritten');
  assert.match(again.stderr, /already exists/);

  const elsewhere = path.join(dir, 'laptop', 'library.sqlite');
  const restored = JSON.parse(await ok(['restore', backupFile, '--db', elsewhere, '--json']));
  assert.equal(restored.photos, 4);
  assert.equal(restored.previousLibraryBackup, null, 'there was no library there');
  const stats = JSON.parse(await ok(['stats', '--db', elsewhere, '--json']));
  assert.equal(stats.photos, 4);
  assert.equal(stats.withPrediction, 4);
  const [model] = JSON.parse(await ok(['models', 'list', '--db', elsewhere, '--json']));
  assert.ok(model.onnxPath.startsWith(`${elsewhere}.models${path.sep}`), `the compiled model now lives in the restored library: ${model.onnxPath}`);
  assert.ok(fs.existsSync(model.onnxPath));
  assert.equal(fs.readdirSync(`${elsewhere}.thumbs`).length, 4);
  const exported = JSON.parse(await ok(['export', '--format', 'geojson', '--db', elsewhere]));
  assert.ok(exported.features.some((feature: { geometry: { coordinates: number[] } }) => feature.geometry.coordinates[1] === -33.96), 'the hand placement came back');
  // The restored library classifies with its restored model (the original pack is gone).
  fs.rmSync(pack, { recursive: true, force: true });
  const card2 = path.join(dir, 'card2');
  await writeCameraCard(card2, 2);
  await ok(['import', card2, '--db', elsewhere]);
  assert.equal(JSON.parse(await ok(['stats', '--db', elsewhere, '--json'])).withPrediction, 6);
  assert.deepEqual(leftovers(path.dirname(elsewhere)), []);
});

test('restoring over a library backs that library up first, and that copy restores too', async () => {
  const other = path.join(dir, 'other', 'library.sqlite');
  const card = path.join(dir, 'other-card');
  await writeCameraCard(card, 2);
  await ok(['import', card, '--db', other, '--create', '--no-classify']);
  const defaultPlace = await ok(['backup', '--db', other]);
  const [backupName] = fs.readdirSync(`${other}.backups`);
  assert.match(backupName!, /^invasives-backup-.*\.tar\.gz$/, 'without --out the backup goes to the folder the app lists');
  assert.match(defaultPlace, /Backed up .* \(2 photos, 0 models, 2 thumbnails\)/);
  const backupFile = path.join(`${other}.backups`, backupName!);

  const text = await ok(['restore', backupFile, '--db', db]);
  const kept = /kept in (.+\.tar\.gz)\./.exec(text)?.[1];
  assert.ok(kept && fs.existsSync(kept), text);
  assert.equal(JSON.parse(await ok(['stats', '--db', db, '--json'])).photos, 2, 'the library now holds the backup');
  await ok(['restore', kept, '--db', db]);
  assert.equal(JSON.parse(await ok(['stats', '--db', db, '--json'])).photos, 4, 'the replaced library came back from its copy');
});

test('a file that is not a backup, or a hostile archive, is refused before anything changes', async () => {
  const before = fs.readFileSync(db);
  const notBackup = path.join(dir, 'holiday.tar.gz');
  fs.writeFileSync(notBackup, 'these are not the bytes of a backup');
  const hostile = path.join(dir, 'hostile.tar.gz');
  writeHostileTarGz(hostile, 'dotdot');
  for (const file of [notBackup, hostile, path.join(dir, 'missing.tar.gz'), dir]) {
    const result = await runBin(['restore', file, '--db', db, '--json']);
    assert.equal(result.code, 3, result.stderr);
    const error = JSON.parse(result.stderr.trim());
    assert.match(error.code, /BACKUP_INVALID|FILE_UNREADABLE/);
    assert.match(error.message, /Nothing was changed|does not exist/);
  }
  assert.deepEqual(fs.readFileSync(db), before, 'the library is untouched');
  assert.deepEqual(leftovers(path.dirname(db)), []);
  assert.equal(fs.existsSync(path.join(dir, 'escaped.txt')), false);
});

test('a library open in another program is not replaced', async () => {
  const backupFile = path.join(dir, 'station.tar.gz');
  const openElsewhere = Library.open(db);
  try {
    const result = await runBin(['restore', backupFile, '--db', db]);
    assert.equal(result.code, 6, result.stderr);
    assert.match(result.stderr, /is open in another program .*stop it, then restore\. Nothing was changed\./);
    assert.equal(openElsewhere.integrityCheck(), 'ok');
  } finally {
    openElsewhere.close();
  }
  assert.deepEqual(leftovers(path.dirname(db)), []);
});

test('a backup taken while an import writes is consistent (SQLite online backup)', async () => {
  const busy = path.join(dir, 'busy', 'library.sqlite');
  const card = path.join(dir, 'busy-card');
  await writeCameraCard(card, 24, { width: 1600, height: 1200 });
  const importing = startBin(['import', card, '--db', busy, '--create', '--no-classify']);
  const exited = waitForExit(importing);
  const filesDone = () => {
    try {
      const reader = new Database(busy, { readonly: true, fileMustExist: true });
      try {
        return (reader.prepare(`SELECT count(*) AS n FROM import_files WHERE state != 'pending'`).get() as { n: number }).n;
      } finally {
        reader.close();
      }
    } catch {
      return 0;
    }
  };
  while (filesDone() < 2) await sleep(10);
  const backupFile = path.join(dir, 'busy.tar.gz');
  await ok(['backup', '--out', backupFile, '--db', busy]);
  assert.equal((await exited).code, 0);
  const copy = path.join(dir, 'busy-copy', 'library.sqlite');
  const restored = JSON.parse(await ok(['restore', backupFile, '--db', copy, '--json']));
  const reader = new Database(copy, { readonly: true });
  try {
    assert.equal(reader.pragma('integrity_check', { simple: true }), 'ok');
    const done = (reader.prepare(`SELECT count(*) AS n FROM import_files WHERE state = 'done'`).get() as { n: number }).n;
    assert.equal(restored.photos, done, 'every photo in the copy has its finished file, and no more');
  } finally {
    reader.close();
  }
});
