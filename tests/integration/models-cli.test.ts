import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { writeDemoModelPack } from '../../main/core/demo/demo-model.js';
import { writeDemoCard } from '../../main/core/demo/sample-card.js';
import { Library } from '../../main/core/library/index.js';
import { runCli } from '../helpers/run-cli.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();

test('invasives demo runs the whole pipeline and says it is a demo', async () => {
  const folder = path.join(dir, 'demo');
  const result = await runCli(['demo', '--dir', folder, '--json']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /DEMO/);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.import.photosNew, 36);
  assert.equal(summary.import.filesFailed, 1, 'the deliberately truncated file is reported');
  assert.match(result.stderr, /IMG_9999\.JPG is cut in half on purpose/, 'the demo says the failure is part of it');
  assert.ok(summary.correct >= 30, `the generated model recognises its synthetic species (${summary.correct}/36)`);
  assert.ok(summary.alertsRaised >= 3, 'each demo species is new to the library, so each raises an early alert');
  const geojson = JSON.parse(fs.readFileSync(path.join(folder, 'photos.geojson'), 'utf8'));
  assert.equal(geojson.features.length, 30);
  assert.ok(fs.existsSync(path.join(folder, 'photos.csv')));
});

test('models add/list/use/show/remove, import with the active model, classify with another keeps both', async () => {
  const db = path.join(dir, 'lib', 'library.sqlite');
  const pack = await writeDemoModelPack(path.join(dir, 'demo-model'));
  const card = await writeDemoCard(path.join(dir, 'card'), 6);

  const added = await runCli(['models', 'add', pack, '--db', db, '--json']);
  assert.equal(added.code, 0, added.stderr);
  const model = JSON.parse(added.stdout);
  assert.equal(model.isActive, true, 'the first model becomes active');
  assert.deepEqual(model.labels.length, 3);
  assert.ok(fs.existsSync(model.onnxPath), 'compiled ONNX kept in the library');

  const imported = await runCli(['import', card.folder, '--db', db, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const library = Library.open(db);
  const photos = library.photos.query();
  assert.equal(photos.length, 6);
  for (const photo of photos) {
    assert.equal(photo.prediction?.modelId, model.id);
    assert.equal(photo.prediction?.topK.length, 3);
    const vectors = library.predictions.vectorsOf(photo.id, model.id)!;
    assert.equal(vectors.probabilities.length, 3);
    assert.ok(Math.abs(vectors.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.equal(vectors.embedding?.length, 8, 'the pooled features are stored');
  }
  library.close();

  const show = await runCli(['models', 'show', String(model.id), '--db', db]);
  assert.match(show.stdout, /Impatiens glandulifera/);
  const badUse = await runCli(['models', 'use', '99', '--db', db]);
  assert.equal(badUse.code, 5, 'model errors exit 5');
  assert.match(badUse.stderr, /no model #99/);

  const reviewed = Library.open(db);
  const photoId = reviewed.photos.query()[0]!.id;
  reviewed.reviews.record({ photoId, decision: 'confirmed', species: 'Fallopia japonica' });
  reviewed.close();
  const removed = await runCli(['models', 'remove', String(model.id), '--db', db]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(fs.existsSync(model.onnxPath), false, 'the compiled file goes with the model');
  const after = Library.open(db);
  assert.deepEqual(after.models.list(), []);
  assert.deepEqual(after.predictions.forPhoto(photoId), []);
  assert.equal(after.photos.get(photoId)?.status, 'confirmed', "the ranger's review is kept");
  after.close();
});

test('classify with a second model keeps the first model predictions', { skip: skipUnlessShared('models/tfjs-mobilenet-waste/model.json') }, async () => {
  const db = path.join(dir, 'lib2', 'library.sqlite');
  const pack = await writeDemoModelPack(path.join(dir, 'demo-model-2'));
  const card = await writeDemoCard(path.join(dir, 'card2'), 3);
  assert.equal((await runCli(['models', 'add', pack, '--db', db])).code, 0);
  assert.equal((await runCli(['import', card.folder, '--db', db])).code, 0);
  const second = await runCli(['models', 'add', sharedPath('models/tfjs-mobilenet-waste'), '--db', db, '--json']);
  assert.equal(second.code, 0, second.stderr);
  const waste = JSON.parse(second.stdout);
  assert.equal(waste.isActive, false);
  const classified = await runCli(['classify', '--model', String(waste.id), '--db', db, '--json']);
  assert.equal(classified.code, 0, classified.stderr);
  assert.equal(JSON.parse(classified.stdout).classified, 3);
  const library = Library.open(db);
  for (const photo of library.photos.query()) {
    assert.deepEqual(library.predictions.forPhoto(photo.id).map((p) => p.modelId).sort(), [1, waste.id].sort());
  }
  library.close();
  const nothingLeft = await runCli(['classify', '--model', String(waste.id), '--db', db, '--json']);
  assert.equal(JSON.parse(nothingLeft.stdout).classified, 0, 'photos already classified by that model are not redone');
});

test('a file that is not a model pack is refused with a message naming it', async () => {
  const db = path.join(dir, 'lib3', 'library.sqlite');
  const bogus = path.join(dir, 'bogus.h5');
  fs.writeFileSync(bogus, 'not an HDF5 file at all');
  const result = await runCli(['models', 'add', bogus, '--db', db]);
  assert.equal(result.code, 5, 'model errors exit 5');
  assert.match(result.stderr, /bogus\.h5/);
  const list = await runCli(['models', 'list', '--db', db, '--json']);
  assert.deepEqual(JSON.parse(list.stdout), []);
});
