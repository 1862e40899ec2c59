import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallName, CallOutcome, CallResult } from '../../main/api/contract.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { DEFAULT_SETTINGS } from '../../main/core/settings.js';
import { type RunningServer, startServer } from '../../main/server/server.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The calls the review UI gained for issues 3 and 5 (species info, alerts, zones, hand
 * placement), through the real HTTP transport with a real library in a temp folder.
 */
describe('field calls over HTTP (species info, alerts, zones, placement)', () => {
  const dir = makeTempDir();
  let server: RunningServer;
  let photoIds: number[] = [];

  async function call<K extends CallName>(name: K, args: unknown): Promise<CallOutcome<K>> {
    const response = await fetch(`${server.origin}/api/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-invasives-token': server.token },
      body: JSON.stringify(args ?? {}),
    });
    assert.equal(response.status, 200);
    return (await response.json()) as CallOutcome<K>;
  }
  async function value<K extends CallName>(name: K, args: unknown): Promise<CallResult<K>> {
    const outcome = await call(name, args);
    assert.ok(outcome.ok, outcome.ok ? '' : `${name}: ${outcome.error.code} ${outcome.error.message}`);
    return outcome.value;
  }

  before(async () => {
    server = await startServer({
      databasePath: path.join(dir, 'library.sqlite'),
      rendererDir: dir,
      settings: { geo: { ...DEFAULT_SETTINGS.geo, alertMinScore: 0.3 } },
    });
    const card = path.join(dir, 'card');
    await writeCard(card, {
      'DCIM/IMG_0001.JPG': { seed: 1, latitude: -33.91, longitude: 18.42, capturedAt: '2026-05-01T09:00:00' },
      'DCIM/IMG_0002.JPG': { seed: 2, latitude: -33.95, longitude: 18.47, capturedAt: '2026-05-02T11:00:00' },
      'DCIM/IMG_0003.JPG': { seed: 3, capturedAt: '2026-05-03T15:00:00' },
    });
    await importFolder(server.station.library, card, { settings: server.station.settings });
    photoIds = server.station.library.photos.query({ order: 'added' }).map((photo) => photo.id);
  });
  after(() => server?.close());

  /** A model with per-class info text and (optionally) an open-set calibration, and a prediction for a photo. */
  function predict(photoId: number, probabilities: number[], options: { openSet?: boolean; hash: string }) {
    const library = server.station.library;
    const labels = ['Acacia dealbata', 'Arundo donax', 'Opuntia ficus-indica'];
    const model = library.models.add({
      name: 'test model',
      version: options.hash,
      contentHash: options.hash,
      format: 'onnx',
      sourcePath: dir,
      labels,
      labelInfo: ['Silver wattle, from south-east Australia.', null, 'Prickly pear.'],
      preprocessing: {},
      provenance: options.openSet
        ? {
            openSet: {
              method: 'nearest-centroid-cosine',
              quantile: 0.95,
              distanceThreshold: 0.2,
              probabilityThreshold: 0.6,
              centroids: [[1, 0], [0, 1], [-1, 0]],
              calibratedOn: 'validation',
              flaggedCount: 1,
              calibrationCount: 20,
            },
          }
        : undefined,
    });
    library.models.setActive(model.id);
    library.predictions.save({ photoId, modelId: model.id, labels, probabilities: Float32Array.from(probabilities), topK: 5 });
    return model;
  }

  test('photos:get gives each top class its info text and Wikipedia article', async () => {
    predict(photoIds[0]!, [0.7, 0.2, 0.1], { hash: 'model-a' });
    const detail = await value('photos:get', { id: photoIds[0] });
    assert.deepEqual(
      detail.classes.map((entry) => [entry.label, entry.info, entry.wikipediaUrl]),
      [
        ['Acacia dealbata', 'Silver wattle, from south-east Australia.', 'https://en.wikipedia.org/wiki/Acacia_dealbata'],
        ['Arundo donax', null, 'https://en.wikipedia.org/wiki/Arundo_donax'],
        ['Opuntia ficus-indica', 'Prickly pear.', 'https://en.wikipedia.org/wiki/Opuntia_ficus-indica'],
      ],
    );
    assert.equal(detail.openSet, null, 'a model without open-set calibration gives no verdict');
  });

  test('photos:get says "unknown" when a calibrated model is unsure, and not when it is sure', async () => {
    predict(photoIds[1]!, [0.4, 0.35, 0.25], { hash: 'model-b', openSet: true });
    const unsure = await value('photos:get', { id: photoIds[1] });
    assert.equal(unsure.openSet?.unknown, true);
    assert.equal(unsure.openSet?.basis, 'probabilities');
    server.station.library.predictions.save({
      photoId: photoIds[1]!,
      modelId: unsure.prediction!.modelId,
      labels: ['Acacia dealbata', 'Arundo donax', 'Opuntia ficus-indica'],
      probabilities: Float32Array.from([0.9, 0.05, 0.05]),
      topK: 5,
    });
    const sure = await value('photos:get', { id: photoIds[1] });
    assert.equal(sure.openSet?.unknown, false);
  });
});
