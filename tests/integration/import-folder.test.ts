import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StationError } from '../../main/core/errors.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings, thumbnailCacheDir } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeJpegWithExif } from '../fixtures/make-photo.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();

function openLibrary(name: string) {
  const databasePath = path.join(dir, 'libraries', name, 'library.sqlite');
  return { library: Library.open(databasePath), settings: resolveSettings({ databasePath }) };
}

test('a memory card is imported recursively; hidden and system entries are skipped and counted', async () => {
  const card = path.join(dir, 'card1');
  const photo = { latitude: -33.856784, longitude: -70.651268, altitude: -12.5, capturedAt: '2026-03-04T05:06:07', offset: '-03:00', make: 'Canon', model: 'EOS 80D' };
  await writeCard(card, {
    'DCIM/100CANON/IMG_0001.JPG': { ...photo, seed: 1 },
    'DCIM/100CANON/img_0002.jpeg': { seed: 2 },
    'DCIM/101CANON/sub/IMG_0101.Jpg': { seed: 3 },
    'DCIM/100CANON/._IMG_0001.JPG': 'AppleDouble resource fork',
    '.Trashes/501/old.jpg': { seed: 4 },
    'System Volume Information/IndexerVolumeGuid.jpg': { seed: 5 },
    'MISC/notes.txt': 'ranger notes',
  });
  const { library, settings } = openLibrary('card1');
  const { summary, resumed } = await importFolder(library, card, { settings });
  assert.equal(resumed, false);
  assert.equal(summary.state, 'completed');
  assert.equal(summary.filesTotal, 3);
  assert.equal(summary.photosNew, 3);
  assert.deepEqual(summary.skipped, { hidden: 2, 'system-folder': 1, 'not-a-photo': 1 });

  const [stored] = library.photos.query({ hasGps: true });
  assert.ok(stored);
  assert.equal(stored.path, path.join(card, 'DCIM/100CANON/IMG_0001.JPG'));
  assert.ok(Math.abs(stored.latitude! - -33.856784) < 1e-6);
  assert.ok(Math.abs(stored.longitude! - -70.651268) < 1e-6);
  assert.ok(Math.abs(stored.altitude! - -12.5) < 0.1);
  assert.equal(stored.capturedAt, '2026-03-04T05:06:07-03:00');
  assert.equal(stored.cameraModel, 'EOS 80D');
  assert.ok(fs.existsSync(path.join(thumbnailCacheDir(library.databasePath), `${stored.sha256}.jpg`)), 'thumbnail cached beside the database');
  library.close();
});

test('importing the same card twice, or the same photo from another folder, creates no duplicate', async () => {
  const card = path.join(dir, 'card2');
  await writeCard(card, { 'DCIM/A.JPG': { seed: 10 }, 'DCIM/B.JPG': { seed: 11 } });
  const { library, settings } = openLibrary('card2');
  await importFolder(library, card, { settings });
  const second = await importFolder(library, card, { settings });
  assert.equal(second.summary.photosNew, 0);
  assert.equal(second.summary.photosKnown, 2);

  const copy = path.join(dir, 'card2-copy');
  fs.mkdirSync(copy);
  fs.copyFileSync(path.join(card, 'DCIM/A.JPG'), path.join(copy, 'same-photo-renamed.jpg'));
  const third = await importFolder(library, copy, { settings });
  assert.equal(third.summary.photosDuplicate, 1);
  assert.equal(library.photos.count(), 2);
  const photoA = library.photos.query().find((p) => library.photos.paths(p.id).length === 2);
  assert.ok(photoA, 'the copied photo keeps both paths it was seen at');
  assert.deepEqual(library.photos.paths(photoA.id).sort(), [path.join(card, 'DCIM/A.JPG'), path.join(copy, 'same-photo-renamed.jpg')].sort());
  library.close();
});

