import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { readDeepOcConf } from '../../main/core/vision/packs/deep-oc-pack.js';
import { extractArchiveSafely } from '../../main/core/vision/packs/safe-extract.js';
import { listDeepOcTimestamps, loadModelPack } from '../../main/core/vision/packs/load-model-pack.js';
import { buildDeepOcXception } from '../../main/core/vision/keras/xception.js';
import { buildSmallDeepOcCnn, setSeededWeights, writeDeepOcFolder, writeHostileTarGz, writeTarGz, type HostileEntry } from '../fixtures/make-model-packs.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { rejectsWith } from '../helpers/station-error.js';

const CLASSES = ['Ailanthus altissima', 'Carpobrotus edulis', 'Cortaderia selloana'];
const INFO = ['Tree of heaven, https://en.wikipedia.org/wiki/Ailanthus_altissima', '-', 'Pampas grass'];

async function smallPack(root: string, options: { timestamp?: string; seed?: number; layout?: 'models' | 'timestamp-root'; classes?: string[] } = {}): Promise<tf.LayersModel> {
  const model = buildSmallDeepOcCnn({ classes: (options.classes ?? CLASSES).length, inputSize: 32 });
  setSeededWeights(model, options.seed ?? 5);
  await writeDeepOcFolder(root, model, {
    timestamp: options.timestamp,
    classes: options.classes ?? CLASSES,
    info: INFO,
    imageSize: 32,
    meanRgb: [110, 100, 90],
    stdRgb: [50, 51, 52],
    preprocessMode: 'torch',
    layout: options.layout,
  });
  return model;
}

test('a DEEP-OC folder loads with classes, info, conf.json preprocessing and the trained weights', async () => {
  const root = path.join(makeTempDir(), 'invasoras');
  const original = await smallPack(root, { timestamp: '2020-01-30_120000' });
  const pack = await loadModelPack(root);
  assert.equal(pack.identity.format, 'deepoc');
  assert.equal(pack.identity.version, '2020-01-30_120000');
  assert.equal(pack.identity.name, 'DEEP-OC invasoras');
  assert.deepEqual(pack.identity.labels, CLASSES);
  assert.deepEqual(pack.identity.labelInfo, [INFO[0], null, INFO[2]]);
  assert.deepEqual(pack.preprocessing, { height: 32, width: 32, resize: 'stretch', meanRgb: [110, 100, 90], stdRgb: [50, 51, 52], mode: 'torch' });
  assert.equal(pack.embeddingLayer, 'global_average_pooling2d');
  assert.match(pack.identity.contentHash, /^[0-9a-f]{64}$/);
  assert.ok(pack.layersModel);
  const x = tf.randomUniform([2, 32, 32, 3], -2, 2, 'float32', 4);
  const diff = tf.max(tf.abs(tf.sub(original.predict(x) as tf.Tensor, pack.layersModel.predict(x) as tf.Tensor)));
  assert.equal((await diff.data())[0], 0);
});

test('several timestamps are listed oldest first and the newest is loaded unless one is asked for', async () => {
  const root = path.join(makeTempDir(), 'pack');
  await smallPack(root, { timestamp: '2019-05-01_090000', seed: 1 });
  await smallPack(root, { timestamp: '2021-11-20_180000', seed: 2 });
  await smallPack(root, { timestamp: '2020-02-10_101010', seed: 3 });
  const expected = ['2019-05-01_090000', '2020-02-10_101010', '2021-11-20_180000'];
  assert.deepEqual(await listDeepOcTimestamps(root), expected);
  const archive = path.join(makeTempDir(), 'pack.tar.gz');
  await writeTarGz(root, archive);
  assert.deepEqual(await listDeepOcTimestamps(archive), expected);

  const newest = await loadModelPack(root);
  assert.equal(newest.identity.version, '2021-11-20_180000');
  const older = await loadModelPack(archive, { timestamp: '2019-05-01_090000' });
  assert.equal(older.identity.version, '2019-05-01_090000');
  assert.notEqual(older.identity.contentHash, newest.identity.contentHash);
  await assert.rejects(loadModelPack(root, { timestamp: '1999-01-01_000000' }), rejectsWith('MODEL_NOT_FOUND', /1999-01-01_000000.*2019-05-01_090000, 2020-02-10_101010, 2021-11-20_180000/));
});

