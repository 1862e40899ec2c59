import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallName, EventMap } from '../../main/api/contract.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { DEFAULT_SETTINGS } from '../../main/core/settings.js';
import type { RunningServer } from '../../main/server/server.js';
import { writeCard } from '../fixtures/make-card.js';
import { callOverHttp, startServerInDir, valueOverHttp } from '../helpers/api-over-http.js';
import { downloadOverHttp, uploadOverHttp } from '../helpers/input-files.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The calls the review UI gained for issues 3 and 5 (species info, alerts, zones, hand
 * placement), through the real HTTP transport with a real library in a temp folder.
 */
describe('field calls over HTTP (species info, alerts, zones, placement)', () => {
  const dir = makeTempDir();
  let server: RunningServer;
  let photoIds: number[] = [];

  const call = <K extends CallName>(name: K, args: unknown) => callOverHttp(server, name, args);
  const value = <K extends CallName>(name: K, args: unknown) => valueOverHttp(server, name, args);

  before(async () => {
    server = await startServerInDir(dir, { settings: { geo: { ...DEFAULT_SETTINGS.geo, alertMinScore: 0.3 } } });
    const card = path.join(dir, 'card');
    await writeCard(card, {
      'DCIM/IMG_0001.JPG': { seed: 1, latitude: -33.91, longitude: 18.42, capturedAt: '2026-05-01T09:00:00' },
      'DCIM/IMG_0002.JPG': { seed: 2, latitude: -33.95, longitude: 18.47, capturedAt: '2026-05-02T11:00:00' },
      'DCIM/IMG_0003.JPG': { seed: 3, capturedAt: '2026-05-03T15:00:00' },
    });
    await importFolder(server.station.library, card, { settings: server.station.settings });
    // By file name: the import works on files in parallel, so ids do not follow the names.
    const byName = new Map(server.station.library.photos.query({}).map((photo) => [path.basename(photo.path), photo.id]));
    photoIds = ['IMG_0001.JPG', 'IMG_0002.JPG', 'IMG_0003.JPG'].map((name) => byName.get(name)!);
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

  function nextAlertsChange(): Promise<EventMap['alerts:changed']> {
    return new Promise((resolve) => {
      const unsubscribe = server.station.events.subscribe((name, payload) => {
        if (name !== 'alerts:changed') return;
        unsubscribe();
        resolve(payload as EventMap['alerts:changed']);
      });
    });
  }

  test('alerts:refresh raises predicted-only alerts once; the list filters by state and kind', async () => {
    const changed = nextAlertsChange();
    const first = await value('alerts:refresh', undefined);
    assert.ok(first.raised >= 2, `raised ${first.raised}`);
    assert.equal((await changed).open, first.open);
    const again = await value('alerts:refresh', undefined);
    assert.equal(again.raised, 0, 'a second refresh raises nothing new');

    const newSpecies = await value('alerts:list', { kind: 'new-species' });
    assert.deepEqual(newSpecies.map((alert) => [alert.species, alert.state, alert.evidence]), [['Acacia dealbata', 'new', 'predicted']]);
    assert.deepEqual(newSpecies[0]!.photoIds, [photoIds[0]!, photoIds[1]!].sort((a, b) => a - b));
    const all = await value('alerts:list', {});
    assert.ok(all.some((alert) => alert.kind === 'new-cell'));
    assert.deepEqual(await value('alerts:counts', undefined), { new: all.length, acknowledged: 0, dismissed: 0 });
  });

  test('acknowledge, dismiss with a reason and reopen change the state, and a refresh keeps it', async () => {
    const [alert, other] = await value('alerts:list', { state: 'new' });
    assert.ok(alert && other);
    assert.equal((await value('alerts:acknowledge', { alertId: alert.id })).state, 'acknowledged');
    const noReason = await call('alerts:dismiss', { alertId: other.id, reason: '   ' });
    assert.equal(noReason.ok ? null : noReason.error.code, 'BAD_ARGUMENTS');
    const dismissed = await value('alerts:dismiss', { alertId: other.id, reason: 'known planting' });
    assert.deepEqual([dismissed.state, dismissed.dismissReason], ['dismissed', 'known planting']);

    await value('alerts:refresh', undefined);
    assert.equal((await value('alerts:list', { state: 'dismissed' }))[0]?.id, other.id);
    assert.equal((await value('alerts:list', { state: 'acknowledged' }))[0]?.id, alert.id);
    const counts = await value('alerts:counts', undefined);
    assert.deepEqual([counts.acknowledged, counts.dismissed], [1, 1]);

    const reopened = await value('alerts:reopen', { alertId: other.id });
    assert.deepEqual([reopened.state, reopened.dismissReason], ['new', null]);
    const missing = await call('alerts:acknowledge', { alertId: 99_999 });
    assert.equal(missing.ok ? null : missing.error.code, 'NOT_FOUND');
  });

  test('a confirming review refreshes the alerts on its own: the alert becomes confirmed', async () => {
    const changed = nextAlertsChange();
    await value('reviews:record', { photoId: photoIds[0], decision: 'confirmed' });
    await changed;
    const [alert] = await value('alerts:list', { kind: 'new-species' });
    assert.equal(alert?.evidence, 'confirmed');
    assert.equal(alert?.placeLabel, 'first record at this station', 'the Alerts screen says the species was never recorded here before');
  });

  test('zones:load stores uploaded zones (never a path), zones:list returns them, and new-zone alerts follow', async () => {
    const file = path.join(dir, 'zones.geojson');
    const square = (lon: number, lat: number, d: number) => [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]];
    fs.writeFileSync(file, JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { name: 'Lower slopes' }, geometry: { type: 'Polygon', coordinates: square(18.42, -33.91, 0.01) } }],
    }));
    const byPath = await call('zones:load', { path: file, kind: 'zone' });
    assert.equal(byPath.ok ? null : byPath.error.code, 'BAD_ARGUMENTS', 'a path is not an argument the page can give');
    const upload = await uploadOverHttp(server, 'zones', file);
    assert.deepEqual([upload.name, upload.files, upload.purpose], ['zones.geojson', 1, 'zones']);
    const loaded = await value('zones:load', { file: upload.handle, kind: 'zone' });
    assert.deepEqual(loaded.map((zone) => [zone.kind, zone.name]), [['zone', 'Lower slopes']]);
    assert.deepEqual((await value('zones:list', undefined)).map((zone) => zone.name), ['Lower slopes']);
    const zoneAlerts = await value('alerts:list', { kind: 'new-zone' });
    assert.deepEqual(zoneAlerts.map((alert) => [alert.placeLabel, alert.photoIds]), [['Lower slopes', [photoIds[0]]]]);

    fs.writeFileSync(path.join(dir, 'broken.geojson'), '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}]}');
    const broken = await call('zones:load', { file: (await uploadOverHttp(server, 'zones', path.join(dir, 'broken.geojson'))).handle, kind: 'park' });
    assert.equal(broken.ok ? null : broken.error.code, 'GEOJSON_INVALID');
    const again = await call('zones:load', { file: upload.handle, kind: 'zone' });
    assert.equal(again.ok ? null : again.error.code, 'NOT_FOUND', 'an upload serves one call');
    const picked = await value('files:pick', { purpose: 'zones' });
    assert.equal(picked, null, 'the browser transport has no native file chooser');
  });

  test('photos:place puts a photo without GPS on the map and in exports; photos:unplace takes it off', async () => {
    const unplaced = photoIds[2]!;
    assert.ok(!(await value('map:points', {})).some((point) => point.id === unplaced));
    const placed = await value('photos:place', { photoId: unplaced, latitude: -33.93, longitude: 18.45 });
    assert.deepEqual([placed.latitude, placed.longitude, placed.positionSource], [-33.93, 18.45, 'manual']);
    assert.ok((await value('map:points', {})).some((point) => point.id === unplaced && point.lat === -33.93));
    const exported = await value('export:geojson', {});
    const features = (JSON.parse((await downloadOverHttp(server, exported.file)).text) as { features: { properties: Record<string, unknown> }[] }).features;
    assert.equal(features.length, 3, 'the placed photo is exported too');

    const outside = await call('photos:place', { photoId: unplaced, latitude: 95, longitude: 0 });
    assert.equal(outside.ok ? null : outside.error.code, 'BAD_ARGUMENTS');
    const cleared = await value('photos:unplace', { photoId: unplaced });
    assert.deepEqual([cleared.latitude, cleared.positionSource], [null, null]);
  });

  test('gpx:match places a photo from an uploaded track; baseline:load reads uploaded past records; neither takes a path', async () => {
    const unplaced = photoIds[2]!;
    const track = path.join(dir, 'walk.gpx');
    // The photo says 15:00 local time without a zone; the camera was at +02:00, so 13:00 UTC.
    fs.writeFileSync(track, `<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="-33.9300" lon="18.4500"><time>2026-05-03T12:59:00Z</time></trkpt>
<trkpt lat="-33.9320" lon="18.4520"><time>2026-05-03T13:01:00Z</time></trkpt></trkseg></trk></gpx>`);
    const byPath = await call('gpx:match', { path: track });
    assert.equal(byPath.ok ? null : byPath.error.code, 'BAD_ARGUMENTS');
    const report = await value('gpx:match', { file: (await uploadOverHttp(server, 'gpx', track)).handle, utcOffset: '+02:00' });
    assert.deepEqual(report.placed.map((placed) => placed.photoId), [unplaced]);
    const photo = server.station.library.photos.get(unplaced)!;
    assert.equal(photo.positionSource, 'gpx');
    assert.ok(Math.abs(photo.latitude! - -33.931) < 1e-6, `interpolated between the two fixes (${photo.latitude})`);

    const past = path.join(dir, 'past.csv');
    fs.writeFileSync(past, 'species,latitude,longitude,date\nArundo donax,-33.91,18.42,2019-06-30\nArundo donax,-33.95,18.47,2020-01-01\n');
    assert.deepEqual(await value('baseline:load', { file: (await uploadOverHttp(server, 'baseline', past)).handle }), { records: 2, added: 2 });
    const broken = path.join(dir, 'notes.csv');
    fs.writeFileSync(broken, 'secret-column,other\nhunter2,x\n');
    const refused = await call('baseline:load', { file: (await uploadOverHttp(server, 'baseline', broken)).handle });
    assert.equal(refused.ok ? null : refused.error.code, 'BASELINE_INVALID');
    assert.ok(!JSON.stringify(refused).includes('hunter2') && !JSON.stringify(refused).includes('secret-column'), 'the error does not quote the file');
  });
});

describe('alerts after a background import', () => {
  const dir = makeTempDir();
  let server: RunningServer;
  before(async () => {
    server = await startServerInDir(dir);
  });
  after(() => server?.close());

  test('the import job refreshes the alerts when the worker finishes and reports it with import:finished', async () => {
    const card = path.join(dir, 'card');
    await writeCard(card, {
      'A.JPG': { seed: 1, latitude: -33.91, longitude: 18.42, capturedAt: '2026-05-01T09:00:00' },
      'B.JPG': { seed: 2, latitude: -34.5, longitude: 19.1, capturedAt: '2026-06-01T09:00:00' },
    });
    const events: string[] = [];
    const finished = new Promise<EventMap['import:finished']>((resolve) => {
      server.station.events.subscribe((name, payload) => {
        events.push(name);
        if (name === 'import:finished') resolve(payload as EventMap['import:finished']);
      });
    });
    assert.ok((await server.station.dispatch('import:start', { rootPath: card })).ok);
    const result = await finished;
    assert.equal(result.error, null);
    assert.equal(result.alerts?.observations, 2, 'the refresh saw both imported photos');
    assert.ok(events.indexOf('alerts:changed') >= 0 && events.indexOf('alerts:changed') < events.indexOf('import:finished'));
  });
});
