/**
 * One decode per photo: the classifier gets the stored samples (no colour management, alpha
 * dropped, as cv2.imread(IMREAD_COLOR) gives DEEP-OC), the thumbnail gets the colour profile.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { openOrientedImage } from '../../main/core/vision/decode.js';
import { decodePhoto, thumbnailFromDecoded } from '../../main/core/vision/decode-photo.js';
import type { Preprocessing } from '../../main/core/vision/model-pack.js';
import { pngWithIccProfile } from '../../main/core/vision/png-with-icc.js';
import { normalizeInto, preprocessPhoto, resizeInterLinear } from '../../main/core/vision/preprocess.js';
import { ADOBE_RGB_1998, PROPHOTO_RGB, type RgbProfileSpec, expectedSrgb, jpegWithoutIccProfile, makeRgbIccProfile } from '../fixtures/make-icc-profile.js';
import { drawSeededPicture } from '../fixtures/make-photo.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';

const MAX_PIXELS = 1e8;
const P: Preprocessing = { height: 29, width: 31, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
const PROFILES: RgbProfileSpec[] = [ADOBE_RGB_1998, PROPHOTO_RGB];

function rawPng(data: Buffer, width: number, height: number, channels: 3 | 4 = 3): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

function flat(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return data;
}

/** The tensor OpenCV's arithmetic gives for these samples: INTER_LINEAR, then the pack's normalisation. */
function expectedTensor(samples: Uint8Array, width: number, height: number): Float32Array {
  const out = new Float32Array(P.width * P.height * 3);
  normalizeInto(resizeInterLinear({ width, height, data: samples }, P.width, P.height), P, out);
  return out;
}

async function meanColour(jpeg: Buffer): Promise<[number, number, number]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sums[c]! += data[i + c]!;
  const n = data.length / info.channels;
  return sums.map((s) => Math.round(s / n)) as [number, number, number];
}

describe('the classifier sees the stored samples, whatever the colour profile says', () => {
  for (const spec of PROFILES) {
    test(`${spec.description} PNG: pixels and tensor equal the raw samples (lossless)`, async () => {
      const [width, height] = [64, 48];
      const samples = drawSeededPicture(width, height, 7);
      const png = pngWithIccProfile(await rawPng(samples, width, height), makeRgbIccProfile(spec));
      assert.ok((await sharp(png).metadata()).icc, 'the test photo carries the profile');
      const decoded = await decodePhoto(png, { maxPixels: MAX_PIXELS });
      assert.deepEqual(Buffer.from(decoded.pixels.data), samples);
      const { data } = await preprocessPhoto(png, P, { maxPixels: MAX_PIXELS });
      assert.deepEqual(data, expectedTensor(samples, width, height));
      // The colour-managed decode (previews) does convert: the profile is not a no-op.
      const managed = await (await openOrientedImage(png, { maxPixels: MAX_PIXELS })).raw().toBuffer();
      assert.notDeepEqual(managed, samples);
    });

    test(`${spec.description} JPEG: tensor equals the same JPEG's without its profile`, async () => {
      const [width, height] = [96, 64];
      const tagged = pngWithIccProfile(await rawPng(drawSeededPicture(width, height, 11), width, height), makeRgbIccProfile(spec));
      // keepIccProfile stores the samples as they are and embeds the profile (APP2).
      const jpeg = await sharp(tagged).keepIccProfile().jpeg({ quality: 92 }).toBuffer();
      const bare = jpegWithoutIccProfile(jpeg);
      assert.ok((await sharp(jpeg).metadata()).icc, 'the JPEG carries the profile');
      assert.equal((await sharp(bare).metadata()).icc, undefined, 'the stripped copy carries none');
      // Without a profile there is nothing to manage: the default decode is the stored samples.
      const storedSamples = await sharp(bare).raw().toBuffer();
      const decoded = await decodePhoto(jpeg, { maxPixels: MAX_PIXELS });
      assert.deepEqual(Buffer.from(decoded.pixels.data), storedSamples);
      const { data } = await preprocessPhoto(jpeg, P, { maxPixels: MAX_PIXELS });
      assert.deepEqual(data, expectedTensor(storedSamples, width, height));
    });

    test(`${spec.description}: the thumbnail is converted to sRGB from the same decode`, async () => {
      const colour: [number, number, number] = [200, 120, 60];
      const png = pngWithIccProfile(await rawPng(flat(80, 60, colour), 80, 60), makeRgbIccProfile(spec));
      const decoded = await decodePhoto(png, { maxPixels: MAX_PIXELS });
      assert.deepEqual([...decoded.pixels.data.subarray(0, 3)], colour, 'the classifier keeps the stored colour');
      const thumbnail = await thumbnailFromDecoded(decoded, 40);
      assert.deepEqual([thumbnail.width, thumbnail.height], [40, 30]);
      const expected = expectedSrgb(spec, colour);
      const shown = await meanColour(thumbnail.jpeg);
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(shown[c]! - expected[c]!) <= 3, `channel ${c}: thumbnail ${shown} vs sRGB ${expected}`);
      assert.ok(Math.max(...shown.map((v, c) => Math.abs(v - colour[c]!))) >= 10, `converted, not the stored ${colour}`);
    });
  }

  test('a photo without a profile: the thumbnail keeps its colours', async () => {
    const colour: [number, number, number] = [200, 120, 60];
    const decoded = await decodePhoto(await rawPng(flat(80, 60, colour), 80, 60), { maxPixels: MAX_PIXELS });
    assert.equal(decoded.icc, null);
    const shown = await meanColour((await thumbnailFromDecoded(decoded, 40)).jpeg);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(shown[c]! - colour[c]!) <= 2, `${shown} vs ${colour}`);
  });
});

