/**
 * Placements, the species / watch list and alert states as events (issue 17): changed at two
 * real stations (libraries in temp folders), exchanged as real bundles both ways, they end
 * equal; two different placements of one photo are listed for the ranger, never overwritten;
 * a bundle imported twice changes nothing; a library from before keeps its rows as events.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { Library } from '../../main/core/library/index.js';
import { openDatabase } from '../../main/core/library/database.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../main/core/library/migrations.js';
import { DEFAULT_SETTINGS } from '../../main/core/settings.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, BundleWriter } from '../../main/core/stations/bundle-file.js';
import { placementConflicts, reviewConflicts } from '../../main/core/stations/conflicts.js';
import { exportBundle } from '../../main/core/stations/export-bundle.js';
import { importBundle } from '../../main/core/stations/import-bundle.js';
import { addPhoto, hashOf } from '../helpers/station-library.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const AILANTHUS = 'Ailanthus altissima';
const KNOTWEED = 'Fallopia japonica';
const geo = DEFAULT_SETTINGS.geo;

/** What both stations must agree on: positions, species list, alert states (no local ids or local clocks). */
function shared(library: Library): Record<string, unknown> {
  const db = new Database(library.databasePath, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      positions: all(`SELECT ph.sha256, pos.latitude, pos.longitude, pos.source, pos.detail, pos.uncertainty_m, pos.set_at
                      FROM photo_positions pos JOIN photos ph ON ph.id = pos.photo_id ORDER BY 1`),
      species: all('SELECT species, watch_list, priority, min_score, alerts_on, can_occur, note, updated_by, updated_at FROM species_list ORDER BY species'),
      alerts: all(`SELECT kind, species, place_key, state, dismiss_reason, decided_by, decided_station, decided_at, state_event_id
                   FROM alerts ORDER BY kind, species, place_key`),
      events: all("SELECT event_id, entity_type, entity_id, action, payload_json, ranger, occurred_at FROM events WHERE entity_type <> 'review' ORDER BY event_id"),
      placementConflicts: placementConflicts(library).map((c) => [c.photoSha256, c.placements.map((p) => p.eventId).sort()]),
    };
  } finally {
    db.close();
  }
}

function twoStations() {
  const dir = makeTempDir();
  return { dir, a: Library.open(path.join(dir, 'a.sqlite')), b: Library.open(path.join(dir, 'b.sqlite')) };
}

/** Lets the clock move on, so that "later" is later to the millisecond (events are ordered by time of decision). */
const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

let bundles = 0;
async function send(from: Library, to: Library, dir: string) {
  const out = path.join(dir, `bundle-${++bundles}.bundle`);
  await exportBundle(from, { out, destination: to.events.stationId });
  const imported = await importBundle(to, out);
  return { out, imported };
}

const entry = (species: string, priority: number, note: string | null = null) => ({
  species,
  watchList: true,
  priority,
  minScore: null,
  alertsOn: true,
  canOccur: true,
  note,
});

