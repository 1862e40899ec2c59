import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossValidateHead } from '../../main/core/learning/cross-validate.js';
import { AUGMENTED_VIEWS, rowsWithViews, trainingView, viewSetKey } from '../../main/core/learning/training-views.js';
import { seededRandom } from '../../main/core/seeded-random.js';
import type { RgbImage } from '../../main/core/vision/preprocess.js';

/** A network input whose red channel is the column, green the row: every pixel says where it came from. */
function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) data.set([x, y, 100], (y * width + x) * 3);
  return { width, height, data };
}
const pixel = (image: RgbImage, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

test('training views keep the network input size: the mirror flips columns, crops zoom into their corner', () => {
  const input = gradient(40, 40);
  const mirror = trainingView(input, { crop: 1, anchor: 'centre', mirror: true });
  assert.deepEqual([mirror.width, mirror.height], [40, 40]);
  assert.deepEqual(pixel(mirror, 0, 5), [39, 5, 100]);
  assert.deepEqual(pixel(mirror, 39, 5), [0, 5, 100]);
  // 80% of 40 = 32 px from the top-left corner, stretched back to 40: the last pixel comes from column/row 31.
  const topLeft = trainingView(input, { crop: 0.8, anchor: 'top-left', mirror: false });
  assert.deepEqual(pixel(topLeft, 0, 0), [0, 0, 100]);
  assert.deepEqual(pixel(topLeft, 39, 39), [31, 31, 100]);
  const bottomRight = trainingView(input, { crop: 0.8, anchor: 'bottom-right', mirror: false });
  assert.deepEqual(pixel(bottomRight, 0, 0), [8, 8, 100]);
  assert.deepEqual(pixel(bottomRight, 39, 39), [39, 39, 100]);
  const centre = trainingView(input, { crop: 0.5, anchor: 'centre', mirror: true });
  assert.deepEqual(pixel(centre, 39, 0), [10, 10, 100], 'a centred half, mirrored: its left edge (column 10) ends on the right');
  assert.equal(AUGMENTED_VIEWS.length, 7);
  assert.equal(new Set(AUGMENTED_VIEWS.map((v) => viewSetKey([v]))).size, 7, 'no view twice');
});

test('training rows: each photo brings its plain view then its views, with its own label; photos without views bring the plain one', () => {
  const x = [0, 1, 2].map((i) => Float32Array.of(i));
  const views = [[Float32Array.of(10), Float32Array.of(11)], null, [Float32Array.of(30)]];
  const rows = rowsWithViews([2, 1], x, [5, 6, 7], views);
  assert.deepEqual(rows.x.map((r) => r[0]), [2, 30, 1]);
  assert.deepEqual(rows.y, [7, 7, 6]);
  assert.deepEqual(rowsWithViews([0], x, [5, 6, 7], undefined).x.map((r) => r[0]), [0]);
});

test('cross-validation never trains on a view of a test photo', async () => {
  // Plain embeddings carry no class information; each photo's "views" are copies of its own
  // plain embedding. A head that saw a test photo's views would recognise the photo itself
  // (random 64-d points are linearly separable) and score far above chance; without that
  // leak it can only guess.
  const random = seededRandom(9);
  const photos = 100;
  const x = Array.from({ length: photos }, () => Float32Array.from({ length: 64 }, () => random() * 2 - 1));
  const y = x.map((_, i) => i % 5);
  const views = x.map((row) => [row, row, row]);
  const cv = await crossValidateHead(x, y, ['a', 'b', 'c', 'd', 'e'], { folds: 5, seed: 3, views, head: { maxEpochs: 40 } });
  assert.ok(cv.meanTop1 < 0.45, `top-1 on unseen photos ${cv.meanTop1} should be near chance (0.2)`);
});
