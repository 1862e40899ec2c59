/**
 * A full-size decode leaves the EXIF orientation to its readers: the network input and the
 * thumbnail read the stored frame upright. For every orientation they must equal what they
 * give on the frame libvips turns itself (sharp's rotate()), bit for bit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { type DecodedPhoto, decodePhoto, thumbnailFromDecoded } from '../../main/core/vision/decode-photo.js';
import type { Preprocessing } from '../../main/core/vision/model-pack.js';
import { decodeRgb, preprocessDecoded } from '../../main/core/vision/preprocess.js';
import { drawSeededPicture } from '../fixtures/make-photo.js';

const WIDTH = 640;
const HEIGHT = 480;
const STRETCH: Preprocessing = { height: 61, width: 97, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' };
const CROP: Preprocessing = { ...STRETCH, height: 64, width: 64, resize: 'centre-crop' };

/** A JPEG tagged with `orientation`, and the same photo as libvips turns it upright (orientation 1). */
async function photoAndUpright(orientation: number): Promise<{ tagged: DecodedPhoto; upright: DecodedPhoto }> {
  const raw = drawSeededPicture(WIDTH, HEIGHT, orientation);
  const jpeg = await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
  const tagged = await decodePhoto(jpeg, { maxPixels: 1e8 });
  const { data, info } = await sharp(jpeg).rotate().raw().toBuffer({ resolveWithObject: true });
  const upright: DecodedPhoto = { format: 'jpeg', pixels: { width: info.width, height: info.height, channels: 3, data }, icc: null, reduced: false, orientation: 1 };
  return { tagged, upright };
}

describe('EXIF orientation applied while reading the frame', () => {
  for (let orientation = 1; orientation <= 8; orientation++) {
    test(`orientation ${orientation}: tensors (stretch, centre crop, ten crop) and thumbnail equal those of libvips' upright frame`, async () => {
      const { tagged, upright } = await photoAndUpright(orientation);
      assert.equal(tagged.orientation, orientation);
      assert.deepEqual([tagged.pixels.width, tagged.pixels.height], [WIDTH, HEIGHT], 'the frame as stored');
      for (const p of [STRETCH, CROP]) {
        assert.deepEqual(preprocessDecoded(tagged, p).data, preprocessDecoded(upright, p).data, `${p.resize}`);
      }
      assert.deepEqual(preprocessDecoded(tagged, CROP, { tenCrop: true }).data, preprocessDecoded(upright, CROP, { tenCrop: true }).data, 'ten crop');
      const ours = await thumbnailFromDecoded(tagged, 100);
      const theirs = await thumbnailFromDecoded(upright, 100);
      assert.deepEqual([ours.width, ours.height], [theirs.width, theirs.height]);
      assert.ok(ours.jpeg.equals(theirs.jpeg), 'same thumbnail');
      const small = await thumbnailFromDecoded(tagged, 400);
      const smallTheirs = await thumbnailFromDecoded(upright, 400);
      assert.ok(small.jpeg.equals(smallTheirs.jpeg), 'same thumbnail without pre-reduction');
    });
  }

  test('a decode shrunk on load (fast resampler, thumbnails alone) comes upright from libvips', async () => {
    const raw = drawSeededPicture(WIDTH, HEIGHT, 3);
    const jpeg = await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const reduced = await decodePhoto(jpeg, { maxPixels: 1e8, atLeast: { width: 100, height: 100 } });
    assert.equal(reduced.orientation, 1);
    assert.ok(reduced.pixels.height > reduced.pixels.width, `${reduced.pixels.width}x${reduced.pixels.height} is portrait`);
  });

  test('decodeRgb gives the upright frame, as libvips turns it', async () => {
    const raw = drawSeededPicture(WIDTH, HEIGHT, 5);
    const jpeg = await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).withMetadata({ orientation: 7 }).jpeg().toBuffer();
    const image = await decodeRgb(jpeg, { maxPixels: 1e8 });
    const { data, info } = await sharp(jpeg).rotate().raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([image.width, image.height], [info.width, info.height]);
    assert.ok(Buffer.from(image.data).equals(data));
  });
});