test('placements, species list and alert states changed at two stations end equal after bundles both ways; a second import changes nothing', async () => {
  const { dir, a, b } = twoStations();
  const one = await addPhoto(a, 'one', { latitude: 46.61, longitude: 10.11 });
  const two = await addPhoto(a, 'two', { latitude: 46.62, longitude: 10.12 });
  a.reviews.record({ photoId: one.id, decision: 'confirmed', species: AILANTHUS, reviewer: 'Ana' });
  a.speciesList.save([entry(AILANTHUS, 2)], 'Ana');
  refreshAlerts(a, geo);
  await send(a, b, dir);
  refreshAlerts(b, geo);
  const alertKey = (library: Library) => library.alerts.list({ kind: 'new-species' })[0]!;
  assert.ok(alertKey(b), 'B computes the same new-species alert from the merged photos');

  // Different changes at each station, neither seeing the other's.
  a.positions.set(two.id, { latitude: 46.7, longitude: 10.2, source: 'manual', uncertaintyMetres: 15, by: 'Ana' });
  a.speciesList.save([entry(KNOTWEED, 3, 'from the north')], 'Ana');
  a.alerts.acknowledge(alertKey(a).id, { by: 'Ana', station: 'North' });
  a.speciesList.save([entry(AILANTHUS, 1, 'urgent')], 'Ana');
  await tick();
  b.alerts.dismiss(alertKey(b).id, 'known planting', { by: 'Ben', station: 'South' });
  b.speciesList.delete(AILANTHUS, 'Ben');

  await send(a, b, dir);
  const back = await send(b, a, dir);
  refreshAlerts(a, geo);
  refreshAlerts(b, geo);
  assert.deepEqual(shared(a), shared(b), 'the same positions, species list and alert states at both stations');

  // Latest change wins, whichever bundle came first: B's dismissal and B's removal were last.
  const alert = alertKey(a);
  assert.equal(alert.state, 'dismissed');
  assert.equal(alert.dismissReason, 'known planting');
  assert.equal(alert.decidedBy, 'Ben');
  assert.equal(alert.decidedStation, 'South');
  assert.equal(a.speciesList.get(AILANTHUS), null, "B's later removal wins over A's earlier change");
  assert.equal(b.speciesList.get(KNOTWEED)!.note, 'from the north');
  assert.equal(b.speciesList.get(KNOTWEED)!.updatedBy, 'Ana');
  const placed = b.positions.get(b.stationSync.photoId(two.sha256)!)!;
  assert.deepEqual([placed.latitude, placed.longitude, placed.uncertaintyMetres, placed.source], [46.7, 10.2, 15, 'manual']);
  const history = b.events.history('alert-state', `new-species|${AILANTHUS}|`);
  assert.deepEqual(history.map((event) => [event.ranger, event.payload.state]), [['Ana', 'acknowledged'], ['Ben', 'dismissed']]);
  assert.deepEqual(history.map((event) => event.originStation), [a.events.stationId, b.events.stationId]);

  // The same bundle again: nothing changes.
  const before = shared(a);
  const again = await importBundle(a, back.out);
  assert.equal(again.alreadyMerged, true);
  assert.equal(again.eventsNew, 0);
  assert.deepEqual(shared(a), before);
  a.close();
  b.close();
});

test('two stations placing one photo differently is a conflict listed on both, until a ranger places it again', async () => {
  const { dir, a, b } = twoStations();
  const photo = await addPhoto(a, 'placed-twice');
  a.positions.set(photo.id, { latitude: 46.6, longitude: 10.1, source: 'manual', by: 'Ana' });
  await send(a, b, dir);
  await send(b, a, dir);
  assert.deepEqual(placementConflicts(a), [], 'one placement seen by both: no conflict');

  const onB = b.stationSync.photoId(photo.sha256)!;
  a.positions.set(photo.id, { latitude: 46.65, longitude: 10.15, source: 'manual', uncertaintyMetres: 10, by: 'Ana' });
  b.positions.set(onB, { latitude: 46.9, longitude: 10.4, source: 'manual', uncertaintyMetres: 50, by: 'Ben' });
  const toB = await send(a, b, dir);
  assert.equal(toB.imported.placementConflicts.length, 1, 'the merge names the conflict it brought');
  await send(b, a, dir);
  for (const library of [a, b]) {
    const [conflict] = placementConflicts(library);
    assert.ok(conflict, 'listed at both stations');
    assert.deepEqual(conflict.placements.map((p) => [p.ranger, p.latitude, p.longitude, p.uncertaintyMetres]).sort(), [
      ['Ana', 46.65, 10.15, 10],
      ['Ben', 46.9, 10.4, 50],
    ]);
  }
  assert.deepEqual(shared(a), shared(b), 'both show the same position meanwhile');
  assert.deepEqual(reviewConflicts(a), [], 'a placement conflict is not a review conflict');

  // The ranger at B keeps Ana's placement: a new placement superseding both settles it everywhere.
  b.positions.set(onB, { latitude: 46.65, longitude: 10.15, source: 'manual', uncertaintyMetres: 10, by: 'Ben' });
  assert.deepEqual(placementConflicts(b), []);
  await send(b, a, dir);
  assert.deepEqual(placementConflicts(a), []);
  assert.equal(a.positions.get(photo.id)!.latitude, 46.65);
  assert.deepEqual(shared(a), shared(b));

  // Clearing travels too.
  a.positions.clear(photo.id, 'Ana');
  await send(a, b, dir);
  assert.equal(b.positions.get(onB), null);
  a.close();
  b.close();
});