test('broken files get a clear error each, are counted, and the rest of the import goes on', async () => {
  const card = path.join(dir, 'card3');
  const good = await makeJpegWithExif({ seed: 20, width: 400, height: 300 });
  await writeCard(card, {
    'good.jpg': good,
    'empty.jpg': Buffer.alloc(0),
    'truncated.jpg': good.subarray(0, Math.floor(good.length / 2)),
    'notes-renamed.jpg': 'this is a text file that someone renamed to .jpg\n'.repeat(20),
    'random.jpg': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
  });
  const { library, settings } = openLibrary('card3');
  const { summary } = await importFolder(library, card, { settings });
  assert.equal(summary.state, 'completed');
  assert.equal(summary.photosNew, 1);
  assert.equal(summary.filesFailed, 4);
  const errors = Object.fromEntries(library.imports.errors(summary.id).map((e) => [path.basename(e.path), e]));
  assert.equal(errors['empty.jpg']?.code, 'FILE_EMPTY');
  assert.equal(errors['truncated.jpg']?.code, 'IMAGE_CORRUPT');
  assert.equal(errors['notes-renamed.jpg']?.code, 'NOT_AN_IMAGE');
  assert.equal(errors['random.jpg']?.code, 'NOT_AN_IMAGE');
  for (const error of Object.values(errors)) assert.ok(error.message.includes(card), `message names the file: ${error.message}`);
  library.close();
});

test('a missing folder is a clear error and creates no import', async () => {
  const { library, settings } = openLibrary('missing');
  await assert.rejects(importFolder(library, path.join(dir, 'no-such-card'), { settings }), (error: unknown) => error instanceof StationError && error.code === 'FOLDER_NOT_FOUND');
  assert.equal(library.imports.list().length, 0);
  library.close();
});

test('a cancelled import stops early and the next run resumes it, finishing only what is missing', async () => {
  const card = path.join(dir, 'card4');
  await writeCard(card, Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`DCIM/IMG_${i}.JPG`, { seed: 100 + i }])));
  const { library, settings } = openLibrary('card4');
  const controller = new AbortController();
  const first = await importFolder(library, card, {
    settings: { ...settings, importConcurrency: 1 },
    signal: controller.signal,
    onProgress: (progress) => {
      if (progress.filesDone === 5) controller.abort();
    },
  });
  assert.equal(first.summary.state, 'cancelled');
  assert.equal(first.summary.filesDone, 5);
  assert.equal(first.summary.filesPending, 7);

  const seen: string[] = [];
  const second = await importFolder(library, card, { settings, onProgress: (p) => p.lastPath && seen.push(p.lastPath) });
  assert.equal(second.resumed, true);
  assert.equal(second.summary.id, first.summary.id);
  assert.equal(second.summary.state, 'completed');
  assert.equal(seen.length, 7, 'only the 7 missing files were processed');
  assert.equal(library.photos.count(), 12);
  assert.equal(library.imports.list().length, 1);
  library.close();
});

test('symbolic links are not followed, so a link loop cannot trap the scan', async () => {
  const card = path.join(dir, 'card5');
  await writeCard(card, { 'DCIM/IMG_1.JPG': { seed: 200 } });
  fs.symlinkSync(card, path.join(card, 'DCIM', 'loop'));
  const { library, settings } = openLibrary('card5');
  const { summary } = await importFolder(library, card, { settings });
  assert.equal(summary.photosNew, 1);
  assert.equal(summary.skipped['symbolic-link'], 1);
  library.close();
});

test('an import this process left marked running (its last write failed) is resumed, not started again', async () => {
  const card = path.join(dir, 'card6');
  await writeCard(card, { 'DCIM/IMG_1.JPG': { seed: 300 }, 'DCIM/IMG_2.JPG': { seed: 301 } });
  const { library, settings } = openLibrary('card6');
  const abandoned = library.imports.start(card, null); // 'running', with this process's pid
  const { summary, resumed } = await importFolder(library, card, { settings });
  assert.equal(resumed, true);
  assert.equal(summary.id, abandoned);
  assert.equal(summary.photosNew, 2);
  assert.equal(library.imports.list().length, 1);
  library.close();
});
