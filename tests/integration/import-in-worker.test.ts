import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { writeDemoModelPack } from '../../main/core/demo/demo-model.js';
import { writeDemoCard } from '../../main/core/demo/sample-card.js';
import { StationError } from '../../main/core/errors.js';
import type { ImportProgress } from '../../main/core/ingest/import-events.js';
import { importFolderInWorker } from '../../main/core/ingest/import-in-worker.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { addModelToLibrary } from '../../main/core/vision/open-classifier.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();

test('an import in a worker thread classifies with the active model and streams progress', async () => {
  const settings = resolveSettings({ databasePath: path.join(dir, 'lib', 'library.sqlite') });
  const card = await writeDemoCard(path.join(dir, 'card'), 6);
  const library = Library.open(settings.databasePath);
  const model = await addModelToLibrary(library, await writeDemoModelPack(path.join(dir, 'model')), { settings, activate: true });

  const progress: ImportProgress[] = [];
  const result = await importFolderInWorker({ rootPath: card.folder, settings, classify: true, onProgress: (p) => progress.push(p) });
  assert.equal(result.summary.state, 'completed');
  assert.equal(result.summary.photosNew, 6);
  assert.equal(result.summary.filesFailed, 1, 'the demo card has one truncated file');
  assert.equal(progress.at(-1)?.filesDone, 7);
  // The worker wrote through its own connection; this one sees every row.
  const photos = library.photos.query();
  assert.equal(photos.length, 6);
  assert.ok(photos.every((photo) => photo.prediction?.modelId === model.id));
  library.close();
});

test('cancelling stops the worker import, which the next run resumes', async () => {
  const settings = resolveSettings({ databasePath: path.join(dir, 'lib2', 'library.sqlite'), importConcurrency: 1 });
  const card = await writeDemoCard(path.join(dir, 'card2'), 12);
  const controller = new AbortController();
  const first = await importFolderInWorker({
    rootPath: card.folder,
    settings,
    classify: false,
    signal: controller.signal,
    onProgress: (p) => p.filesDone >= 3 && controller.abort(),
  });
  assert.equal(first.summary.state, 'cancelled');
  assert.ok(first.summary.filesPending > 0);
  const second = await importFolderInWorker({ rootPath: card.folder, settings, classify: false });
  assert.equal(second.resumed, true);
  assert.equal(second.summary.photosNew, 12);
});

test('errors from the worker keep their code and message', async () => {
  const settings = resolveSettings({ databasePath: path.join(dir, 'lib3', 'library.sqlite') });
  await assert.rejects(
    importFolderInWorker({ rootPath: path.join(dir, 'no-such-card'), settings, classify: false }),
    (error: unknown) => error instanceof StationError && error.code === 'FOLDER_NOT_FOUND' && /no-such-card/.test(error.message),
  );
});
