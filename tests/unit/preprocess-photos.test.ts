/**
 * The exact resize on real photos against an independent implementation: tfjs'
 * resizeBilinear with half-pixel centres (float arithmetic, no antialiasing) must agree
 * with our fixed-point OpenCV INTER_LINEAR to within one grey level everywhere.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { decodeRgb, resizeInterLinear } from '../../main/core/vision/preprocess.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';

test('INTER_LINEAR on real photos stays within 1 level of tf.image.resizeBilinear (half-pixel centres)', { skip: skipUnlessShared('data/flowers') }, async () => {
  const folders = ['daisy', 'roses', 'tulips'].map((f) => sharedPath('data/flowers', f));
  const files = folders.map((dir) => path.join(dir, fs.readdirSync(dir).sort()[0]!));
  for (const file of files) {
    const full = await decodeRgb(fs.readFileSync(file), { maxPixels: 1e8, path: file });
    for (const [w, h] of [[224, 224], [299, 299], [97, 131]] as const) {
      const ours = resizeInterLinear(full, w, h);
      const theirs = tf.tidy(() =>
        tf.image.resizeBilinear(tf.tensor3d(full.data, [full.height, full.width, 3], 'int32').toFloat(), [h, w], false, true).dataSync(),
      );
      let worst = 0;
      for (let i = 0; i < ours.data.length; i += 1) worst = Math.max(worst, Math.abs(ours.data[i]! - theirs[i]!));
      // Ours is rounded to uint8 (as OpenCV returns it): up to 0.5 from rounding plus fixed-point error.
      assert.ok(worst <= 1, `${path.basename(file)} ${full.width}x${full.height} -> ${w}x${h}: max difference ${worst}`);
    }
  }
});
