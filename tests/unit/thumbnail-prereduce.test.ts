/**
 * The thumbnail's cheap first step: a large decoded frame is sampled down before libvips'
 * antialiasing reduce and the colour conversion. It must look like the whole-frame reduce,
 * keep the thumbnail's size and colour management, and not bleed hidden colours of
 * transparent pixels.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import sharp from 'sharp';
import { type DecodedPhoto, thumbnailFromDecoded } from '../../main/core/vision/decode-photo.js';
import { prereduceFactor, prereduceForThumbnail } from '../../main/core/vision/thumbnail-prereduce.js';
import { ADOBE_RGB_1998, expectedSrgb, makeRgbIccProfile } from '../fixtures/make-icc-profile.js';
import { drawSeededPicture } from '../fixtures/make-photo.js';

function frameOf(data: Uint8Array, width: number, height: number, icc: Buffer | null = null, channels: 3 | 4 = 3): DecodedPhoto {
  return { format: 'jpeg', pixels: { width, height, channels, data }, icc, reduced: false, orientation: 1 };
}

async function rawPixels(jpeg: Buffer): Promise<Buffer> {
  return (await sharp(jpeg).raw().toBuffer({ resolveWithObject: true })).data;
}

test('frames under 3 times twice the thumbnail size are not pre-reduced; larger ones by a whole factor', () => {
  assert.equal(prereduceFactor(1000, 750, 320), 1);
  assert.equal(prereduceFactor(1920, 1080, 320), 3);
  assert.equal(prereduceFactor(4000, 3000, 320), 6);
  assert.equal(prereduceFactor(3000, 4000, 320), 6);
});

test('each pre-reduced RGB pixel is the rounded mean of the samples at 1/4 and 3/4 of its cell\'s middle row', () => {
  const width = 8;
  const height = 4;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  const reduced = prereduceForThumbnail({ width, height, channels: 3, data }, 4);
  assert.deepEqual([reduced.width, reduced.height, reduced.channels], [2, 1, 3]);
  const at = (x: number, y: number, c: number) => data[(y * width + x) * 3 + c]!;
  for (let cell = 0; cell < 2; cell++) {
    for (let c = 0; c < 3; c++) {
      const sum = at(cell * 4 + 1, 2, c) + at(cell * 4 + 3, 2, c);
      assert.equal(reduced.data[cell * 3 + c], (sum + 1) >> 1, `cell ${cell} channel ${c}`);
    }
  }
});

test('with alpha, the colour under transparent samples does not bleed into the pre-reduced pixel', () => {
  // One 4 x 4 cell: on its middle row (2), the sample at x = 1 is opaque blue, the one at x = 3 transparent red.
  const data = new Uint8Array(4 * 4 * 4);
  for (let i = 0; i < 16; i++) data.set([255, 0, 0, 0], i * 4);
  data.set([0, 0, 255, 255], (2 * 4 + 1) * 4);
  const reduced = prereduceForThumbnail({ width: 4, height: 4, channels: 4, data }, 4);
  assert.deepEqual([...reduced.data], [0, 0, 255, 128]);
});

test('a large frame\'s thumbnail has the whole-frame reduce\'s size and looks the same', async () => {
  // An odd size, so that the thumbnail's rounding is checked too.
  const width = 2403;
  const height = 1001;
  const data = drawSeededPicture(width, height, 11);
  const thumbnail = await thumbnailFromDecoded(frameOf(data, width, height), 160);
  const whole = await sharp(data, { raw: { width, height, channels: 3 } }).resize(160, 160, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true });
  assert.deepEqual([thumbnail.width, thumbnail.height], [whole.info.width, whole.info.height]);
  const ours = await rawPixels(thumbnail.jpeg);
  const theirs = await rawPixels(whole.data);
  let error = 0;
  for (let i = 0; i < ours.length; i++) error += Math.abs(ours[i]! - theirs[i]!);
  assert.ok(error / ours.length < 3, `mean difference ${(error / ours.length).toFixed(2)} per sample`);
});

test('a large frame with an Adobe RGB profile: the pre-reduced thumbnail is still converted to sRGB', async () => {
  const width = 1600;
  const height = 1200;
  const colour: [number, number, number] = [200, 120, 60];
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(colour, i);
  const thumbnail = await thumbnailFromDecoded(frameOf(data, width, height, makeRgbIccProfile(ADOBE_RGB_1998)), 100);
  assert.deepEqual([thumbnail.width, thumbnail.height], [100, 75]);
  const shown = await rawPixels(thumbnail.jpeg);
  const expected = expectedSrgb(ADOBE_RGB_1998, colour);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(shown[c]! - expected[c]!) <= 3, `channel ${c}: ${shown[c]} vs sRGB ${expected[c]}`);
});

test('a large transparent frame shows white in its thumbnail, whatever colour is stored under the transparency', async () => {
  const width = 1600;
  const height = 1200;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([255, 0, 0, 0], i);
  const thumbnail = await thumbnailFromDecoded(frameOf(data, width, height, null, 4), 100);
  const shown = await rawPixels(thumbnail.jpeg);
  for (let c = 0; c < 3; c++) assert.ok(shown[c]! >= 250, `channel ${c}: ${shown[c]}`);
});