test('an alert decided at another station keeps that state when this station raises it later', async () => {
  const { dir, a, b } = twoStations();
  const photo = await addPhoto(a, 'hogweed', { latitude: 46.7, longitude: 10.05 });
  a.reviews.record({ photoId: photo.id, decision: 'confirmed', species: AILANTHUS, reviewer: 'Ana' });
  refreshAlerts(a, geo);
  const alert = a.alerts.list({ kind: 'new-species' })[0]!;
  a.alerts.dismiss(alert.id, 'known planting', { by: 'Ana', station: 'North' });
  // Only the events reach B (no alert rows): B raises the alert itself from the photos.
  for (const event of a.events.after(0)) b.events.receive(event);
  await send(a, b, dir);
  b.transaction(() => b.alerts.withdraw(b.alerts.list({ kind: 'new-species' })[0]!.id));
  refreshAlerts(b, geo);
  const raised = b.alerts.list({ kind: 'new-species' })[0]!;
  assert.equal(raised.state, 'dismissed');
  assert.equal(raised.dismissReason, 'known planting');
  assert.equal(raised.decidedBy, 'Ana');
  a.close();
  b.close();
});

test('a library from before these were events keeps its placements, species list and alert states as events, and merges them', async () => {
  const dir = makeTempDir();
  const file = path.join(dir, 'old.sqlite');
  // The schema just before the migration that made these events (found by what it adds: numbers change at merges).
  const eventsMigration = MIGRATIONS.findIndex((migration) => migration.includes('ALTER TABLE alerts ADD COLUMN state_event_id'));
  assert.ok(eventsMigration > 0);
  const old = openDatabase(file, MIGRATIONS.slice(0, eventsMigration));
  const sha = (seed: string) => hashOf(seed);
  old.exec(`INSERT INTO imports (id, root_path, started_at, state) VALUES (1, '/cards', '2026-01-01', 'completed');
    INSERT INTO photos (id, sha256, byte_size, format, added_at, latitude, longitude, captured_at) VALUES
      (1, '${sha('p1')}', 10, 'jpeg', '2026-01-01', 46.7, 10.05, '2026-05-01T10:00:00'),
      (2, '${sha('p2')}', 11, 'jpeg', '2026-01-01', 46.7, 10.06, '2026-05-01T10:00:00');
    INSERT INTO photo_positions (photo_id, latitude, longitude, source, detail, uncertainty_m, set_at)
      VALUES (1, 46.71, 10.07, 'manual', 'placed by hand on the map', 25, '2026-01-02T00:00:00.000Z');
    INSERT INTO species_list (species, watch_list, priority, min_score, alerts_on, can_occur, note, updated_by, updated_at)
      VALUES ('${AILANTHUS}', 1, 1, 0.5, 1, 1, 'urgent', 'Ana', '2026-01-03T00:00:00.000Z');
    INSERT INTO alerts (id, kind, species, place_key, place_label, state, dismiss_reason, raised_at, updated_at, decided_by, decided_station, decided_at)
      VALUES (1, 'new-species', '${AILANTHUS}', '', 'the library', 'dismissed', 'known planting', '2026-01-01', '2026-01-04', 'Ana', 'North', '2026-01-04T00:00:00.000Z');
    INSERT INTO alerts (id, kind, species, place_key, place_label, state, dismiss_reason, raised_at, updated_at, auto_closed, decided_at)
      VALUES (2, 'new-cell', '${AILANTHUS}', 'cell:1000:1:1', 'a cell', 'dismissed', 'closed by the station', '2026-01-01', '2026-01-04', 1, '2026-01-04T00:00:00.000Z');`);
  old.close();

  const library = Library.open(file);
  const position = library.positions.get(1)!;
  assert.deepEqual([position.latitude, position.longitude, position.uncertaintyMetres, position.setAt], [46.71, 10.07, 25, '2026-01-02T00:00:00.000Z']);
  const placement = library.events.history('placement', sha('p1'));
  assert.equal(placement.length, 1);
  assert.deepEqual(placement[0]!.payload, { latitude: 46.71, longitude: 10.07, source: 'manual', detail: 'placed by hand on the map', uncertaintyMetres: 25, supersedes: [] });
  assert.deepEqual(library.speciesList.get(AILANTHUS), {
    species: AILANTHUS, watchList: true, priority: 1, minScore: 0.5, alertsOn: true, canOccur: true, note: 'urgent', updatedBy: 'Ana', updatedAt: '2026-01-03T00:00:00.000Z',
  });
  assert.equal(library.events.history('species-list', AILANTHUS)[0]!.ranger, 'Ana');
  const state = library.events.history('alert-state', `new-species|${AILANTHUS}|`);
  assert.deepEqual(state.map((event) => [event.action, event.ranger, event.payload.reason, event.payload.station]), [['dismissed', 'Ana', 'known planting', 'North']]);
  assert.deepEqual(library.events.history('alert-state', `new-cell|${AILANTHUS}|cell:1000:1:1`), [], "the station's own closing is not a ranger's decision");
  assert.equal(library.alerts.get(1)!.state, 'dismissed');

  // Its changes go on from there, and the upgraded rows travel to a station that never had them.
  library.positions.set(2, { latitude: 46.72, longitude: 10.08, source: 'manual', by: 'Ben' });
  const other = Library.open(path.join(dir, 'other.sqlite'));
  await send(library, other, dir);
  refreshAlerts(other, geo);
  assert.equal(other.positions.get(other.stationSync.photoId(sha('p1'))!)!.uncertaintyMetres, 25);
  assert.equal(other.speciesList.get(AILANTHUS)!.note, 'urgent');
  const merged = other.alerts.list({ kind: 'new-species' })[0]!;
  assert.equal(merged.state, 'dismissed');
  assert.equal(merged.decidedBy, 'Ana');
  library.close();
  other.close();
});

