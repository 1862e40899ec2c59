import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { trainModel } from '../../main/core/learning/train-model.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { openLibraryModel } from '../../main/core/vision/open-classifier.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SPECIES = ['daisy', 'sunflowers', 'tulips'];
const PER_SPECIES = 12;
const skip = skipUnlessShared('data/flowers') || skipUnlessShared('models/tfjs-mobilenet-waste/model.json');

test('real flower photos, MobileNet body as backbone: a useful head, cached embeddings, the same model again', { skip }, async () => {
  const dir = makeTempDir();
  // A ranger's sorted folders: a small subset of the shared photos, one sub-folder per species.
  const folders = path.join(dir, 'sorted');
  for (const species of SPECIES) {
    fs.mkdirSync(path.join(folders, species), { recursive: true });
    const photos = fs.readdirSync(sharedPath('data/flowers', species)).sort().slice(0, PER_SPECIES);
    for (const name of photos) fs.copyFileSync(sharedPath('data/flowers', species, name), path.join(folders, species, name));
  }
  const settings = resolveSettings({ databasePath: path.join(dir, 'library.sqlite') });
  const library = Library.open(settings.databasePath);
  try {
    const first = await trainModel(library, { settings, fromFolders: folders, backbone: sharedPath('models/tfjs-mobilenet-waste'), seed: 2, augment: true });
    const { report, model } = first;
    assert.deepEqual(model.labels, SPECIES);
    assert.equal(report.trainingPhotos, SPECIES.length * PER_SPECIES);
    assert.equal(report.embeddings.computed, SPECIES.length * PER_SPECIES, JSON.stringify(report.embeddings));
    assert.deepEqual(report.species.map((s) => s.validation), [2, 2, 2], '20% of each species held out (rounded)');
    assert.ok(report.evaluation.top1 >= 0.66, `pretrained features tell these flowers apart better than chance (1/3): top-1 ${report.evaluation.top1}`);
    assert.equal(library.models.get(report.parentModel.id)?.format, 'tfjs-layers', 'the backbone pack was added to the library');

    const second = await trainModel(library, { settings, fromFolders: folders, backbone: String(report.parentModel.id), seed: 2, augment: true });
    assert.equal(second.report.embeddings.fromCache, SPECIES.length * PER_SPECIES, 'embeddings come from the cache the second time');
    assert.equal(second.report.embeddings.computed, 0);
    assert.equal(report.augmentedViews?.computed, report.species.reduce((sum, s) => sum + s.train, 0), 'augmented views of the training photos (asked for)');
    assert.equal(report.augmentedViews?.perPhoto, 7);
    assert.equal(second.report.augmentedViews?.computed, 0, 'and the views\' embeddings too');
    assert.equal(second.model.contentHash, model.contentHash, 'same photos + same seed = same model');

    const classifier = await openLibraryModel(model, settings);
    try {
      const photo = path.join(folders, 'sunflowers', fs.readdirSync(path.join(folders, 'sunflowers'))[0]!);
      const result = await classifier.classify({ bytes: fs.readFileSync(photo), path: photo });
      assert.equal(result.probabilities.length, 3);
      assert.equal(result.embedding?.length, 1280);
    } finally {
      await classifier.close();
    }
  } finally {
    library.close();
  }
});