test('a .tar.gz loads like its folder (same content hash), with or without the models/ level', async () => {
  const work = makeTempDir();
  const root = path.join(work, 'src');
  await smallPack(root, { timestamp: '2020-01-30_120000' });
  const fromFolder = await loadModelPack(root);
  const archive = path.join(work, 'invasoras.tar.gz');
  await writeTarGz(root, archive);
  const unpackDir = path.join(work, 'unpacked');
  const fromArchive = await loadModelPack(archive, { workDir: unpackDir });
  assert.equal(fromArchive.identity.contentHash, fromFolder.identity.contentHash);
  assert.equal(fromArchive.identity.sourcePath, archive);
  assert.equal(fromArchive.identity.name, 'DEEP-OC invasoras');
  const kept = fs.readdirSync(unpackDir);
  assert.equal(kept.length, 1, 'the archive is unpacked in one pack-* folder inside workDir');
  assert.ok(fs.existsSync(path.join(unpackDir, kept[0] as string, 'models', '2020-01-30_120000', 'ckpts', 'final_model.h5')));

  // The same files with the timestamp folder at the archive's root. (Copied, not written again:
  // HDF5 records modification times, so a second .h5 write differs byte for byte.)
  const flatRoot = path.join(work, 'flat');
  fs.cpSync(path.join(root, 'models'), flatRoot, { recursive: true });
  const flatArchive = path.join(work, 'flat.tar.gz');
  await writeTarGz(flatRoot, flatArchive);
  const flat = await loadModelPack(flatArchive);
  assert.equal(flat.identity.version, '2020-01-30_120000');
  assert.equal(flat.identity.contentHash, fromFolder.identity.contentHash);
  // Pointing at the timestamp folder itself works too.
  const direct = await loadModelPack(path.join(root, 'models', '2020-01-30_120000'));
  assert.equal(direct.identity.contentHash, fromFolder.identity.contentHash);
});

test('a class count that differs from the output layer is MODEL_INVALID naming both numbers', async () => {
  const root = path.join(makeTempDir(), 'pack');
  const tsDir = path.join(root, 'models', '2020-01-30_120000');
  await smallPack(root, { timestamp: '2020-01-30_120000' });
  fs.writeFileSync(path.join(tsDir, 'dataset_files', 'classes.txt'), 'a\nb\nc\nd\n');
  fs.writeFileSync(path.join(tsDir, 'dataset_files', 'info.txt'), '-\n-\n-\n-\n');
  await assert.rejects(loadModelPack(root), rejectsWith('MODEL_INVALID', /4 classes.*3 units/));
  fs.writeFileSync(path.join(tsDir, 'dataset_files', 'classes.txt'), `${CLASSES.join('\n')}\n`);
  await assert.rejects(loadModelPack(root), rejectsWith('MODEL_INVALID', /info\.txt has 4 lines but classes\.txt has 3/));
});

