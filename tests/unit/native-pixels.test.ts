/**
 * The native pixel code (native/jpeg-grid, see main/core/vision/native-pixels.ts) must give
 * exactly what libvips and TypeScript give without it: the sampled JPEG decode the same
 * network input and thumbnail as the whole frame, for every chroma subsampling, progressive or
 * grey JPEG, odd sizes and all EXIF orientations (files it refuses, CMYK or damaged, are
 * decoded whole, with libvips' verdict); its bilinear arithmetic the same bytes as
 * preprocess.ts's. On CI the addon must be built; elsewhere these tests skip, saying why.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import sharp from 'sharp';
import { StationError } from '../../main/core/errors.js';
import { type DecodedPhoto, decodePhoto, thumbnailFromDecoded } from '../../main/core/vision/decode-photo.js';
import { decodeJpegSamples, jpegSamplerAvailable } from '../../main/core/vision/jpeg-samples.js';
import type { Preprocessing } from '../../main/core/vision/model-pack.js';
import { centreCropResize, classifierSamples, preprocessDecoded, resizeInterLinear } from '../../main/core/vision/preprocess.js';
import { seededRandom } from '../../main/core/seeded-random.js';
import type { SamplePlans } from '../../main/core/vision/sampled-decode.js';
import { thumbnailSamples } from '../../main/core/vision/thumbnail-prereduce.js';
import { drawSeededPicture } from '../fixtures/make-photo.js';
import { sharedPath } from '../helpers/shared-data.js';

const available = jpegSamplerAvailable();
if (process.env.CI && !available) {
  throw new Error('native/jpeg-grid is not built: CI installs libjpeg62-turbo-dev before npm ci, and the station needs it for its import speed');
}
const skip = available ? false : 'native/jpeg-grid is not built here (it needs a C compiler and libjpeg62-turbo-dev at npm ci); JPEGs are decoded whole by libvips';

const STRETCH: Preprocessing = { height: 299, width: 299, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
const CROP: Preprocessing = { height: 224, width: 224, resize: 'centre-crop', meanRgb: [127.5, 127.5, 127.5], stdRgb: [127.5, 127.5, 127.5], mode: 'torch' };
const THUMBNAIL = 120;

const plan = (p: Preprocessing): SamplePlans => ({ network: (upright) => classifierSamples(upright, p), thumbnail: (upright) => thumbnailSamples(upright, THUMBNAIL) });

/** The whole frame, and the network inputs and thumbnail as libvips and TypeScript alone make them. */
async function wholeFrame(jpeg: Buffer): Promise<DecodedPhoto> {
  return decodePhoto(jpeg, { maxPixels: 1e9 });
}

/** The sampled decode must have happened (not the fallback), and read as the whole frame does. */
async function assertSameAsWhole(jpeg: Buffer, label: string): Promise<void> {
  const whole = await withoutNative(() => wholeFrame(jpeg));
  for (const p of [STRETCH, CROP]) {
    const sampled = await decodePhoto(jpeg, { maxPixels: 1e9, samples: plan(p) });
    assert.ok(sampled.sampled?.network && sampled.sampled.thumbnail, `${label}: decoded to samples`);
    assert.deepEqual([sampled.pixels.width, sampled.pixels.height], [whole.pixels.width, whole.pixels.height], `${label}: the photo's size`);
    const { network, thumbnail } = sampled.sampled;
    assert.equal(network.data.length, network.samples.rows.length * network.samples.cols.length * 3, `${label}: the taps`);
    assert.equal(thumbnail.data.length, (thumbnail.samples.rows.length * thumbnail.samples.cols.length / 2) * 3, `${label}: the means of the thumbnail's pairs`);
    for (const grid of [network, thumbnail]) assert.ok(grid.data.length < whole.pixels.data.length, `${label}: ${grid.data.length} bytes sampled of ${whole.pixels.data.length}`);
    const reference = await withoutNative(() => preprocessDecoded(whole, p).data);
    assert.deepEqual(preprocessDecoded(sampled, p).data, reference, `${label}: ${p.resize} network input`);
    const ours = await thumbnailFromDecoded(sampled, THUMBNAIL);
    const theirs = await thumbnailFromDecoded(whole, THUMBNAIL);
    assert.ok(ours.jpeg.equals(theirs.jpeg), `${label}: thumbnail`);
  }
}

function picture(width: number, height: number, seed: number): sharp.Sharp {
  return sharp(drawSeededPicture(width, height, seed), { raw: { width, height, channels: 3 } });
}