describe('transparency: dropped for the classifier (cv2.IMREAD_COLOR), white in the thumbnail', () => {
  test('a transparent pixel keeps its stored colour for the classifier and shows white in the thumbnail', async () => {
    const [width, height] = [40, 30];
    const rgba = Buffer.alloc(width * height * 4);
    for (let i = 0; i < width * height; i++) rgba.set([10, 200, 30, 0], i * 4); // fully transparent green
    const png = await rawPng(rgba, width, height, 4);
    const decoded = await decodePhoto(png, { maxPixels: MAX_PIXELS });
    assert.equal(decoded.pixels.channels, 4);
    const { data } = await preprocessPhoto(png, P, { maxPixels: MAX_PIXELS });
    assert.deepEqual(data, expectedTensor(flat(width, height, [10, 200, 30]), width, height));
    const shown = await meanColour((await thumbnailFromDecoded(decoded, 20)).jpeg);
    assert.ok(shown.every((v) => v >= 250), `white, got ${shown}`);
  });
});

describe('HEIC (which OpenCV cannot read): the decoder\'s pixels, no colour conversion', () => {
  const file = sharedPath('data', 'photos-exif', 'heic-iphone.heic');
  test('an iPhone HEIC with a Display P3 profile: classifier pixels are libheif\'s, the thumbnail is converted', { skip: skipUnlessShared('data', 'photos-exif', 'heic-iphone.heic') }, async () => {
    const bytes = fs.readFileSync(file);
    const decoded = await decodePhoto(bytes, { maxPixels: MAX_PIXELS, path: file });
    assert.ok(decoded.icc, 'the photo carries a profile');
    // heic-decode (libheif) called directly: what its decoder gives, RGBA.
    const heicDecode = createRequire(import.meta.url)('heic-decode') as (input: { buffer: Uint8Array }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
    const reference = await heicDecode({ buffer: bytes });
    assert.deepEqual([decoded.pixels.width, decoded.pixels.height, decoded.pixels.channels], [reference.width, reference.height, 4]);
    assert.ok(Buffer.from(decoded.pixels.data.buffer, decoded.pixels.data.byteOffset, decoded.pixels.data.byteLength).equals(Buffer.from(reference.data.buffer, reference.data.byteOffset, reference.data.byteLength)), 'the same samples');
    const managed = await thumbnailFromDecoded(decoded, 64);
    const unmanaged = await thumbnailFromDecoded({ ...decoded, icc: null }, 64);
    assert.notDeepEqual(managed.jpeg, unmanaged.jpeg, 'the thumbnail applies the profile');
  });
});

describe('decode size', () => {
  test('atLeast shrinks on load but keeps both sides at least the asked size; without it, the full frame', async () => {
    const jpeg = await sharp(drawSeededPicture(800, 600, 3), { raw: { width: 800, height: 600, channels: 3 } }).jpeg().toBuffer();
    const full = await decodePhoto(jpeg, { maxPixels: MAX_PIXELS });
    assert.deepEqual([full.pixels.width, full.pixels.height, full.reduced], [800, 600, false]);
    const reduced = await decodePhoto(jpeg, { maxPixels: MAX_PIXELS, atLeast: { width: 100, height: 100 } });
    assert.equal(reduced.reduced, true);
    assert.ok(reduced.pixels.height >= 100 && reduced.pixels.width >= 100 && reduced.pixels.width < 800, `${reduced.pixels.width}x${reduced.pixels.height}`);
  });
});

describe('real photos with Adobe RGB and camera profiles (../shared/data/flowers)', () => {
  const flowers = sharedPath('data', 'flowers');
  test('tensor ignores the profile; thumbnail follows it', { skip: skipUnlessShared('data', 'flowers') }, async () => {
    const files = fs.readdirSync(flowers, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.jpe?g$/i.test(e.name))
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
    let checked = 0;
    const full: Preprocessing = { ...P, width: 299, height: 299 };
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      const icc = (await sharp(bytes).metadata()).icc;
      // Profiles far from sRGB: Adobe RGB (1998), camera RGB, opRGB.
      if (!icc || !/Adobe ?RGB|Camera RGB|opRGB/.test(icc.toString('latin1'))) continue;
      const bare = jpegWithoutIccProfile(bytes);
      const ours = await preprocessPhoto(bytes, full, { maxPixels: MAX_PIXELS, path: file });
      const reference = await preprocessPhoto(bare, full, { maxPixels: MAX_PIXELS, path: file });
      assert.deepEqual(ours.data, reference.data, `${file}: the tensor must not depend on the profile`);
      const thumbnail = await thumbnailFromDecoded(await decodePhoto(bytes, { maxPixels: MAX_PIXELS }), 160);
      const plain = await thumbnailFromDecoded(await decodePhoto(bare, { maxPixels: MAX_PIXELS }), 160);
      assert.notDeepEqual(thumbnail.jpeg, plain.jpeg, `${file}: the thumbnail must be converted`);
      checked++;
    }
    assert.ok(checked >= 30, `only ${checked} photos with such profiles found`);
  });
});
