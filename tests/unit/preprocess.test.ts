import assert from 'node:assert/strict';
import test from 'node:test';
import sharp from 'sharp';
import type { Preprocessing } from '../../main/core/vision/model-pack.js';
import {
  cropRgb,
  decodeRgb,
  mirrorRgb,
  normalizeInto,
  preprocessPhoto,
  resizeInterLinear,
  tenCropViews,
  type RgbImage,
} from '../../main/core/vision/preprocess.js';

function channel(image: RgbImage, c: number): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < image.height; y += 1) {
    const row: number[] = [];
    for (let x = 0; x < image.width; x += 1) row.push(image.data[(y * image.width + x) * 3 + c]!);
    rows.push(row);
  }
  return rows;
}

function rgbFromChannels(width: number, height: number, r: number[], g: number[], b: number[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i += 1) {
    data[i * 3] = r[i]!;
    data[i * 3 + 1] = g[i]!;
    data[i * 3 + 2] = b[i]!;
  }
  return { width, height, data };
}

function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i += 1) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

const P: Preprocessing = { height: 2, width: 2, resize: 'stretch', meanRgb: [100, 50, 10], stdRgb: [2, 4, 8], mode: 'tf' };

test('2x2 -> 4x4 INTER_LINEAR gives the values of OpenCV fixed-point formula, computed by hand', () => {
  // Source R = [[0, 100], [200, 255]]. x weights (x2048): [2048|0 (edge clamp), 1536|512, 512|1536, 2048|0 (edge clamp)];
  // rows: dy0 uses rows (0,0) with 512|1536, dy1 (0,1) 1536|512, dy2 (0,1) 512|1536, dy3 (1,1) 1536|512.
  // E.g. (dy1, dx2): H0 = 100*1536 = 153600, H1 = 200*512 + 255*1536 = 494080;
  // ((153600>>4)*1536>>16) + ((494080>>4)*512>>16) = 225 + 241 = 466; (466+2)>>2 = 117.
  const src = rgbFromChannels(2, 2, [0, 100, 200, 255], [50, 50, 50, 50], [10, 20, 30, 40]);
  const out = resizeInterLinear(src, 4, 4);
  assert.deepEqual(channel(out, 0), [
    [0, 25, 75, 100],
    [50, 72, 117, 139],
    [150, 167, 200, 216],
    [200, 214, 241, 255],
  ]);
  assert.deepEqual(channel(out, 1), [[50, 50, 50, 50], [50, 50, 50, 50], [50, 50, 50, 50], [50, 50, 50, 50]]);
  // B = [[10, 20], [30, 40]]: e.g. (dy1, dx1): H0 = 10*1536+20*512 = 25600, H1 = 30*1536+40*512 = 66560;
  // (1600*1536>>16) + (4160*512>>16) = 37 + 32 = 69; (69+2)>>2 = 17 (float bilinear: 17.5).
  assert.deepEqual(channel(out, 2)[1], [15, 17, 22, 25]);
});

test('INTER_LINEAR at exactly half size averages 2x2 blocks with (sum + 2) >> 2, as OpenCV INTER_AREA does', () => {
  const src: RgbImage = { width: 8, height: 6, data: seededBytes(8 * 6 * 3, 7) };
  const out = resizeInterLinear(src, 4, 3);
  for (let y = 0; y < 3; y += 1) {
    for (let x = 0; x < 4; x += 1) {
      for (let c = 0; c < 3; c += 1) {
        const at = (yy: number, xx: number): number => src.data[(yy * 8 + xx) * 3 + c]!;
        const sum = at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1);
        assert.equal(out.data[(y * 4 + x) * 3 + c], (sum + 2) >> 2, `pixel ${x},${y} channel ${c}`);
      }
    }
  }
});

test('INTER_LINEAR to the same size copies the pixels unchanged', () => {
  const src: RgbImage = { width: 5, height: 3, data: seededBytes(45, 3) };
  assert.deepEqual(resizeInterLinear(src, 5, 3).data, src.data);
});

test('INTER_LINEAR stays within one level of float bilinear with half-pixel centres and edge clamping', () => {
  const src: RgbImage = { width: 37, height: 23, data: seededBytes(37 * 23 * 3, 11) };
  const [w, h] = [16, 29];
  const out = resizeInterLinear(src, w, h);
  const sample = (sx: number, sy: number, c: number): number => {
    const cx = Math.min(Math.max(sx, 0), src.width - 1);
    const cy = Math.min(Math.max(sy, 0), src.height - 1);
    return src.data[(cy * src.width + cx) * 3 + c]!;
  };
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const fx = Math.min(Math.max((x + 0.5) * (src.width / w) - 0.5, 0), src.width - 1);
      const fy = (y + 0.5) * (src.height / h) - 0.5;
      const x0 = Math.floor(fx), y0 = Math.floor(fy);
      const ax = fx - x0, ay = fy - y0;
      for (let c = 0; c < 3; c += 1) {
        const top = sample(x0, y0, c) * (1 - ax) + sample(x0 + 1, y0, c) * ax;
        const bottom = sample(x0, y0 + 1, c) * (1 - ax) + sample(x0 + 1, y0 + 1, c) * ax;
        const expected = top * (1 - ay) + bottom * ay;
        assert.ok(Math.abs(out.data[(y * w + x) * 3 + c]! - expected) <= 1, `pixel ${x},${y}: ${out.data[(y * w + x) * 3 + c]} vs ${expected}`);
      }
    }
  }
});

