import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadModelPack } from '../../main/core/vision/packs/load-model-pack.js';
import { writeTarGz } from '../fixtures/make-model-packs.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// A refused DEEP-OC pack says where the loader looked (models/<timestamp>/ckpts/, and conf/,
// dataset_files/ beside it) and what the pack holds instead.
const dir = makeTempDir();

function writeFiles(root: string, files: string[]): void {
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), 'x');
  }
}

test('a folder with a mistyped ckpts folder: the message names the expected layout and lists what is there', async () => {
  const pack = path.join(dir, 'typo');
  writeFiles(pack, ['models/2020-01-30_120000/ckpt/final_model.h5', 'models/2020-01-30_120000/conf/conf.json']);
  await assert.rejects(
    loadModelPack(pack),
    rejectsWith('MODEL_INVALID', /looked for models\/<timestamp>\/ckpts\/final_model\.h5 .*dataset_files\/, conf\/ and stats\/ .*it holds models\/2020-01-30_120000\/ckpt\/final_model\.h5/),
  );
});

test('an archive without a checkpoint says where it looked and what it holds', async () => {
  const folder = path.join(dir, 'wrong-archive');
  writeFiles(folder, ['invasoras/weights.h5', 'invasoras/classes.txt']);
  const archive = path.join(dir, 'wrong.tar.gz');
  await writeTarGz(folder, archive);
  await assert.rejects(loadModelPack(archive), rejectsWith('MODEL_INVALID', /wrong\.tar\.gz is not a DEEP-OC model archive: looked for .*it holds .*weights\.h5/));
});

test('a pack missing conf/conf.json or dataset_files/classes.txt names the path inside the pack it looked at', async () => {
  const noConf = path.join(dir, 'no-conf');
  writeFiles(noConf, ['models/2020-01-30_120000/ckpts/final_model.h5', 'models/2020-01-30_120000/dataset_files/classes.txt']);
  await assert.rejects(loadModelPack(noConf), rejectsWith('MODEL_INVALID', /has no models\/2020-01-30_120000\/conf\/conf\.json \(looked there, beside ckpts\/\)/));
  const noClasses = path.join(dir, 'no-classes');
  writeFiles(noClasses, ['models/2020-01-30_120000/ckpts/final_model.h5', 'models/2020-01-30_120000/conf/conf.json']);
  await assert.rejects(loadModelPack(noClasses), rejectsWith('MODEL_INVALID', /has no models\/2020-01-30_120000\/dataset_files\/classes\.txt \(looked there/));
});
