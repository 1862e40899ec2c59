import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { displayPreviewDir, DISPLAY_PREVIEW_SIZE } from '../../main/api/display-preview.js';
import { VIEW_FROM_PREVIEW_ABOVE, mediaResponse, readDisplayPhoto } from '../../main/api/media.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { drawSeededPicture } from '../fixtures/make-photo.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * A photo the browser cannot show as stored (here a 3000×2000 TIFF; HEIC takes the same path)
 * gets an upright display-size JPEG on its first view, kept beside the library and served from
 * there afterwards instead of being decoded again.
 */

const dir = makeTempDir();
const databasePath = path.join(dir, 'library.sqlite');
const settings = resolveSettings({ databasePath });
let library: Library;
let photoId: number;

before(async () => {
  const card = path.join(dir, 'card');
  fs.mkdirSync(card, { recursive: true });
  await sharp(drawSeededPicture(3000, 2000, 5), { raw: { width: 3000, height: 2000, channels: 3 } }).tiff().toFile(path.join(card, 'scan.tif'));
  library = Library.open(databasePath);
  await importFolder(library, card, { settings });
  const photos = library.photos.query();
  assert.equal(photos.length, 1);
  assert.equal(photos[0]!.format, 'tiff');
  photoId = photos[0]!.id;
});
after(() => library.close());

test('the first view makes a cached display-size JPEG; later views read it', async () => {
  const first = await readDisplayPhoto(library, settings, photoId);
  assert.equal(first.contentType, 'image/jpeg');
  const meta = await sharp(first.bytes).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(Math.max(meta.width!, meta.height!), DISPLAY_PREVIEW_SIZE);
  const cacheFile = path.join(displayPreviewDir(databasePath), `${library.photos.get(photoId)!.sha256}.jpg`);
  assert.deepEqual(fs.readFileSync(cacheFile), first.bytes, 'the preview is kept beside the library');

  // The cache answers the next view: a marker written there is what comes back.
  const marker = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } }).jpeg().toBuffer();
  fs.writeFileSync(cacheFile, marker);
  assert.deepEqual((await readDisplayPhoto(library, settings, photoId)).bytes, marker);
});

test('a large JPEG is viewed from its cached display preview; zoom gets the original; a small JPEG is viewed as stored', async () => {
  const card = path.join(dir, 'card-jpeg');
  fs.mkdirSync(card, { recursive: true });
  await sharp(drawSeededPicture(2600, 1700, 7), { raw: { width: 2600, height: 1700, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(card, 'large.jpg'));
  await sharp(drawSeededPicture(1200, 800, 8), { raw: { width: 1200, height: 800, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(card, 'small.jpg'));
  await importFolder(library, card, { settings });
  const byName = new Map(library.photos.query().map((photo) => [path.basename(photo.path ?? ''), photo]));
  const large = byName.get('large.jpg')!;
  const small = byName.get('small.jpg')!;

  const view = await mediaResponse(library, settings, 'view', String(large.id));
  assert.equal(view.status, 200);
  assert.equal(view.contentType, 'image/jpeg');
  const viewMeta = await sharp(view.body).metadata();
  assert.deepEqual([viewMeta.width, viewMeta.height], [DISPLAY_PREVIEW_SIZE, Math.round((1700 * DISPLAY_PREVIEW_SIZE) / 2600)]);
  assert.deepEqual(fs.readFileSync(path.join(displayPreviewDir(databasePath), `${large.sha256}.jpg`)), view.body, 'kept beside the library for the next view');

  const zoom = await mediaResponse(library, settings, 'photo', String(large.id));
  assert.deepEqual(zoom.body, fs.readFileSync(path.join(card, 'large.jpg')), 'zoom shows the original bytes');
  assert.ok(large.width! > VIEW_FROM_PREVIEW_ABOVE);

  const smallView = await mediaResponse(library, settings, 'view', String(small.id));
  assert.deepEqual(smallView.body, fs.readFileSync(path.join(card, 'small.jpg')), 'a photo already display-sized is shown as stored');
  assert.equal((await mediaResponse(library, settings, 'original', String(small.id))).status, 404);
});
