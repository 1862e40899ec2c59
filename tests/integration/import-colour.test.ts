/**
 * The import's single decode: photos tagged Adobe RGB or ProPhoto are classified on their
 * stored samples (the same prediction as the same file without its profile, and as the
 * classifier reading the bytes itself), while their cached thumbnails are converted to sRGB.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings, thumbnailCacheDir } from '../../main/core/settings.js';
import { createOnnxClassifier } from '../../main/core/vision/inference/onnx-classifier.js';
import { loadModelPack } from '../../main/core/vision/packs/load-model-pack.js';
import { pngWithIccProfile } from '../../main/core/vision/png-with-icc.js';
import { ADOBE_RGB_1998, PROPHOTO_RGB, expectedSrgb, jpegWithoutIccProfile, makeRgbIccProfile } from '../fixtures/make-icc-profile.js';
import { writeTinyOnnx } from '../fixtures/make-model-packs.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const COLOUR: [number, number, number] = [200, 120, 60];

async function flatTagged(profile: Buffer): Promise<Buffer> {
  const raw = Buffer.alloc(96 * 64 * 3);
  for (let i = 0; i < raw.length; i += 3) raw.set(COLOUR, i);
  return pngWithIccProfile(await sharp(raw, { raw: { width: 96, height: 64, channels: 3 } }).png().toBuffer(), profile);
}

async function meanColour(file: string): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sums[c]! += data[i + c]!;
  return sums.map((s) => Math.round(s / (data.length / info.channels)));
}

test('import: one decode, the prediction ignores the colour profile, the thumbnail applies it', async () => {
  const dir = makeTempDir();
  const card = path.join(dir, 'card');
  fs.mkdirSync(card);
  const adobe = await sharp(await flatTagged(makeRgbIccProfile(ADOBE_RGB_1998))).keepIccProfile().jpeg({ quality: 95 }).toBuffer();
  const files: Record<string, Buffer> = {
    'adobe.jpg': adobe,
    'bare.jpg': jpegWithoutIccProfile(adobe),
    'prophoto.png': await flatTagged(makeRgbIccProfile(PROPHOTO_RGB)),
  };
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(card, name), bytes);

  const packDir = path.join(dir, 'pack');
  writeTinyOnnx(path.join(packDir, 'tiny.onnx'), { size: 16, classes: 3, seed: 4 });
  fs.writeFileSync(path.join(packDir, 'labels.txt'), 'a\nb\nc\n');
  fs.writeFileSync(path.join(packDir, 'preprocessing.json'), JSON.stringify({ size: 16, mean: [127.5, 127.5, 127.5], std: [1, 1, 1], mode: 'tf' }));
  const classifier = await createOnnxClassifier(await loadModelPack(packDir));
  const databasePath = path.join(dir, 'library.sqlite');
  const library = Library.open(databasePath);
  try {
    const { summary } = await importFolder(library, card, { settings: resolveSettings({ databasePath }), classifier });
    assert.equal(summary.photosNew, 3);
    const modelId = library.models.add(classifier.identity).id;
    const photoOf = (name: string) => library.photos.idBySha256(createHash('sha256').update(files[name]!).digest('hex'))!;
    const probabilities = (name: string) => [...library.predictions.vectorsOf(photoOf(name), modelId)!.probabilities];
    assert.deepEqual(probabilities('adobe.jpg'), probabilities('bare.jpg'), 'the profile does not change the prediction');
    const alone = await classifier.classify({ bytes: files['adobe.jpg']!, path: 'adobe.jpg' });
    assert.deepEqual(probabilities('adobe.jpg'), [...alone.probabilities], 'the shared decode gives what the classifier gives alone');

    const thumbnail = (name: string) => path.join(thumbnailCacheDir(databasePath), `${createHash('sha256').update(files[name]!).digest('hex')}.jpg`);
    const bare = await meanColour(thumbnail('bare.jpg'));
    for (const [name, spec] of [['adobe.jpg', ADOBE_RGB_1998], ['prophoto.png', PROPHOTO_RGB]] as const) {
      const shown = await meanColour(thumbnail(name));
      const expected = expectedSrgb(spec, COLOUR);
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(shown[c]! - expected[c]!) <= 4, `${name} thumbnail ${shown} vs sRGB ${expected}`);
    }
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(bare[c]! - COLOUR[c]!) <= 3, `untagged thumbnail ${bare} keeps ${COLOUR}`);
  } finally {
    await classifier.close();
    library.close();
  }
});
