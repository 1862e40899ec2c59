/**
 * Each pack family gets its photos as it was trained on them: Teachable Machine centre-crops
 * (its library's cropTo), Keras Applications and DEEP-OC stretch the whole frame, and a
 * preprocessing.json beside the model overrides either.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { Preprocessing } from '../../main/core/vision/model-pack.js';
import { inferPreprocessing } from '../../main/core/vision/packs/infer-preprocessing.js';
import { loadModelPack } from '../../main/core/vision/packs/load-model-pack.js';
import { centreCropResize, cropRgb, normalizeInto, preprocessPhoto, resizeInterLinear, type RgbImage } from '../../main/core/vision/preprocess.js';
import { setSeededWeights, writeKerasH5, writeTfjsFolder } from '../fixtures/make-model-packs.js';
import { makeTempDir } from '../helpers/temp-dir.js';

function seededImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i += 1) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}

/**
 * @teachablemachine/image's cropTo, written out as its source does it: the whole image drawn
 * at ceil(side * size / min) and the size x size canvas keeping offset ~~((scaled - size) / 2).
 */
function teachableMachineCrop(src: RgbImage, size: number): RgbImage {
  const min = Math.min(src.width, src.height);
  const scale = size / min;
  const scaledW = Math.ceil(src.width * scale);
  const scaledH = Math.ceil(src.height * scale);
  const drawn = resizeInterLinear(src, scaledW, scaledH);
  return cropRgb(drawn, ~~((scaledW - size) / 2), ~~((scaledH - size) / 2), size, size);
}

/** A tiny network with a MobileNet's first layer names; `tfjsNames` adds the names TensorFlow.js generates (Teachable Machine). */
function tinyMobileNet(tfjsNames: boolean): tf.LayersModel {
  const input = tf.input({ shape: [24, 24, 3] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, name: 'Conv1' }).apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: tfjsNames ? 'global_average_pooling2d_GlobalAveragePooling2D1' : 'global_average_pooling2d' }).apply(conv) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 3, activation: 'softmax', name: tfjsNames ? 'dense_Dense1' : 'predictions' }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  setSeededWeights(model, 5);
  return model;
}

describe('Teachable Machine centre crop', () => {
  for (const [width, height, size] of [[300, 225, 224], [4000, 3000, 224], [225, 300, 224], [97, 61, 32], [50, 50, 32], [20, 70, 16]] as const) {
    test(`${width}x${height} -> ${size}: equals cropTo's cover-resize and centre crop`, () => {
      const src = seededImage(width, height, width * 7 + height);
      const ours = centreCropResize(src, size, size);
      assert.deepEqual([ours.width, ours.height], [size, size]);
      assert.deepEqual(ours.data, teachableMachineCrop(src, size).data);
    });
  }

  test('a landscape photo loses its left and right edges (stretching would keep them)', async () => {
    // 90x30: left third red, middle green, right third blue; the centre crop keeps only green.
    const raw = Buffer.alloc(90 * 30 * 3);
    for (let y = 0; y < 30; y++) for (let x = 0; x < 90; x++) raw.set(x < 30 ? [255, 0, 0] : x < 60 ? [0, 255, 0] : [0, 0, 255], (y * 90 + x) * 3);
    const png = await sharp(raw, { raw: { width: 90, height: 30, channels: 3 } }).png().toBuffer();
    const p: Preprocessing = { height: 10, width: 10, resize: 'centre-crop', meanRgb: [127, 127, 127], stdRgb: [127, 127, 127], mode: 'torch' };
    const { data } = await preprocessPhoto(png, p, { maxPixels: 1e6 });
    for (let i = 0; i < data.length; i += 3) assert.deepEqual([data[i], data[i + 1], data[i + 2]], [-1, Math.fround(128 / 127), -1]);
    const stretched = await preprocessPhoto(png, { ...p, resize: 'stretch' }, { maxPixels: 1e6 });
    assert.equal(stretched.data[0], Math.fround(128 / 127), 'stretching keeps the red edge');
  });

  test("normalisation is capture()'s x / 127 - 1", () => {
    const p: Preprocessing = { height: 1, width: 3, resize: 'centre-crop', meanRgb: [127, 127, 127], stdRgb: [127, 127, 127], mode: 'torch' };
    const out = new Float32Array(9);
    normalizeInto({ width: 3, height: 1, data: Uint8Array.from([0, 127, 255, 0, 127, 255, 0, 127, 255]) }, p, out);
    assert.deepEqual([...out.subarray(0, 3)], [-1, 0, Math.fround(255 / 127 - 1)]);
  });
});

