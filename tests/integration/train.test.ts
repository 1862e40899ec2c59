import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { buildDemoModel, writeDemoModelPack } from '../../main/core/demo/demo-model.js';
import { DEMO_SPECIES } from '../../main/core/demo/demo-species.js';
import { writeDemoCard } from '../../main/core/demo/sample-card.js';
import { StationError } from '../../main/core/errors.js';
import { classifyLibrary } from '../../main/core/ingest/classify-library.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { judgeUnknown, openSetOf } from '../../main/core/learning/open-set.js';
import { modelVersions, readTrainingReport, trainModel } from '../../main/core/learning/train-model.js';
import { Library, type ModelRow } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { compileKerasToOnnx } from '../../main/core/vision/onnx/compile-keras-to-onnx.js';
import { addModelToLibrary, openLibraryModel } from '../../main/core/vision/open-classifier.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const databasePath = path.join(dir, 'lib', 'library.sqlite');
const settings = resolveSettings({ databasePath });
let demoModel: ModelRow;
/** Photo id → the species drawn in it. */
const truth = new Map<number, string>();
const reviewed = new Set<number>();

// A library built the way a station builds it: demo model pack added, a card imported and
// classified through the real pipeline, then photos confirmed, corrected and rejected.
before(async () => {
  fs.mkdirSync(path.dirname(databasePath), { recursive: true });
  const pack = await writeDemoModelPack(path.join(dir, 'demo-model'));
  const card = await writeDemoCard(path.join(dir, 'card'), 36);
  const library = Library.open(databasePath);
  demoModel = await addModelToLibrary(library, pack, { settings, activate: true });
  const classifier = await openLibraryModel(demoModel, settings);
  await importFolder(library, card.folder, { settings, classifier }).finally(() => classifier.close());
  for (const photo of library.photos.query({ order: 'added' })) {
    const species = card.truth[path.basename(photo.path)]!;
    truth.set(photo.id, species);
    if (photo.id % 11 === 0) library.reviews.record({ photoId: photo.id, decision: 'rejected' });
    else {
      const decision = photo.prediction?.label === species ? 'confirmed' : 'corrected';
      library.reviews.record({ photoId: photo.id, decision, species });
      reviewed.add(photo.id);
    }
  }
  library.close();
});

