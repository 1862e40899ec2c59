import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { test } from 'node:test';
import sharp from 'sharp';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { REPO_ROOT, runCli, waitForExit } from '../helpers/run-cli.js';

/**
 * Hostile and odd files through the real import (scan → EXIF → decode → classify → store):
 * each gets a clear per-file outcome, nothing crashes or hangs, memory stays bounded.
 * The per-module unit tests (decode, exif) cover the same inputs one function at a time.
 */

// ---- the child: this file run as a script, importing with the library's model and reporting its peak memory ----
const CHILD_ENV = 'INVASIVES_HOSTILE_TEST_CHILD';
const childJob = process.env[CHILD_ENV];
if (childJob) {
  const { databasePath, card } = JSON.parse(childJob) as { databasePath: string; card: string };
  const { openLibraryModel } = await import('../../main/core/vision/open-classifier.js');
  const library = Library.open(databasePath);
  const settings = resolveSettings({ databasePath });
  const classifier = await openLibraryModel(library.models.active()!, settings);
  const readyRssMiB = process.resourceUsage().maxRSS / 1024;
  const { summary } = await importFolder(library, card, { settings, classifier });
  const errors = library.imports.errors(summary.id);
  const photos = library.photos.query().map((photo) => ({ ...photo, predictions: library.predictions.forPhoto(photo.id).length }));
  await classifier.close();
  library.close();
  // maxRSS: the peak resident memory of this process over its whole life, in KiB.
  process.stdout.write(JSON.stringify({ summary, errors, photos, readyRssMiB, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
} else {
  await hostileTests();
}

// ---- crafted files ----

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A decompression bomb: a valid PNG of a few KiB whose header announces side × side grey
 * pixels, with a real zlib stream of zero rows (it inflates about 1000:1; the header alone
 * would make a decoder reserve side² bytes).
 */
function pngBomb(side: number, rows: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  const scanlines = Buffer.alloc(rows * (side + 1)); // filter byte 0 + zero pixels, per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanlines, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small real JPEG whose frame header (SOF0) is rewritten to announce width × height. */
function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  let at = 2;
  while (at + 4 <= out.length && out[at] === 0xff) {
    const marker = out[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
    at += 2 + out.readUInt16BE(at + 2);
  }
  throw new Error('no SOF marker');
}

/** The TIFF block of a JPEG's EXIF segment, with helpers to read and patch its IFD0 entries. */
function exifPatcher(jpeg: Buffer) {
  let at = 2;
  let tiff = -1;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    if (jpeg[at + 1] === 0xe1 && jpeg.toString('latin1', at + 4, at + 10) === 'Exif\0\0') {
      tiff = at + 10;
      break;
    }
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  assert.ok(tiff > 0, 'the fixture JPEG has an EXIF block');
  const little = jpeg.toString('latin1', tiff, tiff + 2) === 'II';
  const u16 = (offset: number) => (little ? jpeg.readUInt16LE(tiff + offset) : jpeg.readUInt16BE(tiff + offset));
  const u32 = (offset: number) => (little ? jpeg.readUInt32LE(tiff + offset) : jpeg.readUInt32BE(tiff + offset));
  const put32 = (offset: number, value: number) => (little ? jpeg.writeUInt32LE(value, tiff + offset) : jpeg.writeUInt32BE(value, tiff + offset));
  const ifd0 = u32(4);
  const entry = (tag: number) => {
    for (let i = 0; i < u16(ifd0); i++) if (u16(ifd0 + 2 + i * 12) === tag) return ifd0 + 2 + i * 12;
    throw new Error(`no tag ${tag.toString(16)} in IFD0`);
  };
  return {
    /** Points IFD0 itself far past the end of the file. */
    breakIfd0: () => put32(4, 0xfffffff0),
    /** Points the GPS IFD past the end of the file. */
    breakGpsPointer: () => put32(entry(0x8825) + 8, 0x7ffffff0),
    /** Points the EXIF sub-IFD back at IFD0: a cycle for a reader that follows pointers blindly. */
    loopExifPointer: () => put32(entry(0x8769) + 8, ifd0),
  };
}

async function hostileTests(): Promise<void> {
  const { makeTempDir } = await import('../helpers/temp-dir.js');
  const { makeJpegWithExif } = await import('../fixtures/make-photo.js');
  const { writeCard } = await import('../fixtures/make-card.js');
  const { writeDemoModelPack } = await import('../../main/core/demo/demo-model.js');
  const dir = makeTempDir();
  const geotagged = { latitude: 46.5, longitude: 7.25, capturedAt: '2026-06-01T10:00:00', make: 'Canon', model: 'EOS 80D', width: 320, height: 240 };

  test('a 100-megapixel photo and decompression bombs: refused by the pixel limit or decoded in bounded memory, each with its outcome', async () => {
    const card = path.join(dir, 'card-big');
    const small = await makeJpegWithExif({ seed: 3, width: 320, height: 240 });
    await writeCard(card, {
      // 10000 x 10000 PNG: under the default limit (120 MP), so it is imported; PNG has no shrink-on-load.
      'PANO_100MP.PNG': await sharp({ create: { width: 10000, height: 10000, channels: 3, background: { r: 40, g: 120, b: 60 } } }).png({ compressionLevel: 9 }).toBuffer(),
      'bomb-60000x60000.png': pngBomb(60_000, 400),
      'bomb-jpeg-65000x65000.jpg': jpegClaiming(small, 65_000, 65_000),
      'ok.jpg': small,
    });
    const pack = await writeDemoModelPack(path.join(dir, 'demo-pack'));
    const databasePath = path.join(dir, 'lib-big', 'library.sqlite');
    const added = await runCli(['models', 'add', pack, '--db', databasePath]);
    assert.equal(added.code, 0, added.stderr);

    const env: NodeJS.ProcessEnv = { ...process.env, [CHILD_ENV]: JSON.stringify({ databasePath, card }) };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const result = await waitForExit(child);
    assert.equal(result.code, 0, result.stderr);
    const { summary, errors, photos, readyRssMiB, peakRssMiB } = JSON.parse(result.stdout) as {
      summary: { state: string; photosNew: number; filesFailed: number };
      errors: { path: string; code: string; message: string }[];
      photos: { width: number; height: number; predictions: number }[];
      readyRssMiB: number;
      peakRssMiB: number;
    };
    assert.equal(summary.state, 'completed');
    assert.equal(summary.photosNew, 2);
    const byName = Object.fromEntries(errors.map((error) => [path.basename(error.path), error]));
    assert.equal(byName['bomb-60000x60000.png']?.code, 'IMAGE_TOO_LARGE');
    assert.match(byName['bomb-60000x60000.png']!.message, /60000x60000/);
    assert.equal(byName['bomb-jpeg-65000x65000.jpg']?.code, 'IMAGE_TOO_LARGE');
    assert.ok(photos.some((photo) => photo.width === 10000 && photo.height === 10000 && photo.predictions === 1), 'the 100 MP photo is stored and classified');
    // Memory is bounded by the pixel limit: the bombs (3.6 and 4.2 GB of pixels) are refused from
    // their headers, before any decoding. The 100 MP photo (300 MB as RGB) is decoded once, at
    // full size, for the reference resize of the classifier (thumbnails use shrink-on-load):
    // the import may hold it once, never several copies.
    const growthMiB = peakRssMiB - readyRssMiB;
    console.log(`# importing process: ${readyRssMiB.toFixed(0)} MiB with the model loaded, peak ${peakRssMiB.toFixed(0)} MiB during the import (+${growthMiB.toFixed(0)} MiB; the 100 MP photo is 286 MiB as RGB)`);
    assert.ok(growthMiB < 1.6 * 286, `peak growth ${growthMiB.toFixed(0)} MiB stays under 1.6 times one decoded 100 MP photo`);

    // A lower limit refuses the same 100 MP photo by its header, before decoding.
    const library = Library.open(path.join(dir, 'lib-limit', 'library.sqlite'));
    const settings = resolveSettings({ databasePath: library.databasePath, maxImagePixels: 50_000_000 });
    const limited = await importFolder(library, card, { settings });
    const refused = library.imports.errors(limited.summary.id).find((error) => error.path.endsWith('PANO_100MP.PNG'));
    assert.equal(refused?.code, 'IMAGE_TOO_LARGE');
    assert.match(refused!.message, /10000x10000 = 100000000 pixels, over the limit of 50000000/);
    library.close();
  });

  test('EXIF with absurd offsets, a pointer cycle or latitude 95: the photo is imported, the bad position stored as missing', async () => {
    const card = path.join(dir, 'card-exif');
    const brokenIfd0 = await makeJpegWithExif({ ...geotagged, seed: 11 });
    exifPatcher(brokenIfd0).breakIfd0();
    const brokenGps = await makeJpegWithExif({ ...geotagged, seed: 12 });
    exifPatcher(brokenGps).breakGpsPointer();
    const cycle = await makeJpegWithExif({ ...geotagged, seed: 13 });
    exifPatcher(cycle).loopExifPointer();
    await writeCard(card, {
      'ifd0-offset-4GB.jpg': brokenIfd0,
      'gps-offset-2GB.jpg': brokenGps,
      'exif-pointer-cycle.jpg': cycle,
      'latitude-95.jpg': { ...geotagged, seed: 14, latitude: 95 },
      'longitude-200.jpg': { ...geotagged, seed: 15, longitude: -200 },
      'good.jpg': { ...geotagged, seed: 16 },
    });
    const library = Library.open(path.join(dir, 'lib-exif', 'library.sqlite'));
    const { summary } = await importFolder(library, card, { settings: resolveSettings({ databasePath: library.databasePath }) });
    assert.equal(summary.state, 'completed');
    assert.deepEqual(library.imports.errors(summary.id), [], 'damaged EXIF never costs the photo');
    assert.equal(summary.photosNew, 6);
    const byName = Object.fromEntries(library.photos.query().map((photo) => [path.basename(photo.path), photo]));
    for (const name of ['ifd0-offset-4GB.jpg', 'gps-offset-2GB.jpg', 'latitude-95.jpg', 'longitude-200.jpg']) {
      assert.equal(byName[name]!.latitude, null, `${name}: no position rather than a wrong one`);
      assert.equal(byName[name]!.longitude, null, name);
      assert.equal(byName[name]!.width, 320, `${name}: the pixels are still read`);
    }
    assert.match(byName['latitude-95.jpg']!.exifWarning ?? '', /GPS position 95, 7\.25 is outside/);
    assert.match(byName['longitude-200.jpg']!.exifWarning ?? '', /GPS position 46\.5, -200 is outside/);
    assert.ok(Math.abs(byName['good.jpg']!.latitude! - 46.5) < 1e-6);
    assert.ok(Math.abs(byName['exif-pointer-cycle.jpg']!.latitude! - 46.5) < 1e-6, 'the GPS IFD is still found beside the cycle');
    library.close();
  });

  test('paths with spaces, unicode (NFC and NFD), shell characters and very long names are imported and stored exactly', async () => {
    const card = path.join(dir, 'card names');
    const longName = `${'Fallopia japonica '.repeat(13)}IMG_0001.JPG`; // 246 bytes: near the 255-byte name limit
    const deep = Array.from({ length: 14 }, (_, i) => `${String(i).padStart(2, '0')}-${'very long folder name '.repeat(10)}`).join('/');
    const names = [
      'Sortie été 2026/IMG 0001 (copie).JPG',
      '日本の植物/イタドリ.jpg',
      'Re\u0301union/NFD e\u0301.jpg', // decomposed accents, as macOS writes them
      'Réunion/NFC é.jpg',
      `quotes 'and' "double" $HOME ; rm -rf & %2e%2e #1.jpg`,
      '-leading-dash.jpg',
      'emoji 🌿🪴.jpeg',
      longName,
      `${deep}/IMG_0002.JPG`,
    ];
    await writeCard(card, Object.fromEntries(names.map((name, i) => [name, { seed: 40 + i, width: 160, height: 120 }])));
    assert.ok(path.join(card, names.at(-1)!).length > 3000, 'the deepest path is over 3000 characters');
    const library = Library.open(path.join(dir, 'lib-names', 'library.sqlite'));
    const { summary } = await importFolder(library, card, { settings: resolveSettings({ databasePath: library.databasePath }) });
    assert.deepEqual(library.imports.errors(summary.id), []);
    assert.equal(summary.photosNew, names.length);
    const stored = new Set(library.photos.query().flatMap((photo) => library.photos.paths(photo.id)));
    for (const name of names) {
      const full = path.join(card, name);
      assert.ok(stored.has(full), `stored byte for byte: ${name.slice(0, 60)}`);
      assert.ok(fs.existsSync(full), 'and the stored path opens the file again');
    }
    library.close();
  });

  test('link loops, links to files and folders outside the card and dangling links are skipped, never followed', async () => {
    const card = path.join(dir, 'card-links');
    const outside = path.join(dir, 'outside');
    await writeCard(card, { 'DCIM/IMG_0001.JPG': { seed: 60 }, 'DCIM/sub/IMG_0002.JPG': { seed: 61 } });
    await writeCard(outside, { 'private.jpg': { seed: 62 } });
    fs.symlinkSync(path.join(card, 'DCIM', 'b'), path.join(card, 'DCIM', 'a')); // a → b → a
    fs.symlinkSync(path.join(card, 'DCIM', 'a'), path.join(card, 'DCIM', 'b'));
    fs.symlinkSync('..', path.join(card, 'DCIM', 'sub', 'up')); // sub/up → DCIM: a cycle through a folder
    fs.symlinkSync(card, path.join(card, 'DCIM', 'sub', 'root'));
    fs.symlinkSync(outside, path.join(card, 'outside-folder'));
    fs.symlinkSync(path.join(outside, 'private.jpg'), path.join(card, 'linked.jpg'));
    fs.symlinkSync(path.join(dir, 'nowhere.jpg'), path.join(card, 'dangling.jpg'));
    const library = Library.open(path.join(dir, 'lib-links', 'library.sqlite'));
    const { summary } = await importFolder(library, card, { settings: resolveSettings({ databasePath: library.databasePath }) });
    assert.equal(summary.state, 'completed');
    assert.equal(summary.photosNew, 2);
    assert.equal(summary.skipped['symbolic-link'], 7);
    for (const photo of library.photos.query()) assert.ok(photo.path.startsWith(card + path.sep) && !photo.path.includes('private'));
    library.close();
  });
}
