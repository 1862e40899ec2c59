import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StationError } from '../../main/core/errors.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { seededRandom } from '../../main/core/seeded-random.js';
import { resolveSettings } from '../../main/core/settings.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Vanishing media: files deleted or cut short while an import reads them, and the whole card
 * pulled out. Each lost file is reported on its own; no row is half written; a pulled card
 * leaves the import interrupted and resumable.
 */

const dir = makeTempDir();

function openLibrary(name: string) {
  const databasePath = path.join(dir, 'libraries', name, 'library.sqlite');
  return { library: Library.open(databasePath), settings: resolveSettings({ databasePath, importConcurrency: 2 }) };
}

/** Rows that would betray a half-written file, counted through a second connection. */
function halfRows(databasePath: string): { failedWithPhoto: number; pathsOfFailed: number; photosWithoutFile: number; doneWithoutPhoto: number; integrity: string } {
  const db = new Database(databasePath, { readonly: true });
  try {
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      failedWithPhoto: count(`SELECT count(*) FROM import_files WHERE state = 'failed' AND photo_id IS NOT NULL`),
      pathsOfFailed: count(`SELECT count(*) FROM photo_paths pp JOIN import_files f ON f.path = pp.path WHERE f.state = 'failed'`),
      photosWithoutFile: count(`SELECT count(*) FROM photos ph WHERE NOT EXISTS (SELECT 1 FROM import_files f WHERE f.photo_id = ph.id AND f.state = 'done')`),
      doneWithoutPhoto: count(`SELECT count(*) FROM import_files f WHERE f.state = 'done' AND NOT EXISTS (SELECT 1 FROM photos ph WHERE ph.id = f.photo_id)`),
      integrity: db.pragma('integrity_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

const NO_HALF_ROWS = { failedWithPhoto: 0, pathsOfFailed: 0, photosWithoutFile: 0, doneWithoutPhoto: 0, integrity: 'ok' };

test('files deleted or cut short during an import are reported one by one; the rest is imported whole', async () => {
  const card = path.join(dir, 'card-vanish');
  const files = await writeCameraCard(card, 14, { width: 480, height: 360 });
  const { library, settings } = openLibrary('vanish');
  let damaged = false;
  const { summary } = await importFolder(library, card, {
    settings,
    onProgress: (progress) => {
      // Three files stored, two in flight: the last four have not been opened yet.
      if (damaged || progress.filesDone < 3) return;
      damaged = true;
      fs.rmSync(files[10]!);
      fs.rmSync(files[11]!);
      fs.truncateSync(files[12]!, Math.floor(fs.statSync(files[12]!).size / 2));
      fs.truncateSync(files[13]!, 0);
    },
  });
  assert.ok(damaged);
  assert.equal(summary.state, 'completed', 'the import goes on past the lost files');
  assert.equal(summary.photosNew, 10);
  assert.equal(summary.filesFailed, 4);
  assert.equal(summary.filesPending, 0);
  const errors = Object.fromEntries(library.imports.errors(summary.id).map((error) => [path.basename(error.path), error]));
  assert.equal(errors['IMG_0011.JPG']?.code, 'FILE_UNREADABLE');
  assert.equal(errors['IMG_0012.JPG']?.code, 'FILE_UNREADABLE');
  assert.equal(errors['IMG_0013.JPG']?.code, 'IMAGE_CORRUPT');
  assert.equal(errors['IMG_0014.JPG']?.code, 'FILE_EMPTY');
  for (const error of Object.values(errors)) assert.ok(error.message.includes(error.path), `the message names the file: ${error.message}`);
  assert.equal(library.photos.count(), 10);
  assert.deepEqual(halfRows(library.databasePath), NO_HALF_ROWS);
  library.close();
});

test('files deleted and truncated at random by another task while the import runs leave no half rows', async () => {
  const card = path.join(dir, 'card-race');
  const files = await writeCameraCard(card, 24, { width: 640, height: 480 });
  const { library, settings } = openLibrary('race');
  const random = seededRandom(6);
  let running = true;
  let scanned = false;
  const touched = new Set<string>();
  // The other task: once the scan has listed the files, every few milliseconds, delete a file
  // or cut one short at a random length.
  const vandal = (async () => {
    while (running) {
      if (!scanned) {
        await sleep(2);
        continue;
      }
      const file = files[Math.floor(random() * files.length)]!;
      if (!touched.has(file) && fs.existsSync(file)) {
        touched.add(file);
        if (random() < 0.5) fs.rmSync(file);
        else fs.truncateSync(file, Math.floor(random() * fs.statSync(file).size));
      }
      await sleep(5 + random() * 20);
    }
  })();
  const { summary } = await importFolder(library, card, { settings, onProgress: () => (scanned = true) });
  running = false;
  await vandal;

  assert.equal(summary.state, 'completed');
  assert.equal(summary.filesPending, 0);
  assert.equal(summary.filesDone + summary.filesFailed, files.length, 'every file is accounted for');
  assert.ok(touched.size > 0);
  const errors = library.imports.errors(summary.id);
  for (const error of errors) {
    assert.ok(touched.has(error.path), `only damaged files fail (${error.path}: ${error.code} ${error.message})`);
    assert.ok(['FILE_UNREADABLE', 'FILE_EMPTY', 'IMAGE_CORRUPT', 'NOT_AN_IMAGE'].includes(error.code), `a clear code for a vanished file, not ${error.code}: ${error.message}`);
  }
  assert.equal(library.photos.count(), summary.photosNew);
  assert.deepEqual(halfRows(library.databasePath), NO_HALF_ROWS);
  console.log(`# ${touched.size} files damaged during the import: ${errors.length} failed (${[...new Set(errors.map((e) => e.code))].join(', ')}), ${summary.photosNew} imported`);
  library.close();
});

test('a card pulled out mid-import interrupts it (MEDIA_REMOVED); put back, the import resumes and finishes', async () => {
  const card = path.join(dir, 'card-pulled');
  const away = path.join(dir, 'card-pulled-away');
  await writeCameraCard(card, 12, { width: 480, height: 360 });
  const { library, settings } = openLibrary('pulled');
  let pulled = false;
  await assert.rejects(
    importFolder(library, card, {
      settings: { ...settings, importConcurrency: 1 },
      onProgress: (progress) => {
        if (!pulled && progress.filesDone === 4) {
          pulled = true;
          fs.renameSync(card, away); // the mount point disappears with the card
        }
      },
    }),
    (error: unknown) => error instanceof StationError && error.code === 'MEDIA_REMOVED' && error.message.includes(card),
  );
  const [interrupted] = library.imports.list();
  assert.equal(interrupted!.state, 'interrupted');
  assert.equal(interrupted!.filesDone, 4);
  assert.equal(interrupted!.filesFailed, 0, 'files of a pulled card are left to resume, not marked failed');
  assert.equal(interrupted!.filesPending, 8);
  assert.equal(library.photos.count(), 4);
  assert.deepEqual(halfRows(library.databasePath), NO_HALF_ROWS);

  fs.renameSync(away, card);
  const { summary, resumed } = await importFolder(library, card, { settings });
  assert.equal(resumed, true);
  assert.equal(summary.id, interrupted!.id);
  assert.equal(summary.state, 'completed');
  assert.equal(summary.photosNew, 12);
  assert.equal(library.photos.count(), 12);
  library.close();
});

/** Mounts a small tmpfs as a "memory card" when this process may (root on Linux); null otherwise. */
function mountCard(mountPoint: string): boolean {
  fs.mkdirSync(mountPoint, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canMount = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = path.join(dir, 'mount-probe');
  if (!mountCard(probe)) return false;
  execFileSync('umount', [probe]);
  return true;
})();

test('a mounted card unmounted mid-import (its mount point stays, empty) interrupts the import too', { skip: canMount ? false : 'needs root to mount a tmpfs as a card' }, async () => {
  const card = path.join(dir, 'mnt-card');
  assert.ok(mountCard(card));
  try {
    await writeCameraCard(card, 10, { width: 480, height: 360 });
    const { library, settings } = openLibrary('unmounted');
    let pulled = false;
    await assert.rejects(
      importFolder(library, card, {
        settings: { ...settings, importConcurrency: 1 },
        onProgress: (progress) => {
          if (!pulled && progress.filesDone === 3) {
            pulled = true;
            execFileSync('umount', ['--lazy', card]);
          }
        },
      }),
      (error: unknown) => error instanceof StationError && error.code === 'MEDIA_REMOVED',
    );
    const [interrupted] = library.imports.list();
    assert.equal(interrupted!.state, 'interrupted');
    assert.equal(interrupted!.filesFailed, 0, 'the unread files stay pending, not failed');
    assert.equal(interrupted!.filesPending, 7);
    assert.deepEqual(halfRows(library.databasePath), NO_HALF_ROWS);
    library.close();
  } finally {
    try {
      execFileSync('umount', ['--lazy', card], { stdio: 'ignore' });
    } catch {
      // already unmounted by the test
    }
  }
});