test('training from the library registers a trained-head version with its report; the backbone stays active', async () => {
  const library = Library.open(databasePath);
  try {
    const progress: string[] = [];
    const result = await trainModel(library, { settings, seed: 3, onProgress: (p) => progress.push(p.stage) });
    const { model, report } = result;
    assert.equal(model.format, 'trained-head');
    assert.deepEqual(model.labels, [...new Set(truth.values())].sort());
    assert.ok(fs.existsSync(model.onnxPath!));
    assert.equal(library.models.active()?.id, demoModel.id, 'training does not switch models by itself');
    assert.equal(library.models.list().length, 2);

    assert.equal(report.trainingPhotos, reviewed.size, 'confirmed and corrected photos train; rejected ones do not');
    assert.deepEqual([...report.trainPhotoIds, ...report.validationPhotoIds].sort((a, b) => a - b), [...reviewed].sort((a, b) => a - b));
    assert.equal(report.embeddings.fromLibrary, reviewed.size, 'the embeddings stored at import are reused');
    assert.equal(report.embeddings.computed, 0);
    assert.equal(report.augmentedViews, undefined, 'no augmented views unless asked');
    assert.equal(report.parentModel.id, demoModel.id);
    assert.ok(!progress.includes('views') && progress.includes('training') && progress.includes('building'));

    const e = report.evaluation;
    assert.equal(e.examples, report.validationPhotoIds.length);
    assert.equal(e.confusion.flat().reduce((a, b) => a + b, 0), e.examples);
    const diagonal = e.confusion.reduce((sum, row, i) => sum + row[i]!, 0);
    assert.equal(e.top1, diagonal / e.examples);
    assert.equal(e.misclassified.length, e.examples - diagonal);
    for (const m of e.misclassified) assert.ok(report.validationPhotoIds.includes(m.photoId!));

    const stored = readTrainingReport(library.models.get(model.id)!);
    assert.equal(stored?.evaluation.top1, e.top1, 'the report is kept in the model provenance');
    assert.equal(model.provenance?.trainingPhotos, reviewed.size);
    const versions = modelVersions(library);
    assert.deepEqual(versions.map((v) => [v.id, v.isActive, v.top1, v.parentModelId]), [[demoModel.id, true, null, null], [model.id, false, e.top1, demoModel.id]]);
    const openSet = openSetOf(model);
    assert.ok(openSet && openSet.centroids.length === 3 && openSet.centroids[0]!.length === 8);

    // The new graph keeps the backbone: its embedding of a photo is the one stored at import.
    const classifier = await openLibraryModel(model, settings);
    try {
      const photo = library.photos.get(report.validationPhotoIds[0]!)!;
      const output = await classifier.classify({ bytes: fs.readFileSync(photo.path), path: photo.path });
      const storedEmbedding = library.predictions.vectorsOf(photo.id, demoModel.id)!.embedding!;
      output.embedding!.forEach((v, i) => assert.ok(Math.abs(v - storedEmbedding[i]!) <= 2e-3 * Math.max(1, Math.abs(v)), `feature ${i}`));
      assert.equal(output.probabilities.length, 3);
      // Every validation photo: the ONNX graph predicts what the report says it predicts.
      const wrong = new Set(e.misclassified.map((m) => m.photoId));
      for (const id of report.validationPhotoIds) {
        const p = library.photos.get(id)!;
        const out = await classifier.classify({ bytes: fs.readFileSync(p.path), path: p.path });
        const predicted = model.labels[out.probabilities.indexOf(Math.max(...out.probabilities))];
        assert.equal(predicted === truth.get(id), !wrong.has(id), `photo #${id}`);
      }
      const far = Float32Array.from(output.embedding!, (v, i) => (i % 2 ? 40 : -40) - v);
      assert.equal(judgeUnknown({ embedding: far }, model).unknown, true, 'an embedding unlike every species is unknown');
    } finally {
      await classifier.close();
    }
  } finally {
    library.close();
  }
});

test('the same data and seed give the same model; switching and re-classifying keeps the old predictions', async () => {
  const library = Library.open(databasePath);
  try {
    const first = library.models.list().find((m) => m.format === 'trained-head')!;
    const again = await trainModel(library, { settings, seed: 3 });
    assert.equal(again.model.contentHash, first.contentHash);
    assert.equal(again.model.id, first.id, 'no duplicate version');
    const other = await trainModel(library, { settings, seed: 4, name: 'seed four' });
    assert.notEqual(other.model.contentHash, first.contentHash);
    assert.equal(other.model.name, 'seed four');

    library.models.setActive(first.id);
    const classifier = await openLibraryModel(first, settings);
    const result = await classifyLibrary(library, classifier, { settings }).finally(() => classifier.close());
    assert.equal(result.failed.length, 0);
    assert.equal(result.classified, truth.size);
    for (const id of truth.keys()) {
      const models = library.predictions.forPhoto(id).map((p) => p.modelId).sort();
      assert.deepEqual(models, [demoModel.id, first.id].sort(), `photo #${id} keeps the backbone's prediction`);
    }
    // A trained version can itself be the backbone: its graph still emits the pooled features,
    // and the embeddings stored when it classified the library are reused.
    const chained = await trainModel(library, { settings, seed: 3, backbone: String(first.id), name: 'chained' });
    assert.equal(chained.report.parentModel.id, first.id);
    assert.equal(chained.report.embeddings.fromLibrary, reviewed.size);
    assert.deepEqual(chained.model.labels, first.labels);
    library.models.setActive(demoModel.id);
  } finally {
    library.close();
  }
});

