import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { StationError, type StationErrorCode } from '../../main/core/errors.js';
import { makeThumbnail, openOrientedImage, readImageSize, runImageOutput } from '../../main/core/vision/decode.js';
import { PHOTO_EXTENSIONS, detectImageFormat } from '../../main/core/vision/image-format.js';
import { drawSeededPicture, makeJpegWithExif } from '../fixtures/make-photo.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';

const MAX_PIXELS = 120_000_000;
const PHOTOS = ['data', 'photos-exif'] as const;

function photo(...parts: string[]): Buffer {
  return fs.readFileSync(sharedPath(...PHOTOS, ...parts));
}

function skipUnlessPhoto(...parts: string[]): string | false {
  return skipUnlessShared(...PHOTOS, ...parts);
}

function rgbImage(width: number, height: number, seed: number): sharp.Sharp {
  return sharp(drawSeededPicture(width, height, seed), { raw: { width, height, channels: 3 } });
}

/** Matches a StationError with this code whose message names the file. */
function stationError(code: StationErrorCode, path: string) {
  return (error: unknown) => {
    assert.ok(error instanceof StationError, `expected a StationError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(error.message.includes(path), `message should name "${path}": ${error.message}`);
    return true;
  };
}

function meanAbsoluteDifference(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe('detectImageFormat reads magic bytes, never names', () => {
  test('JPEG, PNG, WebP, TIFF and AVIF written by sharp', async () => {
    const image = () => rgbImage(16, 12, 1);
    assert.equal(detectImageFormat(await makeJpegWithExif({ width: 16, height: 12 })), 'jpeg');
    assert.equal(detectImageFormat(await image().png().toBuffer()), 'png');
    assert.equal(detectImageFormat(await image().webp().toBuffer()), 'webp');
    assert.equal(detectImageFormat(await image().tiff().toBuffer()), 'tiff');
    assert.equal(detectImageFormat(await image().avif().toBuffer()), 'heif');
  });

  test('big-endian and BigTIFF headers are TIFF', () => {
    assert.equal(detectImageFormat(Buffer.from('4d4d002a00000008', 'hex')), 'tiff');
    assert.equal(detectImageFormat(Buffer.from('49492b0008000000', 'hex')), 'tiff');
  });

  test('a real iPhone HEIC is HEIF', { skip: skipUnlessPhoto('heic-iphone.heic') }, () => {
    assert.equal(detectImageFormat(photo('heic-iphone.heic')), 'heif');
  });

  test('non-images are null: empty, text, too short, WAV, MP4', () => {
    assert.equal(detectImageFormat(Buffer.alloc(0)), null);
    assert.equal(detectImageFormat(Buffer.from('just some text in a .jpg')), null);
    assert.equal(detectImageFormat(Buffer.from([0xff, 0xd8])), null);
    assert.equal(detectImageFormat(Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')), null);
    assert.equal(detectImageFormat(Buffer.from('\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2', 'latin1')), null);
  });

  test('PHOTO_EXTENSIONS are lower-case, dotted, and cover every format', () => {
    for (const extension of PHOTO_EXTENSIONS) assert.match(extension, /^\.[a-z]+$/);
    for (const extension of ['.jpg', '.jpeg', '.jpe', '.png', '.tif', '.tiff', '.heic', '.heif', '.hif', '.webp']) {
      assert.ok(PHOTO_EXTENSIONS.includes(extension), extension);
    }
  });
});

describe('openOrientedImage applies EXIF orientation', () => {
  test('orientation 1-8 photos all come out upright and identical to orientation 1', { skip: skipUnlessPhoto('orientation', 'f1t.jpg') }, async () => {
    const upright = async (n: number) =>
      (await openOrientedImage(photo('orientation', `f${n}t.jpg`), { maxPixels: MAX_PIXELS })).raw().toBuffer({ resolveWithObject: true });
    const reference = await upright(1);
    assert.deepEqual([reference.info.width, reference.info.height], [48, 80]);
    for (let n = 2; n <= 8; n++) {
      const { data, info } = await upright(n);
      assert.deepEqual([info.width, info.height, info.channels], [48, 80, 3], `f${n}t.jpg size`);
      // Unrotated, these differ from f1 by 68-170 grey levels on average; upright they match.
      assert.ok(meanAbsoluteDifference(data, reference.data) < 10, `f${n}t.jpg pixels should match f1t.jpg once upright`);
    }
  });

  test('stored 96x64 with orientation 5-8 comes out 64x96; 1-4 stay 96x64', async () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      const jpeg = await makeJpegWithExif({ width: 96, height: 64, orientation });
      const { info } = await (await openOrientedImage(jpeg, { maxPixels: MAX_PIXELS })).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height], orientation >= 5 ? [64, 96] : [96, 64], `orientation ${orientation}`);
      const size = await readImageSize(jpeg, { maxPixels: MAX_PIXELS });
      assert.deepEqual([size.width, size.height, size.orientation], [96, 64, orientation]);
      assert.deepEqual([size.uprightWidth, size.uprightHeight], [info.width, info.height]);
    }
  });

  test('transparent PNG pixels are flattened onto white and the output has 3 channels', async () => {
    const png = await sharp({ create: { width: 8, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const { data, info } = await (await openOrientedImage(png, { maxPixels: MAX_PIXELS })).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 3);
    assert.deepEqual([...data.subarray(0, 3)], [255, 255, 255]);
  });

  test('WebP, TIFF and AVIF decode through the same pipeline', async () => {
    for (const encode of [(s: sharp.Sharp) => s.webp(), (s: sharp.Sharp) => s.tiff(), (s: sharp.Sharp) => s.avif()]) {
      const bytes = await encode(rgbImage(40, 30, 5)).toBuffer();
      const { info } = await (await openOrientedImage(bytes, { maxPixels: MAX_PIXELS })).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [40, 30, 3], detectImageFormat(bytes) ?? 'unknown');
    }
  });
});

describe('makeThumbnail', () => {
  test('longest side becomes `size`, upright, as a JPEG', async () => {
    const jpeg = await makeJpegWithExif({ width: 640, height: 400, orientation: 6, seed: 4 });
    const thumbnail = await makeThumbnail(jpeg, { size: 160, maxPixels: MAX_PIXELS });
    assert.deepEqual([thumbnail.width, thumbnail.height], [100, 160]);
    assert.equal(detectImageFormat(thumbnail.jpeg), 'jpeg');
    const decoded = await sharp(thumbnail.jpeg).metadata();
    assert.deepEqual([decoded.width, decoded.height], [100, 160]);
  });

  test('small images are not enlarged', async () => {
    const thumbnail = await makeThumbnail(await makeJpegWithExif({ width: 48, height: 30 }), { size: 320, maxPixels: MAX_PIXELS });
    assert.deepEqual([thumbnail.width, thumbnail.height], [48, 30]);
  });

  test('distinct photos give distinct thumbnails', async () => {
    const hash = async (seed: number) =>
      crypto.createHash('sha256').update((await makeThumbnail(await makeJpegWithExif({ seed }), { size: 64, maxPixels: MAX_PIXELS })).jpeg).digest('hex');
    assert.notEqual(await hash(1), await hash(2));
  });

  test('a 17 MP DSLR JPEG gives a 320x213 thumbnail', { skip: skipUnlessPhoto('canon-dslr.jpg') }, async () => {
    const thumbnail = await makeThumbnail(photo('canon-dslr.jpg'), { size: 320, maxPixels: MAX_PIXELS });
    assert.deepEqual([thumbnail.width, thumbnail.height], [320, 213]);
  });
});

describe('HEIC (HEVC) photos decode through heic-decode', () => {
  const heicFiles = ['heic-single.heic', 'heic-collection.heic', 'heic-iphone.heic', 'heic-iphone7.heic', 'heic-maybebroken.HEIC'];
  /** The manifest's pixel size (exiftool), which a decoder that rotated twice would not reproduce. */
  const manifestSize: Record<string, [number, number]> = {
    'heic-single.heic': [1440, 960],
    'heic-collection.heic': [1440, 960],
    'heic-iphone.heic': [4032, 3024],
    'heic-iphone7.heic': [4032, 3024],
    'heic-maybebroken.HEIC': [4032, 3024],
  };

  for (const file of heicFiles) {
    test(`${file}: header size, decoded size and thumbnail agree with the manifest`, { skip: skipUnlessPhoto(file) }, async () => {
      const bytes = photo(file);
      const [width, height] = manifestSize[file]!;
      const size = await readImageSize(bytes, { maxPixels: MAX_PIXELS, path: file });
      assert.deepEqual([size.format, size.width, size.height], ['heif', width, height]);

      const thumbnail = await makeThumbnail(bytes, { size: 320, maxPixels: MAX_PIXELS, path: file });
      assert.deepEqual([thumbnail.width, thumbnail.height], [320, Math.round((320 * height) / width)]);

      // Same Buffer: the RGBA decode is reused, so this costs a resize, not a second HEVC decode.
      const image = await openOrientedImage(bytes, { maxPixels: MAX_PIXELS, path: file });
      const { info, data } = await image.resize(64, 64, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [64, 64, 3]);
      const distinctValues = new Set(data).size;
      assert.ok(distinctValues > 20, `decoded pixels should be a picture, got ${distinctValues} distinct values`);
    });
  }

  test('a HEIC cut in half is IMAGE_CORRUPT', { skip: skipUnlessPhoto('heic-single.heic') }, async () => {
    const bytes = photo('heic-single.heic');
    await assert.rejects(
      makeThumbnail(bytes.subarray(0, bytes.length >> 1), { size: 64, maxPixels: MAX_PIXELS, path: 'half.heic' }),
      stationError('IMAGE_CORRUPT', 'half.heic'),
    );
  });

  test('a HEIC over the pixel limit is refused before decoding', { skip: skipUnlessPhoto('heic-iphone.heic') }, async () => {
    await assert.rejects(
      openOrientedImage(photo('heic-iphone.heic'), { maxPixels: 12_000_000, path: 'heic-iphone.heic' }),
      stationError('IMAGE_TOO_LARGE', 'heic-iphone.heic'),
    );
  });
});

describe('unreadable files reject with the right StationError', () => {
  test('a JPEG cut in half: the header opens, decoding reports IMAGE_CORRUPT', async () => {
    const jpeg = await makeJpegWithExif({ width: 600, height: 400, seed: 9 });
    const half = jpeg.subarray(0, jpeg.length >> 1);
    await assert.rejects(makeThumbnail(half, { size: 64, maxPixels: MAX_PIXELS, path: 'cut.jpg' }), stationError('IMAGE_CORRUPT', 'cut.jpg'));
    const image = await openOrientedImage(half, { maxPixels: MAX_PIXELS, path: 'cut.jpg' });
    await assert.rejects(runImageOutput('cut.jpg', () => image.raw().toBuffer()), stationError('IMAGE_CORRUPT', 'cut.jpg'));
  });

  test('a real camera JPEG cut in half is IMAGE_CORRUPT', { skip: skipUnlessPhoto('canon-dslr.jpg') }, async () => {
    const bytes = photo('canon-dslr.jpg');
    await assert.rejects(
      makeThumbnail(bytes.subarray(0, bytes.length >> 1), { size: 320, maxPixels: MAX_PIXELS, path: 'canon-dslr.jpg' }),
      stationError('IMAGE_CORRUPT', 'canon-dslr.jpg'),
    );
  });

  test('zero bytes is FILE_EMPTY', async () => {
    await assert.rejects(makeThumbnail(Buffer.alloc(0), { size: 64, maxPixels: MAX_PIXELS, path: 'empty.jpg' }), stationError('FILE_EMPTY', 'empty.jpg'));
    await assert.rejects(openOrientedImage(Buffer.alloc(0), { maxPixels: MAX_PIXELS, path: 'empty.jpg' }), stationError('FILE_EMPTY', 'empty.jpg'));
  });

  test('random bytes named .jpg are NOT_AN_IMAGE', async () => {
    const bytes = crypto.randomBytes(4096);
    bytes[0] = 0x00; // never a JPEG/PNG/TIFF/RIFF/ftyp start by chance
    await assert.rejects(makeThumbnail(bytes, { size: 64, maxPixels: MAX_PIXELS, path: 'random.jpg' }), stationError('NOT_AN_IMAGE', 'random.jpg'));
  });

  test('a text file named .jpg is NOT_AN_IMAGE', async () => {
    const text = Buffer.from('Field notes, day 3: Fallopia japonica along the river bank.\n');
    await assert.rejects(openOrientedImage(text, { maxPixels: MAX_PIXELS, path: 'notes.jpg' }), stationError('NOT_AN_IMAGE', 'notes.jpg'));
  });

  test('JPEG magic bytes followed by garbage are IMAGE_CORRUPT', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 0x41)]);
    await assert.rejects(makeThumbnail(bytes, { size: 64, maxPixels: MAX_PIXELS, path: 'fake.jpg' }), stationError('IMAGE_CORRUPT', 'fake.jpg'));
  });

  test('a PNG named .jpg decodes fine: content decides, not the name', async () => {
    const png = await rgbImage(120, 90, 3).png().toBuffer();
    assert.equal(detectImageFormat(png), 'png');
    const thumbnail = await makeThumbnail(png, { size: 60, maxPixels: MAX_PIXELS, path: 'really-a-png.jpg' });
    assert.deepEqual([thumbnail.width, thumbnail.height], [60, 45]);
  });

  test('more pixels than maxPixels is IMAGE_TOO_LARGE (a small file, a big image)', async () => {
    // 3 MP of one colour compresses to a few kB: the shape of a decompression bomb.
    const bomb = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: { r: 0, g: 90, b: 0 } } }).png().toBuffer();
    assert.ok(bomb.length < 50_000, `fixture should be small, is ${bomb.length} bytes`);
    await assert.rejects(makeThumbnail(bomb, { size: 64, maxPixels: 1_000_000, path: 'bomb.png' }), stationError('IMAGE_TOO_LARGE', 'bomb.png'));
    await assert.rejects(readImageSize(bomb, { maxPixels: 1_000_000, path: 'bomb.png' }), stationError('IMAGE_TOO_LARGE', 'bomb.png'));
    const atLimit = await makeThumbnail(bomb, { size: 64, maxPixels: 3_000_000, path: 'bomb.png' });
    assert.deepEqual([atLimit.width, atLimit.height], [64, 48]);
  });
});
