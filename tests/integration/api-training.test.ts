import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallName, CallResult, EventMap, EventName } from '../../main/api/contract.js';
import { openStation } from '../../main/api/station.js';
import { writeDemoModelPack } from '../../main/core/demo/demo-model.js';
import { writeDemoCard } from '../../main/core/demo/sample-card.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { addModelToLibrary, openLibraryModel } from '../../main/core/vision/open-classifier.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Training as the Train screen drives it: a background job through the dispatcher, progress events, the stored report. */
describe('training through the API', () => {
  const dir = makeTempDir();
  const station = openStation({ databasePath: path.join(dir, 'library.sqlite') });
  after(() => station.close());

  /** A call that must succeed, typed by the contract. */
  async function value<K extends CallName>(name: K, args: unknown): Promise<CallResult<K>> {
    const outcome = await station.dispatch(name, args);
    assert.ok(outcome.ok, outcome.ok ? '' : `${name}: ${outcome.error.code} ${outcome.error.message}`);
    return outcome.value as CallResult<K>;
  }

  function nextEvent<E extends EventName>(name: E, seen?: EventName[]): Promise<EventMap[E]> {
    return new Promise((resolve) => {
      const unsubscribe = station.events.subscribe((eventName: EventName, payload) => {
        seen?.push(eventName);
        if (eventName !== name) return;
        unsubscribe();
        resolve(payload as EventMap[E]);
      });
    });
  }

  test('training:start without an active model is refused with MODEL_NOT_FOUND', async () => {
    const empty = openStation({ databasePath: path.join(dir, 'empty.sqlite') });
    try {
      const outcome = await empty.dispatch('training:start', {});
      assert.equal(outcome.ok ? null : outcome.error.code, 'MODEL_NOT_FOUND');
    } finally {
      await empty.close();
    }
  });

  let truth: Record<string, string> = {};
  before(async () => {
    const pack = await writeDemoModelPack(path.join(dir, 'demo-model'));
    const card = await writeDemoCard(path.join(dir, 'card'), 24);
    truth = card.truth;
    const model = await addModelToLibrary(station.library, pack, { settings: station.settings, activate: true });
    const classifier = await openLibraryModel(model, station.settings);
    await importFolder(station.library, card.folder, { settings: station.settings, classifier }).finally(() => classifier.close());
  });

  test('training:start before any review is refused with TRAINING_DATA_INSUFFICIENT, at once', async () => {
    const outcome = await station.dispatch('training:start', {});
    assert.equal(outcome.ok ? null : outcome.error.code, 'TRAINING_DATA_INSUFFICIENT');
    assert.equal(station.jobs.status().running, null, 'no job was started');
  });

  test('a training job reports progress, refuses a second job, and its report comes back by model id', async () => {
    for (const photo of station.library.photos.query({})) {
      const species = truth[path.basename(photo.path)]!;
      await station.dispatch('reviews:record', { photoId: photo.id, decision: photo.prediction?.label === species ? 'confirmed' : 'corrected', species });
    }
    const seen: EventName[] = [];
    const finished = nextEvent('training:finished', seen);
    const started = await value('training:start', { seed: 5, epochs: 30 });
    assert.equal(started.photos, 24);
    const busy = await station.dispatch('models:reclassify', undefined);
    assert.equal(busy.ok ? null : busy.error.code, 'BUSY');
    const result = await finished;
    assert.equal(result.error, null);
    assert.ok(result.modelId !== null);
    assert.ok(seen.includes('training:progress'));

    const report = await value('training:report', { modelId: result.modelId });
    assert.ok(report);
    const evaluation = report.evaluation;
    assert.equal(evaluation.confusion.length, evaluation.labels.length);
    assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), evaluation.examples);
    for (const wrong of evaluation.misclassified) assert.ok(wrong.photoId !== null && station.library.photos.get(wrong.photoId));

    const versions = await value('training:versions', undefined);
    assert.deepEqual(versions.map((version) => version.trainedAt !== null), [false, true]);
    assert.equal(await value('training:report', { modelId: versions[0]!.id }), null, 'the backbone has no training report');
    assert.equal(station.library.models.active()?.id, versions[0]!.id, 'without activate the backbone stays active');
  });
});
