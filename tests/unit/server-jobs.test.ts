import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { EventMap, EventName } from '../../main/api/contract.js';
import { openStation } from '../../main/api/station.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { writeTinyOnnx } from '../fixtures/make-model-packs.js';
import { chooseInDialog } from '../helpers/input-files.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** The station's background jobs through the dispatcher, as either transport calls them. */
describe('background jobs (import, re-classify)', () => {
  const dir = makeTempDir();
  const station = openStation({ databasePath: path.join(dir, 'library.sqlite') });
  after(() => station.close());

  function nextEvent<E extends EventName>(name: E): Promise<EventMap[E]> {
    return new Promise((resolve) => {
      const unsubscribe = station.events.subscribe((eventName, payload) => {
        if (eventName !== name) return;
        unsubscribe();
        resolve(payload as EventMap[E]);
      });
    });
  }

  test('an import runs in the background, refuses a second job, and reports when finished', async () => {
    const card = path.join(dir, 'card');
    await writeCameraCard(card, 4);
    const finished = nextEvent('import:finished');
    const started = await station.dispatch('import:start', { rootPath: card });
    assert.deepEqual(started, { ok: true, value: { rootPath: card } });
    const second = await station.dispatch('import:start', { rootPath: card });
    assert.equal(second.ok ? null : second.error.code, 'BUSY');
    const status = await station.dispatch('import:status', undefined);
    assert.ok(status.ok && status.value.running === 'import');
    const result = await finished;
    assert.equal(result.error, null);
    assert.equal(result.summary?.photosNew, 4);
    const after = await station.dispatch('import:status', undefined);
    assert.ok(after.ok && after.value.running === null && after.value.lastImport?.summary?.id === result.summary?.id);
  });

  test('a cancelled import stops early and resumes when the folder is imported again', async () => {
    const card = path.join(dir, 'card-2');
    await writeCameraCard(card, 12, { make: 'Nikon' });
    const cancelled = nextEvent('import:finished');
    assert.ok((await station.dispatch('import:start', { rootPath: card })).ok);
    assert.deepEqual(await station.dispatch('import:cancel', undefined), { ok: true, value: { cancelled: true } });
    const first = await cancelled;
    assert.equal(first.cancelled, true);
    assert.ok((first.summary?.filesDone ?? 0) < 12, 'files were left for later');

    const resumed = nextEvent('import:finished');
    assert.ok((await station.dispatch('import:start', { rootPath: card })).ok);
    const second = await resumed;
    assert.equal(second.resumed, true);
    assert.equal(second.summary?.state, 'completed');
    assert.equal(station.library.photos.count({ camera: 'Nikon EOS 80D' }), 12);
  });

  test('re-classify without an active model is refused with MODEL_NOT_FOUND', async () => {
    const outcome = await station.dispatch('models:reclassify', undefined);
    assert.equal(outcome.ok ? null : outcome.error.code, 'MODEL_NOT_FOUND');
  });

  test('a pack added through the API re-classifies the photos imported without a model', async () => {
    const pack = path.join(dir, 'pack');
    writeTinyOnnx(path.join(pack, 'model.onnx'), { size: 16, classes: 3, seed: 3 });
    fs.writeFileSync(path.join(pack, 'classes.txt'), 'Acacia dealbata\nArundo donax\nnot a plant\n');
    fs.writeFileSync(path.join(pack, 'preprocessing.json'), JSON.stringify({ mean: [127.5, 127.5, 127.5], mode: 'tf' }));
    const added = await station.dispatch('models:add', { file: chooseInDialog(station, pack, 'model-pack').handle, activate: true });
    assert.ok(added.ok, added.ok ? '' : added.error.message);
    assert.equal(added.value.isActive, true);
    assert.equal(station.library.stats().withPrediction, 0);

    const finished = nextEvent('classify:finished');
    const started = await station.dispatch('models:reclassify', undefined);
    assert.deepEqual(started, { ok: true, value: { modelId: added.value.id } });
    const result = await finished;
    assert.deepEqual({ classified: result.classified, failed: result.failed, error: result.error }, { classified: 16, failed: 0, error: null });
    assert.equal(station.library.stats().withPrediction, 16);
    const species = await station.dispatch('species:list', undefined);
    assert.ok(species.ok && species.value.modelLabels.length === 3);
  });

  test('a pack path that does not exist fails with a message naming it', async () => {
    const missing = path.join(dir, 'no-such-pack');
    const outcome = await station.dispatch('models:add', { file: chooseInDialog(station, missing, 'model-pack').handle });
    assert.ok(!outcome.ok);
    assert.notEqual(outcome.error.code, 'INTERNAL');
    assert.ok(outcome.error.message.includes(missing), outcome.error.message);
  });
});