test('a bundle from a station not yet upgraded brings its placement, species and alert-state rows as the events its upgrade will make', async () => {
  const { dir, a } = twoStations();
  const photo = await addPhoto(a, 'legacy');
  const source = 'aaaaaaaa-0000-4000-8000-000000000001';
  const out = path.join(dir, 'legacy.bundle');
  const writer = new BundleWriter(out);
  writer.record('photo', { kind: 'photo', row: { sha256: photo.sha256, byte_size: 1, format: 'jpeg', added_at: '2026-01-01' } });
  writer.record('position', { kind: 'position', photo: photo.sha256, row: { latitude: 46.8, longitude: 10.3, source: 'manual', detail: null, uncertainty_m: 40, set_at: '2030-01-01T00:00:00.000Z' } });
  writer.record('species', { kind: 'species', row: { species: KNOTWEED, watch_list: 1, priority: 2, min_score: null, alerts_on: 1, can_occur: 1, note: null, updated_by: 'Cleo', updated_at: '2030-01-01T00:00:00.000Z' } });
  writer.record('alert', {
    kind: 'alert',
    photos: [photo.sha256],
    row: {
      kind: 'new-species', species: KNOTWEED, place_key: '', place_label: 'the library', state: 'acknowledged', confirmed: 0, dismiss_reason: null, detail_json: '{}',
      raised_at: '2029-12-31T00:00:00.000Z', updated_at: '2030-01-01T00:00:00.000Z', seen_at: '2030-01-01T00:00:00.000Z', auto_closed: 0,
      decided_by: 'Cleo', decided_station: 'Old', decided_at: '2030-01-01T00:00:00.000Z',
    },
  });
  writer.finish({
    format: BUNDLE_FORMAT, formatVersion: BUNDLE_FORMAT_VERSION, schemaVersion: SCHEMA_VERSION - 1, bundleId: 'legacy-bundle', sourceStation: source, sourceName: 'Old',
    destination: null, full: true, createdAt: '2030-01-01T00:00:00.000Z', upToSeq: 0, since: null, receipts: [],
  });
  const first = await importBundle(a, out);
  assert.equal(first.eventsNew, 3);
  const alert = a.alerts.list({ kind: 'new-species', species: KNOTWEED })[0]!;
  assert.deepEqual([alert.state, alert.decidedBy, alert.decidedStation, alert.decidedAt], ['acknowledged', 'Cleo', 'Old', '2030-01-01T00:00:00.000Z']);
  assert.equal(a.events.history('alert-state', `new-species|${KNOTWEED}|`)[0]!.eventId, `${source}:alert-state:new-species|${KNOTWEED}|:2030-01-01T00:00:00.000Z`);
  assert.equal(a.positions.get(photo.id)!.uncertaintyMetres, 40);
  assert.equal(a.speciesList.get(KNOTWEED)!.updatedBy, 'Cleo');
  assert.equal(a.events.history('placement', photo.sha256)[0]!.eventId, `${source}:placement:${photo.sha256}:2030-01-01T00:00:00.000Z`);
  const again = await importBundle(a, out);
  assert.equal(again.eventsNew, 0);
  a.close();
});
