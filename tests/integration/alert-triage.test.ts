/**
 * Alert rules and triage on real JPEGs (EXIF GPS and times) imported into a real library:
 * spread vs new introduction, watch-list species near the park boundary, classes that cannot
 * occur here, per-species minimum scores and alerts off, unknown organisms per cell and
 * window, the configurable priority order, grouping with seen/unseen, bulk triage by filter
 * with the ranger and station recorded.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { groupAlerts, rankAlerts, rankingOf } from '../../main/core/geo/alert-triage.js';
import { UNKNOWN_ORGANISM, refreshAlerts } from '../../main/core/geo/alerts.js';
import { reviewObservation } from '../../main/core/geo/observations.js';
import { loadZonesFile } from '../../main/core/geo/zones.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import type { OpenSetCalibration } from '../../main/core/learning/open-set.js';
import { type AlertRow, Library } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { saveSpeciesEntries } from '../../main/core/species-list.js';
import { decisionMaker, readStationSettings, setStationSetting } from '../../main/core/station-settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const HOGWEED = 'Heracleum mantegazzianum';
const BALSAM = 'Impatiens glandulifera';
const KNOTWEED = 'Reynoutria japonica';
const RAGWEED = 'Ambrosia artemisiifolia';
const GOLDENROD = 'Solidago canadensis';
const LABELS = [HOGWEED, BALSAM, KNOTWEED, RAGWEED, GOLDENROD];
const geo = DEFAULT_SETTINGS.geo;

const PARK = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { name: 'Swiss National Park' }, geometry: { type: 'Polygon', coordinates: [[[10.0, 46.6], [10.4, 46.6], [10.4, 46.8], [10.0, 46.8], [10.0, 46.6]]] } }],
};

const one = (c: number) => LABELS.map((_, i) => (i === c ? 0.92 : 0.02));
const unit = (c: number) => LABELS.map((_, i) => (i === c ? 1 : 0));
/** Looks like none of the species: equally far from every class centroid. */
const NOVEL = LABELS.map(() => 1);
const at = (hour: number) => `2026-06-01T${String(hour).padStart(2, '0')}:00:00`;

// Each photo: where and when, the model's probabilities and embedding.
const PHOTOS: Record<string, { latitude: number; longitude: number; hour: number; p: number[]; e: number[] }> = {
  // The first hogweed; 667 m north of it an hour later, in the next 1 km cell: spread. 6 km away: a new introduction.
  'hog-first.JPG': { latitude: 46.7, longitude: 10.05, hour: 8, p: one(0), e: unit(0) },
  'hog-near.JPG': { latitude: 46.706, longitude: 10.05, hour: 9, p: one(0), e: unit(0) },
  'hog-far.JPG': { latitude: 46.76, longitude: 10.15, hour: 10, p: one(0), e: unit(0) },
  // Balsam (watch list) 556 m inside the southern boundary.
  'balsam-edge.JPG': { latitude: 46.605, longitude: 10.1, hour: 11, p: one(1), e: unit(1) },
  // Knotweed: min score 0.95 for it, so this 0.92 prediction does not alert.
  'knotweed.JPG': { latitude: 46.72, longitude: 10.3, hour: 12, p: one(2), e: unit(2) },
  // Ragweed cannot occur in this park: flagged for review, no alert until confirmed.
  'ragweed.JPG': { latitude: 46.73, longitude: 10.31, hour: 13, p: one(3), e: unit(3) },
  // Goldenrod: alerts off.
  'goldenrod.JPG': { latitude: 46.74, longitude: 10.32, hour: 14, p: one(4), e: unit(4) },
  // Three unknowns: two in one cell, one in another.
  'novel-1.JPG': { latitude: 46.65, longitude: 10.25, hour: 15, p: one(0), e: NOVEL },
  'novel-2.JPG': { latitude: 46.6501, longitude: 10.2501, hour: 16, p: one(1), e: NOVEL },
  'novel-3.JPG': { latitude: 46.78, longitude: 10.38, hour: 17, p: one(0), e: NOVEL },
};