test('normalisation follows preprocess_batch for the tf, torch, caffe and raw modes', () => {
  const image = rgbFromChannels(1, 1, [227], [50], [2]);
  const run = (mode: Preprocessing['mode']): number[] => {
    const out = new Float32Array(3);
    normalizeInto(image, { ...P, mode }, out);
    return Array.from(out);
  };
  assert.deepEqual(run('tf'), [Math.fround(127 / 127.5), 0, Math.fround(-8 / 127.5)]);
  assert.deepEqual(run('torch'), [63.5, 0, -1]);
  assert.deepEqual(run('caffe'), [-8, 0, 127]);
  assert.deepEqual(run('raw'), [227, 50, 2]);
});

test('ten-crop views are the corners, the centre and their mirrors, in standard_tencrop_batch order', () => {
  // A 10x10 photo and a 9x9 input: the square resize and the crop resizes are identities,
  // so each view is a plain 9x9 crop (centre offset round(0.5) = 0, numpy rounds half to even).
  const src: RgbImage = { width: 10, height: 10, data: seededBytes(300, 5) };
  const views = tenCropViews(src, 9, 9);
  assert.equal(views.length, 10);
  const offsets = [[0, 0], [0, 1], [1, 0], [1, 1], [0, 0]];
  offsets.forEach(([left, top], k) => {
    const view = views[2 * k]!;
    for (let y = 0; y < 9; y += 1)
      for (let x = 0; x < 9; x += 1)
        for (let c = 0; c < 3; c += 1)
          assert.equal(view.data[(y * 9 + x) * 3 + c], src.data[((y + top!) * 10 + x + left!) * 3 + c], `view ${2 * k} pixel ${x},${y}`);
    assert.deepEqual(views[2 * k + 1]!.data, mirrorRgb(view).data, `view ${2 * k + 1} mirrors view ${2 * k}`);
  });
});

test('ten-crop views equal the definition: stretch to a square, crop 90%, resize each crop (non-trivial sizes)', () => {
  const src: RgbImage = { width: 53, height: 37, data: seededBytes(53 * 37 * 3, 9) };
  const [w, h] = [12, 9];
  const views = tenCropViews(src, w, h);
  const side = 37;
  const crop = Math.trunc(0.9 * side); // 33
  const centre = 2; // round((37 - 33) / 2) = 2
  const square = resizeInterLinear(src, side, side);
  const offsets = [[0, 0], [0, side - crop], [side - crop, 0], [side - crop, side - crop], [centre, centre]];
  offsets.forEach(([left, top], k) => {
    const expected = resizeInterLinear(cropRgb(square, left!, top!, crop, crop), w, h);
    assert.deepEqual(views[2 * k]!.data, expected.data, `view ${2 * k}`);
    assert.deepEqual(views[2 * k + 1]!.data, mirrorRgb(expected).data, `view ${2 * k + 1}`);
  });
});

test('decodeRgb applies EXIF orientation: a 4x2 image tagged orientation 6 decodes as 2x4', async () => {
  // Left half red, right half blue; rotated 90 degrees clockwise, red ends up on top.
  const raw = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y += 1)
    for (let x = 0; x < 4; x += 1) raw.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
  const png = await sharp(raw, { raw: { width: 4, height: 2, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toBuffer();
  const image = await decodeRgb(png, { maxPixels: 1e6, path: 'rotated.jpg' });
  assert.equal(image.width, 2);
  assert.equal(image.height, 4);
  assert.ok(image.data[0]! > 200 && image.data[2]! < 60, 'top-left pixel is red');
  assert.ok(image.data[(3 * 2) * 3 + 2]! > 200 && image.data[(3 * 2) * 3]! < 60, 'bottom-left pixel is blue');
});

test('preprocessPhoto stretches the whole frame and normalises it (exact path)', async () => {
  // 4x2 PNG, left column pair black, right white: stretched to 2x2 each output column keeps its side.
  const raw = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y += 1) for (let x = 0; x < 4; x += 1) raw.fill(x < 2 ? 0 : 255, (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
  const png = await sharp(raw, { raw: { width: 4, height: 2, channels: 3 } }).png().toBuffer();
  const p: Preprocessing = { ...P, meanRgb: [127.5, 127.5, 127.5] };
  const { views, data } = await preprocessPhoto(png, p, { maxPixels: 1e6 });
  assert.equal(views, 1);
  assert.deepEqual(Array.from(data), [-1, -1, -1, 1, 1, 1, -1, -1, -1, 1, 1, 1]);
});
