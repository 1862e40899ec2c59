/**
 * Against OpenCV itself, where it is installed (Debian: apt-get install python3-opencv):
 * DEEP-OC's load_image (cv2.imread(IMREAD_COLOR), BGR->RGB) and resize_im (cv2.resize,
 * INTER_LINEAR) on the real photos of ../shared, among them the ones with Adobe RGB, camera
 * RGB and other ICC profiles and the EXIF orientations 1-8, must give our exact resampler's
 * pixels bit for bit, with the native pixel code and without it. Skips, saying why, without
 * OpenCV or ../shared.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import type { Preprocessing } from '../../main/core/vision/model-pack.js';
import { nativePixels } from '../../main/core/vision/native-pixels.js';
import { photoViews } from '../../main/core/vision/preprocess.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SIZE = 299;
const P: Preprocessing = { height: SIZE, width: SIZE, resize: 'stretch', meanRgb: [0, 0, 0], stdRgb: [1, 1, 1], mode: 'raw' };

const DEEP_OC_LOAD_AND_RESIZE = `
import sys, cv2
out = sys.argv[1]
for i, f in enumerate(sys.argv[2:]):
    im = cv2.cvtColor(cv2.imread(f, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    cv2.resize(im, (${SIZE}, ${SIZE}), interpolation=cv2.INTER_LINEAR).tofile(f"{out}/{i}.rgb")
print(cv2.__version__)
`;

function findOpenCvPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import cv2'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return null;
}

const python = findOpenCvPython();
const skip = skipUnlessShared('data') || (python ? false : 'OpenCV for Python is not installed here (apt-get install python3-opencv)');

test('DEEP-OC load_image + resize_im (OpenCV) equal our exact pixels on real photos, profiles and orientations included', { skip }, async () => {
  const roots = [sharedPath('data', 'flowers'), sharedPath('data', 'photos-exif', 'orientation'), sharedPath('data', 'photos-exif', 'png')];
  const files = roots.filter((root) => fs.existsSync(root)).flatMap((root) =>
    fs.readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.(jpe?g|png)$/i.test(e.name))
      .map((e) => path.join(e.parentPath, e.name)))
    .sort();
  // Every photo with a profile, plus a sample of the others, keeps the run short.
  const chosen = files.filter((file, i) => i % 5 === 0 || !file.includes(`${path.sep}flowers${path.sep}`) || fs.readFileSync(file).includes('ICC_PROFILE'));
  const out = makeTempDir('opencv-parity');
  const run = spawnSync(python!, ['-c', DEEP_OC_LOAD_AND_RESIZE, out, ...chosen], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  // With the native pixel code (JPEGs decoded to their taps, C arithmetic) where it is built, and without it.
  for (const native of nativePixels() ? [true, false] : [false]) {
    if (!native) process.env.INVASIVES_NATIVE_PIXELS = 'off';
    try {
      for (const [i, file] of chosen.entries()) {
        const theirs = fs.readFileSync(path.join(out, `${i}.rgb`));
        const [ours] = await photoViews(fs.readFileSync(file), P, { maxPixels: 2e8, path: file });
        assert.ok(Buffer.from(ours!.data).equals(theirs), `${file}: our pixels (${native ? 'native' : 'libvips and TypeScript'}) differ from OpenCV ${run.stdout.trim()}'s`);
      }
    } finally {
      delete process.env.INVASIVES_NATIVE_PIXELS;
    }
  }
  assert.ok(chosen.length >= 100, `only ${chosen.length} photos compared`);
});
