import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { importBaselineFile } from '../../main/core/geo/baseline.js';
import { gridCellOf } from '../../main/core/geo/grid.js';
import { observationOf, reviewObservation } from '../../main/core/geo/observations.js';
import { loadZonesFile } from '../../main/core/geo/zones.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { type AlertRow, Library, type PhotoSummary } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const HOGWEED = 'Heracleum mantegazzianum';
const BALSAM = 'Impatiens glandulifera';
const KNOTWEED = 'Reynoutria japonica';
const LABELS = [HOGWEED, BALSAM, KNOTWEED];
const geo = DEFAULT_SETTINGS.geo;

// Swiss National Park area: Val Trupchun west of 10.2° E, Ofenpass east of it.
const ZONES = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { name: 'Val Trupchun' }, geometry: { type: 'Polygon', coordinates: [[[10.0, 46.6], [10.2, 46.6], [10.2, 46.8], [10.0, 46.8], [10.0, 46.6]]] } },
    { type: 'Feature', properties: { name: 'Ofenpass' }, geometry: { type: 'Polygon', coordinates: [[[10.2, 46.6], [10.4, 46.6], [10.4, 46.8], [10.2, 46.8], [10.2, 46.6]]] } },
  ],
};

// Photo files (real JPEGs with EXIF GPS and times) and the probabilities the classifier gave them.
const PHOTOS = {
  'hogweed-1.JPG': { photo: { seed: 1, latitude: 46.7, longitude: 10.05, capturedAt: '2026-06-01T10:00:00', offset: '+02:00' }, p: [0.9, 0.05, 0.05] },
  // Same plant, 4 m away, a minute later: one observation with the first.
  'hogweed-2.JPG': { photo: { seed: 2, latitude: 46.70003, longitude: 10.05002, capturedAt: '2026-06-01T10:01:00', offset: '+02:00' }, p: [0.7, 0.2, 0.1] },
  'balsam-ofenpass.JPG': { photo: { seed: 3, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T11:00:00', offset: '+02:00' }, p: [0.1, 0.8, 0.1] },
  // Too unsure to alert until a ranger confirms it.
  'knotweed-unsure.JPG': { photo: { seed: 4, latitude: 46.75, longitude: 10.35, capturedAt: '2026-06-01T12:00:00', offset: '+02:00' }, p: [0.3, 0.3, 0.4] },
  // Balsam where the baseline already knows it.
  'balsam-known.JPG': { photo: { seed: 5, latitude: 46.72, longitude: 10.06, capturedAt: '2026-06-01T13:00:00', offset: '+02:00' }, p: [0.05, 0.9, 0.05] },
} as const;

const dir = makeTempDir();
const card = path.join(dir, 'card');
const databasePath = path.join(dir, 'library', 'library.sqlite');
let library: Library;
let photoIds: Record<keyof typeof PHOTOS, number>;
let modelId: number;

/** The classify stage's output, stored as the import stores it. */
function storePredictions(): void {
  for (const [name, { p }] of Object.entries(PHOTOS)) {
    const id = photoIds[name as keyof typeof PHOTOS];
    if (!library.predictions.has(id, modelId)) {
      library.predictions.save({ photoId: id, modelId, labels: LABELS, probabilities: Float32Array.from(p), topK: 3 });
    }
  }
}

async function importCard(): Promise<void> {
  await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
  const byName = Object.fromEntries(library.photos.query().map((photo: PhotoSummary) => [path.basename(photo.path), photo.id]));
  photoIds = byName as typeof photoIds;
  storePredictions();
}

function find(kind: AlertRow['kind'], species: string, place?: string): AlertRow | undefined {
  return library.alerts.list().find((alert) => alert.kind === kind && alert.species === species && (place === undefined || alert.placeLabel.startsWith(place)));
}

before(async () => {
  await writeCard(card, Object.fromEntries(Object.entries(PHOTOS).map(([name, { photo }]) => [`DCIM/${name}`, photo])));
  library = Library.open(databasePath);
  modelId = library.models.add({
    name: 'test invasives',
    version: '1',
    contentHash: 'a'.repeat(64),
    format: 'onnx',
    sourcePath: dir,
    labels: [...LABELS],
    preprocessing: {},
  }).id;
  library.models.setActive(modelId);
  await importCard();
  fs.writeFileSync(path.join(dir, 'zones.geojson'), JSON.stringify(ZONES));
  loadZonesFile(library, path.join(dir, 'zones.geojson'), 'zone');
  fs.writeFileSync(path.join(dir, 'past.csv'), `scientificName,decimalLatitude,decimalLongitude,eventDate\n${BALSAM},46.72,10.06,2019-07-01\n`);
  assert.deepEqual(importBaselineFile(library, path.join(dir, 'past.csv')), { records: 1, added: 1 });
});

test('the first refresh raises new-species, new-zone and new-cell alerts, predicted-only, not for known places', () => {
  const result = refreshAlerts(library, geo);
  assert.equal(result.observations, 4, 'the two hogweed photos are one observation');
  const keys = library.alerts.list().map((alert) => `${alert.kind} ${alert.species} ${alert.kind === 'new-cell' ? 'cell' : alert.placeLabel}`).sort();
  assert.deepEqual(keys, [
    `new-cell ${BALSAM} cell`,
    `new-cell ${HOGWEED} cell`,
    `new-species ${HOGWEED} first record at this station`,
    `new-zone ${BALSAM} Ofenpass`,
    `new-zone ${HOGWEED} Val Trupchun`,
  ].sort());
  assert.equal(result.raised.length, 5);
  assert.ok(library.alerts.list().every((alert) => alert.evidence === 'predicted' && alert.state === 'new'));
  const hogweedZone = find('new-zone', HOGWEED)!;
  assert.deepEqual(hogweedZone.photoIds, [photoIds['hogweed-1.JPG'], photoIds['hogweed-2.JPG']].sort((a, b) => a - b));
  assert.equal(hogweedZone.detail.sightings, 1, 'a burst counts once');
  // The group prediction is the mean of the two photos' probabilities: (0.9 + 0.7) / 2.
  assert.ok(Math.abs((hogweedZone.detail.bestScore as number) - 0.8) < 1e-4);
  const balsamCell = find('new-cell', BALSAM)!;
  assert.deepEqual(balsamCell.photoIds, [photoIds['balsam-ofenpass.JPG']]);
  assert.equal(
    gridCellOf(46.72, 10.06, geo.gridCellMetres).key,
    gridCellOf(library.photos.get(photoIds['balsam-known.JPG'])!.latitude!, library.photos.get(photoIds['balsam-known.JPG'])!.longitude!, geo.gridCellMetres).key,
    'precondition: the known balsam photo lies in the baseline record’s cell',
  );
});

test('refreshing again raises nothing and changes nothing (once and only once)', () => {
  const before = JSON.stringify(library.alerts.list());
  const again = refreshAlerts(library, geo);
  assert.equal(again.raised.length, 0);
  assert.equal(again.updated, 0);
  assert.equal(again.withdrawn, 0);
  assert.equal(JSON.stringify(library.alerts.list()), before);
});

test('a new-species alert stored with the old place wording ("the library") reads "first record at this station" after the next refresh, its state kept', () => {
  const alert = find('new-species', HOGWEED)!;
  library.alerts.acknowledge(alert.id);
  library.alerts.upsert({ kind: 'new-species', species: HOGWEED, placeKey: '', placeLabel: 'the library', confirmed: false, photoIds: alert.photoIds, detail: alert.detail });
  assert.equal(library.alerts.get(alert.id)!.placeLabel, 'the library', 'precondition: as an older version stored it');
  const result = refreshAlerts(library, geo);
  assert.deepEqual([result.raised.length, result.updated], [0, 1]);
  const relabelled = library.alerts.get(alert.id)!;
  assert.deepEqual([relabelled.placeLabel, relabelled.state], ['first record at this station', 'acknowledged']);
  library.alerts.reopen(alert.id);
});

test('dismissed and acknowledged alerts keep their state after re-importing the same card', async () => {
  const hogweedZone = find('new-zone', HOGWEED)!;
  const balsamZone = find('new-zone', BALSAM)!;
  assert.throws(() => library.alerts.dismiss(hogweedZone.id, '  '), /needs a reason/);
  library.alerts.dismiss(hogweedZone.id, 'garden escape, removed in 2025');
  library.alerts.acknowledge(balsamZone.id);
  await importCard();
  const result = refreshAlerts(library, geo);
  assert.equal(result.raised.length, 0);
  assert.equal(library.alerts.get(hogweedZone.id)!.state, 'dismissed');
  assert.equal(library.alerts.get(hogweedZone.id)!.dismissReason, 'garden escape, removed in 2025');
  assert.equal(library.alerts.get(balsamZone.id)!.state, 'acknowledged');
  assert.equal(library.alerts.list().length, 5);
});

test('a ranger confirming an unsure prediction raises its alerts, marked confirmed; one decision covers a burst', () => {
  assert.equal(find('new-species', KNOTWEED), undefined);
  reviewObservation(library, photoIds['knotweed-unsure.JPG'], { decision: 'confirmed', species: KNOTWEED, reviewer: 'A. Ranger' });
  const result = refreshAlerts(library, geo);
  assert.deepEqual(result.raised.map((alert) => alert.kind).sort(), ['new-cell', 'new-species', 'new-zone']);
  assert.ok(result.raised.every((alert) => alert.species === KNOTWEED && alert.evidence === 'confirmed'));
  assert.equal(find('new-zone', KNOTWEED)!.placeLabel, 'Ofenpass');

  const reviews = reviewObservation(library, photoIds['hogweed-2.JPG'], { decision: 'confirmed', species: HOGWEED });
  assert.equal(reviews.length, 2, 'both photos of the burst get the decision');
  assert.equal(observationOf(library, photoIds['hogweed-1.JPG'])!.evidence, 'confirmed');
  const confirmedRefresh = refreshAlerts(library, geo);
  assert.equal(confirmedRefresh.raised.length, 0);
  assert.equal(find('new-zone', HOGWEED)!.evidence, 'confirmed');
  assert.equal(find('new-zone', HOGWEED)!.state, 'dismissed', 'still dismissed once confirmed');
});

test('rejecting the only photo closes its alerts with that reason, acknowledged or not; undoing it reopens them', () => {
  const reviews = reviewObservation(library, photoIds['balsam-ofenpass.JPG'], { decision: 'rejected' });
  const result = refreshAlerts(library, geo);
  assert.equal(result.closed, 2);
  assert.equal(result.withdrawn, 0);
  for (const kind of ['new-cell', 'new-zone'] as const) {
    const alert = find(kind, BALSAM)!;
    assert.equal(alert.state, 'dismissed', `${kind} closed`);
    assert.match(alert.dismissReason!, /all 1 photo\(s\) were rejected/);
    assert.equal(alert.autoClosed, true);
  }
  for (const review of reviews) library.reviews.undoLatest(review.photoId);
  refreshAlerts(library, geo);
  assert.equal(find('new-cell', BALSAM)!.state, 'new', 'the photo counts again: the alert is open again');
  reviewObservation(library, photoIds['balsam-ofenpass.JPG'], { decision: 'rejected' });
  refreshAlerts(library, geo);
});

test('only the configured invasive species raise alerts (run last: it clears the alerts)', () => {
  for (const alert of library.alerts.list()) library.alerts.withdraw(alert.id);
  const result = refreshAlerts(library, { ...geo, invasiveSpecies: [KNOTWEED] });
  assert.ok(result.raised.length > 0);
  assert.deepEqual([...new Set(library.alerts.list().map((alert) => alert.species))], [KNOTWEED]);
});