describe('preprocessing per pack family', () => {
  test('Teachable Machine TF.js pack (metadata.json): centre crop, x / 127 - 1', async () => {
    const dir = path.join(makeTempDir(), 'tm');
    await writeTfjsFolder(dir, tinyMobileNet(true), { labels: ['a', 'b', 'c'], teachableMachine: true });
    const pack = await loadModelPack(dir);
    assert.deepEqual(pack.preprocessing, { height: 24, width: 24, resize: 'centre-crop', meanRgb: [127, 127, 127], stdRgb: [127, 127, 127], mode: 'torch' });
    assert.match(String(pack.identity.preprocessing.source), /Teachable Machine/);
  });

  test("Teachable Machine's Keras export (MobileNet with TensorFlow.js layer names): centre crop, x / 127.5 - 1", async () => {
    const { preprocessing, reason } = inferPreprocessing(tinyMobileNet(true));
    assert.deepEqual(preprocessing, { height: 24, width: 24, resize: 'centre-crop', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' });
    assert.match(reason, /Teachable Machine/);
  });

  test('a Keras Applications MobileNet is stretched as before, [-1, 1]', () => {
    const { preprocessing, reason } = inferPreprocessing(tinyMobileNet(false));
    assert.deepEqual(preprocessing, { height: 24, width: 24, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' });
    assert.match(reason, /MobileNet/);
  });

  test('Keras Applications ResNet (caffe) and DenseNet (torch) families are stretched', () => {
    const named = (names: string[]): tf.LayersModel => {
      const input = tf.input({ shape: [16, 16, 3] });
      let x = input;
      for (const name of names) x = tf.layers.conv2d({ filters: 2, kernelSize: 1, name }).apply(x) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: x });
    };
    assert.deepEqual(inferPreprocessing(named(['conv1_conv'])).preprocessing, { height: 16, width: 16, resize: 'stretch', meanRgb: [123.68, 116.779, 103.939], stdRgb: [1, 1, 1], mode: 'caffe' });
    assert.equal(inferPreprocessing(named(['conv2_block1_0_conv', 'pool2_conv'])).preprocessing.resize, 'stretch');
    assert.equal(inferPreprocessing(named(['conv2_block1_0_conv', 'pool2_conv'])).preprocessing.mode, 'torch');
  });

  test('preprocessing.json overrides the family: "resize" both ways, other fields kept', async () => {
    const dir = makeTempDir();
    const h5 = path.join(dir, 'keras_model.h5');
    await writeKerasH5(h5, tinyMobileNet(true));
    fs.writeFileSync(path.join(dir, 'labels.txt'), '0 a\n1 b\n2 c\n');
    assert.equal((await loadModelPack(h5)).preprocessing.resize, 'centre-crop');
    fs.writeFileSync(path.join(dir, 'preprocessing.json'), JSON.stringify({ resize: 'stretch' }));
    const stretched = await loadModelPack(h5);
    assert.deepEqual(stretched.preprocessing, { height: 24, width: 24, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' });
    assert.equal(stretched.identity.preprocessing.source, 'preprocessing.json');

    const tmDir = path.join(makeTempDir(), 'tm');
    await writeTfjsFolder(tmDir, tinyMobileNet(false), { labels: ['a', 'b', 'c'] });
    assert.equal((await loadModelPack(tmDir)).preprocessing.resize, 'stretch');
    fs.writeFileSync(path.join(tmDir, 'preprocessing.json'), JSON.stringify({ resize: 'center-crop', size: 20 }));
    assert.deepEqual((await loadModelPack(tmDir)).preprocessing, { height: 20, width: 20, resize: 'centre-crop', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' });
  });
});