test('invasives train prints the report; export-dataset writes image-classification-tf\'s layout, which reads back', async () => {
  const trained = await runCli(['train', '--db', databasePath, '--seed', '5', '--epochs', '30', '--name', 'from the CLI']);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /Validation \(\d+ photos held out\): top-1 [\d.]+%, top-5 100\.0%/);
  assert.match(trained.stdout, /true \\ predicted/);
  assert.match(trained.stdout, /Open set: .*exceeds \d\.\d{4}/);
  assert.match(trained.stdout, /invasives models use \d+/);
  const check = Library.open(databasePath);
  const cliModel = check.models.list().find((m) => m.name === 'from the CLI');
  check.close();
  assert.equal(cliModel?.format, 'trained-head');
  const report = readTrainingReport(cliModel!)!;
  assert.equal(report.seed, 5);
  assert.ok(report.head.epochsRun <= 30);
  const shown = await runCli(['train', '--show', String(cliModel!.id), '--db', databasePath]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`Trained model #${cliModel!.id} "from the CLI"`));
  assert.match(shown.stdout, /precision\s+recall\s+F1/);

  const out = path.join(dir, 'dataset');
  const exported = await runCli(['export-dataset', '--out', out, '--db', databasePath, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const classes = fs.readFileSync(path.join(out, 'dataset_files/classes.txt'), 'utf8').trimEnd().split('\n');
  assert.deepEqual(classes, [...new Set(truth.values())].sort());
  const info = fs.readFileSync(path.join(out, 'dataset_files/info.txt'), 'utf8').trimEnd().split('\n');
  assert.equal(info.length, classes.length);
  const lines = ['train', 'val'].flatMap((split) => fs.readFileSync(path.join(out, `dataset_files/${split}.txt`), 'utf8').trimEnd().split('\n'));
  assert.equal(lines.length, reviewed.size);
  const library = Library.open(databasePath);
  const byContent = new Map([...truth.keys()].map((id) => [fs.readFileSync(library.photos.get(id)!.path).toString('base64'), id]));
  library.close();
  for (const line of lines) {
    const parts = line.split(' ');
    assert.equal(parts.length, 2, `"${line}": path and label separated by one space, no space in the path`);
    const [relative, label] = parts as [string, string];
    const id = byContent.get(fs.readFileSync(path.join(out, 'images', relative)).toString('base64'));
    assert.ok(id !== undefined && reviewed.has(id), `${relative} is a copy of a reviewed photo`);
    assert.equal(classes[Number(label)], truth.get(id), `${relative} carries its species' label index`);
  }
  const again = await runCli(['export-dataset', '--out', out, '--db', databasePath]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /not empty/);
});

test('training with a single species says what is missing', async () => {
  const folders = path.join(dir, 'one-species', 'Fallopia japonica');
  fs.mkdirSync(folders, { recursive: true });
  for (const name of fs.readdirSync(path.join(dir, 'card', 'DCIM', '100DEMO')).slice(0, 3)) {
    fs.copyFileSync(path.join(dir, 'card', 'DCIM', '100DEMO', name), path.join(folders, name));
  }
  const library = Library.open(path.join(dir, 'other', 'library.sqlite'));
  try {
    await assert.rejects(
      trainModel(library, { settings: resolveSettings({ databasePath: library.databasePath }), fromFolders: path.dirname(folders), backbone: path.join(dir, 'demo-model') }),
      (error: unknown) => error instanceof StationError && error.code === 'TRAINING_DATA_INSUFFICIENT' && /at least 2 species/.test(error.message),
    );
  } finally {
    library.close();
  }
});

test('a backbone without pooled features is refused with the reason', async () => {
  // The demo model as a plain ONNX pack compiled without its embedding output.
  const packDir = path.join(dir, 'no-embedding');
  fs.mkdirSync(packDir, { recursive: true });
  const model = await buildDemoModel();
  fs.writeFileSync(path.join(packDir, 'model.onnx'), compileKerasToOnnx(model));
  model.dispose();
  fs.writeFileSync(path.join(packDir, 'labels.txt'), `${DEMO_SPECIES.map((s) => s.label).join('\n')}\n`);
  fs.copyFileSync(path.join(dir, 'demo-model', 'preprocessing.json'), path.join(packDir, 'preprocessing.json'));
  const library = Library.open(databasePath);
  try {
    await assert.rejects(
      trainModel(library, { settings, backbone: path.join(packDir, 'model.onnx') }),
      (error: unknown) => error instanceof StationError && error.code === 'MODEL_UNSUPPORTED' && /gives no embedding \(pooled features\), so it cannot be a backbone/.test(error.message),
    );
    assert.equal(library.models.list().filter((m) => m.format === 'trained-head' && m.sourcePath.includes('no-embedding')).length, 0);
  } finally {
    library.close();
  }
});