const dir = makeTempDir();
const databasePath = path.join(dir, 'library.sqlite');
let library: Library;
let ids: Record<string, number>;

const alertsOf = (kind: AlertRow['kind'], species?: string) => library.alerts.list({ kind, species });
const photoSet = (names: string[]) => names.map((name) => ids[name]!).sort((a, b) => a - b);

before(async () => {
  const card = path.join(dir, 'card');
  await writeCard(card, Object.fromEntries(Object.entries(PHOTOS).map(([name, photo], seed) => [name, { seed: seed + 1, latitude: photo.latitude, longitude: photo.longitude, capturedAt: at(photo.hour) }])));
  library = Library.open(databasePath);
  await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
  ids = Object.fromEntries(library.photos.query().map((photo) => [path.basename(photo.path), photo.id]));
  const model = library.models.add({ name: 'invasives', version: '1', contentHash: 'b'.repeat(64), format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
  library.models.setActive(model.id);
  const calibration: OpenSetCalibration = {
    method: 'nearest-centroid-cosine',
    quantile: 0.95,
    distanceThreshold: 0.3,
    probabilityThreshold: 0.2,
    centroids: LABELS.map((_, c) => unit(c)),
    calibratedOn: 'validation',
    flaggedCount: 0,
    calibrationCount: 10,
  };
  library.calibrations.set(model.id, 'library', calibration);
  for (const [name, photo] of Object.entries(PHOTOS)) {
    library.predictions.save({ photoId: ids[name]!, modelId: model.id, labels: LABELS, probabilities: Float32Array.from(photo.p), embedding: Float32Array.from(photo.e), topK: 3 });
  }
  const parkFile = path.join(dir, 'park.geojson');
  fs.writeFileSync(parkFile, JSON.stringify(PARK));
  loadZonesFile(library, parkFile, 'park');
  saveSpeciesEntries(library, [
    { species: BALSAM, watchList: true, priority: 1, minScore: null, alertsOn: true, canOccur: true, note: 'spreads along rivers' },
    { species: KNOTWEED, watchList: false, priority: 3, minScore: 0.95, alertsOn: true, canOccur: true, note: null },
    { species: RAGWEED, watchList: false, priority: 3, minScore: null, alertsOn: true, canOccur: false, note: 'not at this altitude' },
    { species: GOLDENROD, watchList: false, priority: 5, minScore: null, alertsOn: false, canOccur: true, note: null },
  ], { by: 'A. Ranger' });
  refreshAlerts(library, geo);
});

test('a first record near a known record of the same species is spread; far from it, a new introduction', () => {
  const spread = alertsOf('spread', HOGWEED);
  assert.equal(spread.length, 1);
  assert.deepEqual(spread[0]!.photoIds, photoSet(['hog-near.JPG']));
  assert.ok(((spread[0]!.detail.spread as { nearestKnownMetres: number }).nearestKnownMetres) < 1000);
  assert.deepEqual(alertsOf('new-cell', HOGWEED).map((alert) => alert.photoIds).sort(), [photoSet(['hog-first.JPG']), photoSet(['hog-far.JPG'])].sort());
  assert.equal(alertsOf('new-species', HOGWEED).length, 1);
});

test('a watch-list species within the buffer of the park boundary raises its own alert; others do not', () => {
  const near = alertsOf('near-boundary');
  assert.deepEqual(near.map((alert) => alert.species), [BALSAM]);
  assert.deepEqual(near[0]!.photoIds, photoSet(['balsam-edge.JPG']));
  assert.equal((near[0]!.detail.boundary as { distanceMetres: number }).distanceMetres, 556);
});

test('per-species rules: a minimum score, alerts off, and a class that cannot occur here (flagged, alerting only once confirmed)', () => {
  assert.equal(library.alerts.list({ species: KNOTWEED }).length, 0, 'knotweed at 0.92 is under its own minimum of 0.95');
  assert.equal(library.alerts.list({ species: GOLDENROD }).length, 0, 'goldenrod has alerts off');
  assert.equal(library.alerts.list({ species: RAGWEED }).length, 0, 'a prediction of a class that cannot occur here never alerts');
  const ragweed = library.photos.get(ids['ragweed.JPG']!)!;
  assert.equal(ragweed.prediction!.cannotOccur, true);
  const queue = library.photos.query({ order: 'needs-review' }).map((photo) => path.basename(photo.path));
  // The three unknowns tie on everything but their margins and import order (the import is concurrent): compared as a set.
  assert.deepEqual(queue.slice(0, 3).sort(), ['novel-1.JPG', 'novel-2.JPG', 'novel-3.JPG'], 'unknowns first');
  assert.equal(queue[3], 'ragweed.JPG', 'then the class that cannot occur');

  reviewObservation(library, ids['ragweed.JPG']!, { decision: 'confirmed', species: RAGWEED, reviewer: 'A. Ranger' });
  const result = refreshAlerts(library, geo);
  assert.deepEqual(result.raised.filter((alert) => alert.species === RAGWEED).map((alert) => alert.kind).sort(), ['new-cell', 'new-species']);
  assert.ok(library.alerts.list({ species: RAGWEED }).every((alert) => alert.evidence === 'confirmed'));
});

test('unknowns raise one unknown-organism alert per cell and window, never a species alert', () => {
  const unknown = alertsOf('unknown-organism');
  assert.deepEqual(unknown.map((alert) => alert.photoIds).sort(), [photoSet(['novel-1.JPG', 'novel-2.JPG']), photoSet(['novel-3.JPG'])].sort());
  assert.ok(unknown.every((alert) => alert.species === UNKNOWN_ORGANISM));
  const novel = new Set(photoSet(['novel-1.JPG', 'novel-2.JPG', 'novel-3.JPG']));
  for (const alert of library.alerts.list()) {
    if (alert.kind !== 'unknown-organism') assert.ok(alert.photoIds.every((id) => !novel.has(id)), `${alert.kind} ${alert.species}`);
  }
});

test('alerts are ordered by the configured priority: new to the park > new introduction > near boundary > spread > surge > unknown', () => {
  const ranking = () => rankingOf(readStationSettings(library).alertPriority, library.speciesList.list());
  const kinds = rankAlerts(library.alerts.list(), ranking()).map((alert) => alert.kind);
  const order = ['new-species', 'new-zone', 'new-cell', 'near-boundary', 'spread', 'surge', 'unknown-organism'];
  assert.deepEqual(kinds, [...kinds].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  const firstNewSpecies = rankAlerts(library.alerts.list({ kind: 'new-species' }), ranking())[0]!;
  assert.equal(firstNewSpecies.species, BALSAM, 'within a kind, the watch-list priority 1 species comes first');

  setStationSetting(library, 'alertPriority', 'unknown-organism,spread,new-species,new-zone,new-cell,near-boundary,surge,regrowth');
  assert.equal(rankAlerts(library.alerts.list(), ranking())[0]!.kind, 'unknown-organism');
  assert.throws(() => setStationSetting(library, 'alertPriority', 'new-species,spread'), rejectsWith('INVALID_ARGUMENT', /list every alert kind once/));
  assert.throws(() => setStationSetting(library, 'spreadBuffer', '5'), rejectsWith('INVALID_ARGUMENT', /no setting "spreadBuffer"/));
  assert.equal(readStationSettings(library).alertPriority[0], 'unknown-organism', 'a refused value leaves the stored one');
  // An order stored before the 'regrowth' kind existed keeps its order, the new kind last.
  library.stationSettings.set('alertPriority', ['surge', 'new-species', 'new-zone', 'new-cell', 'near-boundary', 'spread', 'unknown-organism']);
  assert.deepEqual(readStationSettings(library).alertPriority, ['surge', 'new-species', 'new-zone', 'new-cell', 'near-boundary', 'spread', 'unknown-organism', 'regrowth']);
  library.stationSettings.reset('alertPriority');
});

test('the spread buffer is a setting: at 500 m the nearby hogweed is a new introduction', () => {
  setStationSetting(library, 'spreadBufferMetres', '500');
  refreshAlerts(library, geo);
  assert.deepEqual(alertsOf('new-cell', HOGWEED).flatMap((alert) => alert.photoIds).sort(), photoSet(['hog-first.JPG', 'hog-near.JPG', 'hog-far.JPG']));
  library.stationSettings.reset('spreadBufferMetres');
  refreshAlerts(library, geo);
  assert.equal(alertsOf('spread', HOGWEED).length, 1);
});

test('groups by species and place with counts and unseen; bulk acknowledge by filter records the ranger and station', () => {
  const ranking = rankingOf(readStationSettings(library).alertPriority, library.speciesList.list());
  const groups = groupAlerts(library.alerts.list(), ranking);
  assert.equal(groups.reduce((n, group) => n + group.count, 0), library.alerts.list().length);
  assert.ok(groups.every((group) => group.unseen === group.count), 'nobody has seen any yet');
  const hogweedCells = groups.filter((group) => group.species === HOGWEED && group.cell !== null);
  assert.ok(hogweedCells.length >= 3, 'each hogweed cell is its own group');

  const first = groups[0]!;
  assert.equal(library.alerts.markSeenMany(first.alertIds), first.count);
  assert.equal(groupAlerts(library.alerts.list(), ranking)[0]!.unseen, 0);

  setStationSetting(library, 'stationName', 'Il Fuorn');
  const maker = decisionMaker(library, 'B. Ranger');
  const changed = library.alerts.bulk('acknowledge', { species: HOGWEED }, { by: maker.ranger, station: maker.station });
  assert.equal(changed.length, library.alerts.list({ species: HOGWEED }).length);
  for (const alert of library.alerts.list({ species: HOGWEED })) {
    assert.equal(alert.state, 'acknowledged');
    assert.equal(alert.decidedBy, 'B. Ranger');
    assert.equal(alert.decidedStation, 'Il Fuorn');
    assert.ok(alert.seenAt, 'acting on an alert marks it seen');
  }
  assert.throws(() => library.alerts.bulk('dismiss', { kind: 'unknown-organism' }, { by: null, station: null }, ' '), rejectsWith('INVALID_ARGUMENT', /needs a reason/));
  const dismissed = library.alerts.bulk('dismiss', { kind: 'unknown-organism' }, { by: 'B. Ranger', station: 'Il Fuorn' }, 'lichen, checked');
  assert.equal(dismissed.length, 2);
  refreshAlerts(library, geo);
  assert.ok(alertsOf('unknown-organism').every((alert) => alert.state === 'dismissed' && alert.dismissReason === 'lichen, checked'), 'dismissed stays dismissed');
});

test('a species list naming a species nobody knows is refused whole; nothing stored is lost', () => {
  const before = library.speciesList.list();
  assert.throws(
    () => saveSpeciesEntries(library, [
      { species: HOGWEED, watchList: true, priority: 1, minScore: null, alertsOn: true, canOccur: true, note: null },
      { species: 'Impatiens glandulifer', watchList: true, priority: 1, minScore: null, alertsOn: true, canOccur: true, note: null },
    ]),
    rejectsWith('SPECIES_LIST_INVALID', /"Impatiens glandulifer" \(did you mean "Impatiens glandulifera"\?\).*Nothing was stored/),
  );
  assert.deepEqual(library.speciesList.list(), before);
  const saved = saveSpeciesEntries(library, [{ species: 'Pueraria montana', watchList: true, priority: 1, minScore: null, alertsOn: true, canOccur: true, note: 'kudzu' }], { allowNewSpecies: true });
  assert.equal(saved[0]!.species, 'Pueraria montana');
});