test('conf.json maps onto Preprocessing exactly as image-classification-tf applies it', () => {
  const dir = makeTempDir();
  const conf = (content: unknown): string => {
    const file = path.join(dir, `conf-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const tf = readDeepOcConf(conf({ model: { image_size: 299, preprocess_mode: 'tf', modelname: 'Xception' }, dataset: { mean_RGB: [1, 2, 3], std_RGB: null } }));
  assert.deepEqual(tf.preprocessing, { height: 299, width: 299, resize: 'stretch', meanRgb: [1, 2, 3], stdRgb: [58.395, 57.12, 57.375], mode: 'tf' });
  const caffe = readDeepOcConf(conf({ model: { modelname: 'VGG16' }, dataset: { mean_RGB: [120, 115, 100], std_RGB: [1, 1, 1] } }));
  assert.equal(caffe.preprocessing.mode, 'caffe', 'the mode follows model_modes when preprocess_mode is absent');
  assert.equal(caffe.preprocessing.height, 224, 'image_size defaults to 224');
  assert.deepEqual(caffe.preprocessing.meanRgb, [120, 115, 100]);
  assert.throws(() => readDeepOcConf(conf({ model: { preprocess_mode: 'inception' } })), rejectsWith('MODEL_UNSUPPORTED', /inception/));
  assert.throws(() => readDeepOcConf(conf({ dataset: { mean_RGB: [1, 2] } })), rejectsWith('MODEL_INVALID', /mean_RGB/));
  assert.throws(() => readDeepOcConf(conf({ model: { image_size: 'big' } })), rejectsWith('MODEL_INVALID', /image_size/));
});

for (const kind of ['dotdot', 'absolute', 'symlink', 'hardlink'] as HostileEntry[]) {
  test(`an archive with a ${kind} entry is refused and nothing is written`, async () => {
    const work = makeTempDir();
    const target = `escaped-${kind}-${process.pid}-${Date.now()}.txt`;
    const archive = path.join(work, 'a', 'b', 'hostile.tar.gz');
    writeHostileTarGz(archive, kind, target);
    const unpackDir = path.join(work, 'a', 'b', 'unpack');
    await assert.rejects(loadModelPack(archive, { workDir: unpackDir }), rejectsWith('MODEL_INVALID', /hostile\.tar\.gz was refused.*Nothing was extracted/));
    assert.deepEqual(fs.readdirSync(unpackDir), [], 'nothing is left in workDir');
    for (const dir of [work, path.join(work, 'a'), path.join(work, 'a', 'b'), '/tmp', '/']) {
      assert.ok(!fs.existsSync(path.join(dir, target)), `${target} must not appear in ${dir}`);
    }
  });
}

test('a damaged archive and an archive without a model are MODEL_INVALID', async () => {
  const work = makeTempDir();
  const root = path.join(work, 'src');
  await smallPack(root);
  const archive = path.join(work, 'good.tar.gz');
  await writeTarGz(root, archive);
  const bytes = fs.readFileSync(archive);
  const broken = path.join(work, 'broken.tar.gz');
  fs.writeFileSync(broken, bytes.subarray(0, Math.floor(bytes.length / 3)));
  await assert.rejects(loadModelPack(broken), rejectsWith('MODEL_INVALID', /broken\.tar\.gz/));

  const limited = path.join(work, 'limited');
  await assert.rejects(extractArchiveSafely(archive, limited, { maxBytes: 1000 }), rejectsWith('MODEL_INVALID', /good\.tar\.gz would unpack to [\d.]+ MB, more than/));
  assert.ok(!fs.existsSync(limited), 'nothing is written when the archive is too big');

  const other = path.join(work, 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'notes.txt'), 'hello');
  const otherArchive = path.join(work, 'other.tar.gz');
  await writeTarGz(other, otherArchive);
  await assert.rejects(loadModelPack(otherArchive), rejectsWith('MODEL_INVALID', /not a DEEP-OC model archive/));
});

test('the real Xception + DEEP-OC head at 224x224 loads from .h5, with model_config and weights-only', async () => {
  const work = makeTempDir();
  const classes = ['a', 'b', 'c', 'd', 'e'];
  const original = buildDeepOcXception({ classes: classes.length, imageSize: 224 });
  setSeededWeights(original, 99);
  const full = path.join(work, 'full');
  await writeDeepOcFolder(full, original, { classes, imageSize: 224 });
  const pack = await loadModelPack(full);
  const params = pack.layersModel?.countParams() ?? 0;
  assert.equal(params, 20_861_480 + 2048 * 1024 + 1024 + 1024 * classes.length + classes.length);
  assert.ok(params > 22_900_000);
  assert.equal(pack.embeddingLayer, 'global_average_pooling2d');
  assert.deepEqual(pack.preprocessing.mode, 'tf');

  // A save_weights checkpoint: rebuilt from the built-in Xception.
  const weightsOnly = path.join(work, 'weights-only');
  await writeDeepOcFolder(weightsOnly, original, { classes, imageSize: 224, h5: { weightsOnly: true } });
  const rebuilt = await loadModelPack(weightsOnly);
  assert.equal(rebuilt.layersModel?.countParams(), params);
  for (const name of ['block1_conv1/kernel', 'block14_sepconv2_bn/moving_variance', 'dense_1/bias']) {
    const a = original.weights.find((w) => w.originalName === name);
    const b = rebuilt.layersModel?.weights.find((w) => w.originalName === name);
    assert.ok(a && b, `${name} exists in both`);
    assert.deepEqual(await b.read().data(), await a.read().data(), `${name} carries the file's values`);
  }
});