/** With the native code turned off: libvips decodes whole, TypeScript interpolates. */
async function withoutNative<T>(work: () => Promise<T> | T): Promise<T> {
  process.env.INVASIVES_NATIVE_PIXELS = 'off';
  try {
    return await work();
  } finally {
    delete process.env.INVASIVES_NATIVE_PIXELS;
  }
}

describe('native bilinear arithmetic', { skip }, () => {
  test('equals the TypeScript reference byte for byte: random frames, sizes up and down, orientations, RGBA', async () => {
    const random = seededRandom(12);
    for (let round = 0; round < 40; round++) {
      const width = 1 + Math.floor(random() * 700);
      const height = 1 + Math.floor(random() * 500);
      const channels = round % 5 === 4 ? 4 : 3;
      const data = Uint8Array.from({ length: width * height * channels }, () => Math.floor(random() * 256));
      const src = { width, height, channels, data, orientation: 1 + (round % 8) } as const;
      const toWidth = 1 + Math.floor(random() * 400);
      const toHeight = 1 + Math.floor(random() * 400);
      for (const resize of [resizeInterLinear, centreCropResize]) {
        const native = resize(src, toWidth, toHeight);
        const reference = await withoutNative(() => resize(src, toWidth, toHeight));
        assert.ok(Buffer.from(native.data).equals(Buffer.from(reference.data)), `${resize.name} ${width}x${height}x${channels} (orientation ${src.orientation}) to ${toWidth}x${toHeight}`);
      }
    }
  });
});

describe('sampled JPEG decode', { skip }, () => {
  afterEach(() => {
    delete process.env.INVASIVES_NATIVE_PIXELS;
  });

  test('4:2:0, 4:4:4, progressive, grey and odd-sized JPEGs: same network input and thumbnail as the whole frame', async () => {
    const cases: [string, Buffer][] = [
      ['4:2:0 1200x900', await picture(1200, 900, 1).jpeg({ quality: 90 }).toBuffer()],
      ['4:4:4 1001x777', await picture(1001, 777, 2).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer()],
      ['progressive 1500x1013', await picture(1500, 1013, 3).jpeg({ quality: 85, progressive: true }).toBuffer()],
      ['grey 999x1333', await picture(999, 1333, 4).greyscale().jpeg({ quality: 90 }).toBuffer()],
      ['tall 401x2999', await picture(401, 2999, 5).jpeg({ quality: 80 }).toBuffer()],
    ];
    for (const [label, jpeg] of cases) await assertSameAsWhole(jpeg, label);
  });

  test('every EXIF orientation: the samples are taken where the upright reader looks', async () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      const jpeg = await picture(1203, 801, orientation).withMetadata({ orientation }).jpeg({ quality: 92 }).toBuffer();
      await assertSameAsWhole(jpeg, `orientation ${orientation}`);
    }
  });

  test('real camera photos of ../shared (profiles ignored, as OpenCV does)', { skip: fs.existsSync(sharedPath('data', 'photos-exif')) ? false : '../shared/data/photos-exif is absent' }, async () => {
    const folder = sharedPath('data', 'photos-exif');
    const jpegs = fs.readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.jpe?g$/i.test(e.name))
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
    let compared = 0;
    for (const file of jpegs) {
      const bytes = fs.readFileSync(file);
      const header = await sharp(bytes).metadata().catch(() => null);
      // Too small to be pre-reduced for the thumbnail: those are decoded whole.
      if (!header || Math.max(header.width ?? 0, header.height ?? 0) < THUMBNAIL * 6) continue;
      const whole = await withoutNative(() => wholeFrame(bytes)).catch(() => null);
      if (!whole) continue;
      await assertSameAsWhole(bytes, path.basename(file));
      compared++;
    }
    assert.ok(compared >= 5, `only ${compared} photos compared`);
  });

  test('a truncated JPEG is refused by the sampled decoder and gets libvips verdict: IMAGE_CORRUPT naming the file', async () => {
    const jpeg = await picture(1200, 900, 6).jpeg({ quality: 90 }).toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    const samples = { rows: Int32Array.of(0, 500), cols: Int32Array.of(0, 10) };
    assert.equal(await decodeJpegSamples(truncated, [samples], { width: 1200, height: 900 }, 1e9), null, 'refused');
    await assert.rejects(decodePhoto(truncated, { maxPixels: 1e9, path: '/card/IMG_1.JPG', samples: plan(STRETCH) }), (error: unknown) => {
      assert.ok(error instanceof StationError);
      assert.equal(error.code, 'IMAGE_CORRUPT');
      assert.match(error.message, /IMG_1\.JPG/);
      return true;
    });
  });

  test('a CMYK JPEG is left to libvips whole, with the same pixels as without the sampled decoder', async () => {
    const cmyk = await picture(900, 700, 7).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    const decoded = await decodePhoto(cmyk, { maxPixels: 1e9, samples: plan(STRETCH) });
    assert.equal(decoded.sampled, undefined, 'decoded whole');
    const reference = await withoutNative(async () => preprocessDecoded(await wholeFrame(cmyk), STRETCH).data);
    assert.deepEqual(preprocessDecoded(decoded, STRETCH).data, reference);
  });

  test('damaged JPEGs never crash it: seeded corruptions give the same verdict and pixels as libvips alone', async () => {
    const random = seededRandom(7);
    const sources = [
      await picture(640, 480, 10).jpeg({ quality: 85 }).toBuffer(),
      await picture(600, 800, 11).jpeg({ quality: 90, progressive: true }).toBuffer(),
      await picture(700, 500, 12).withMetadata({ orientation: 6 }).jpeg({ quality: 80, chromaSubsampling: '4:4:4' }).toBuffer(),
    ];
    const outcome = async (bytes: Buffer) => {
      try {
        const photo = await decodePhoto(bytes, { maxPixels: 1e9, samples: plan(STRETCH) });
        return { pixels: Buffer.from(preprocessDecoded(photo, STRETCH).data.buffer).toString('base64'), sampled: photo.sampled !== undefined };
      } catch (error) {
        assert.ok(error instanceof StationError, `a StationError, not ${String(error)}`);
        return { code: error.code };
      }
    };
    let sampled = 0;
    for (let round = 0; round < 150; round++) {
      const bytes = Buffer.from(sources[round % sources.length]!);
      const damage = round % 3;
      if (damage === 0) {
        for (let i = 0; i < 1 + Math.floor(random() * 8); i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      } else if (damage === 1) {
        bytes.fill(Math.floor(random() * 256), Math.floor(random() * bytes.length), Math.floor(random() * bytes.length));
      }
      const damaged = damage === 2 ? bytes.subarray(0, 2 + Math.floor(random() * (bytes.length - 2))) : bytes;
      const ours = await outcome(damaged);
      const theirs = await withoutNative(() => outcome(damaged));
      if ('sampled' in ours && ours.sampled) sampled++;
      // The same verdict; where both decode, the same network input.
      assert.deepEqual({ ...ours, sampled: undefined }, { ...theirs, sampled: undefined }, `round ${round} (damage ${damage})`);
    }
    assert.ok(sampled > 10, `only ${sampled} damaged files decoded by the native code`);
  });

  test('samples outside the image, or planned on another size, are refused rather than read', async () => {
    const jpeg = await picture(640, 480, 8).jpeg().toBuffer();
    assert.equal(await decodeJpegSamples(jpeg, [{ rows: Int32Array.of(0, 480), cols: Int32Array.of(0) }], { width: 640, height: 480 }, 1e9), null);
    assert.equal(await decodeJpegSamples(jpeg, [{ rows: Int32Array.of(0), cols: Int32Array.of(640) }], { width: 640, height: 480 }, 1e9), null);
    assert.equal(await decodeJpegSamples(jpeg, [{ rows: Int32Array.of(0), cols: Int32Array.of(0) }], { width: 641, height: 480 }, 1e9), null);
    assert.equal(await decodeJpegSamples(jpeg, [{ rows: Int32Array.of(0), cols: Int32Array.of(0) }], { width: 640, height: 480 }, 1000), null, 'over the pixel limit');
    const ok = await decodeJpegSamples(jpeg, [{ rows: Int32Array.of(0, 479), cols: Int32Array.of(0, 639) }], { width: 640, height: 480 }, 1e9);
    assert.equal(ok?.[0]?.length, 12);
  });

  test('INVASIVES_NATIVE_PIXELS=off decodes every JPEG whole', async () => {
    process.env.INVASIVES_NATIVE_PIXELS = 'off';
    const jpeg = await picture(1200, 900, 9).jpeg().toBuffer();
    const decoded = await decodePhoto(jpeg, { maxPixels: 1e9, samples: plan(STRETCH) });
    assert.equal(decoded.sampled, undefined);
    assert.equal(decoded.pixels.data.length, 1200 * 900 * 3);
  });
});
