import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Library } from '../../main/core/library/index.js';
import { openDatabase } from '../../main/core/library/database.js';
import { MIGRATIONS } from '../../main/core/library/migrations.js';
import { thumbnailCacheDir } from '../../main/core/settings.js';
import { exportBundle } from '../../main/core/stations/export-bundle.js';
import { importBundle } from '../../main/core/stations/import-bundle.js';
import { mergeLibraryFile } from '../../main/core/stations/merge-library.js';
import { reviewConflicts } from '../../main/core/stations/conflicts.js';
import { PROJECTORS, type EventProjector } from '../../main/core/stations/projectors.js';
import { createSite, getSite } from '../../main/core/sites/site-service.js';
import { addPhoto, addPrediction } from '../helpers/station-library.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** What a station knows, without local ids and local times (two merged libraries must agree on all of it). */
function snapshot(library: Library): Record<string, unknown> {
  const db = new Database(library.databasePath, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      photos: all('SELECT sha256, byte_size, width, latitude, longitude, camera_model FROM photos ORDER BY sha256'),
      predictions: all('SELECT ph.sha256, m.content_hash, p.top_label, p.top_score FROM predictions p JOIN photos ph ON ph.id = p.photo_id JOIN models m ON m.id = p.model_id ORDER BY 1, 2'),
      reviews: all('SELECT ph.sha256, r.decision, r.species, r.reviewer, r.event_id FROM reviews r JOIN photos ph ON ph.id = r.photo_id ORDER BY ph.sha256, r.id'),
      events: all('SELECT event_id, origin_station, entity_type, entity_id, action, payload_json, occurred_at FROM events ORDER BY event_id'),
      positions: all('SELECT ph.sha256, pos.latitude, pos.longitude, pos.source, pos.set_at FROM photo_positions pos JOIN photos ph ON ph.id = pos.photo_id ORDER BY 1'),
      species: all('SELECT species, watch_list, priority, updated_at FROM species_list ORDER BY species'),
      zones: all('SELECT kind, name, geometry_json FROM zones ORDER BY kind, name, geometry_json'),
      conflicts: reviewConflicts(library).map((c) => [c.photoSha256, c.decisions.map((d) => d.eventId).sort()]),
    };
  } finally {
    db.close();
  }
}

function twoStations() {
  const dir = makeTempDir();
  return { dir, a: Library.open(path.join(dir, 'a.sqlite')), b: Library.open(path.join(dir, 'b.sqlite')) };
}

let bundleCount = 0;
async function send(from: Library, to: Library, dir: string, options: { full?: boolean } = {}) {
  const out = path.join(dir, `bundle-${++bundleCount}.bundle`);
  const exported = await exportBundle(from, { out, destination: to.events.stationId, full: options.full });
  const imported = await importBundle(to, out);
  return { out, exported, imported };
}

test('a full bundle brings photos, predictions with their model, reviews, placements, species, zones, events and thumbnails; a second import changes nothing', async () => {
  const { dir, a, b } = twoStations();
  const one = await addPhoto(a, 'one');
  const two = await addPhoto(a, 'two');
  addPrediction(a, one.id);
  a.reviews.record({ photoId: one.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'Ana', station: 'North' });
  a.positions.set(two.id, { latitude: 46.6, longitude: 7.6, source: 'manual' });
  a.speciesList.save([{ species: 'Ailanthus altissima', watchList: true, priority: 1, minScore: null, alertsOn: true, canOccur: true, note: null }], 'Ana');
  a.zones.replace('zone', [{ kind: 'zone', name: 'Meadow', geometry: { type: 'Polygon', coordinates: [[[7, 46], [8, 46], [8, 47], [7, 46]]] }, bbox: [7, 46, 8, 47] } as never], null);
  a.events.append({ entityType: 'site', entityId: 'site-1', action: 'created', payload: { species: 'Ailanthus altissima' }, ranger: 'Ana' });

  const bundle = path.join(dir, 'a.bundle');
  const exported = await exportBundle(a, { out: bundle, full: true });
  assert.equal(exported.records.photo, 2);
  assert.equal(exported.thumbnails, 2);
  const first = await importBundle(b, bundle);
  assert.deepEqual(first.modelsMissing, ['Test model model-1 1'], 'the model B does not have is named');
  assert.equal(first.added.photo, 2);
  assert.equal(first.thumbnailsCopied, 2);
  assert.ok(fs.existsSync(path.join(thumbnailCacheDir(b.databasePath), `${one.sha256}.jpg`)));
  const bReview = b.reviews.current(b.stationSync.photoId(one.sha256)!)!;
  assert.equal(bReview.species, 'Ailanthus altissima');
  assert.equal(bReview.reviewer, 'Ana');
  assert.equal(bReview.station, 'North');
  assert.equal(b.events.history('site', 'site-1').length, 1, 'sites travel as events');
  const afterFirst = snapshot(b);
  assert.equal((afterFirst.predictions as unknown[]).length, 1, 'the prediction is kept although its model is missing');

  const second = await importBundle(b, bundle);
  assert.equal(second.alreadyMerged, true);
  assert.equal(second.eventsNew, 0);
  assert.deepEqual(second.added, {});
  assert.deepEqual(second.updated, {});
  assert.deepEqual(snapshot(b), afterFirst);
  a.close();
  b.close();
});

test('A into B and B into A end in the same state; different decisions on one photo become a conflict for the ranger', async () => {
  const { dir, a, b } = twoStations();
  const shared = await addPhoto(a, 'shared');
  a.reviews.record({ photoId: shared.id, decision: 'unsure', reviewer: 'Ana' });
  await send(a, b, dir);
  await send(b, a, dir);
  assert.deepEqual(snapshot(a), snapshot(b));
  assert.deepEqual(reviewConflicts(a), []);

  // Both stations decide on the same photo after their last common decision, differently.
  const onB = b.stationSync.photoId(shared.sha256)!;
  a.reviews.record({ photoId: shared.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'Ana' });
  b.reviews.record({ photoId: onB, decision: 'corrected', species: 'Fallopia japonica', reviewer: 'Ben' });
  await addPhoto(b, 'only-on-b');
  const toB = await send(a, b, dir);
  assert.equal(toB.imported.conflicts.length, 1);
  assert.deepEqual(toB.imported.conflicts[0]!.decisions.map((d) => d.ranger).sort(), ['Ana', 'Ben']);
  await send(b, a, dir);
  assert.deepEqual(snapshot(a), snapshot(b), 'the same state on both stations');
  assert.equal(reviewConflicts(a).length, 1, 'never silently overwritten: both stations list the conflict');

  // The ranger resolves it on A; the resolution travels and closes the conflict on B too.
  a.reviews.record({ photoId: shared.id, decision: 'corrected', species: 'Fallopia japonica', reviewer: 'Ana', note: 'resolved' });
  assert.deepEqual(reviewConflicts(a), []);
  await send(a, b, dir);
  assert.deepEqual(reviewConflicts(b), []);
  assert.equal(b.reviews.current(onB)!.note, 'resolved');
  a.close();
  b.close();
});

test('a bundle of the same library does nothing', async () => {
  const { dir, a } = twoStations();
  await addPhoto(a, 'one');
  const out = path.join(dir, 'self.bundle');
  await exportBundle(a, { out, full: true });
  const before = snapshot(a);
  const result = await importBundle(a, out);
  assert.equal(result.sameLibrary, true);
  assert.deepEqual(snapshot(a), before);
  assert.deepEqual(a.stationSync.bundlesReceived(), []);
  a.close();
});

test('a tampered, truncated or newer-schema bundle is refused and nothing is touched', async () => {
  const { dir, a, b } = twoStations();
  await addPhoto(a, 'one');
  await addPhoto(b, 'mine');
  const out = path.join(dir, 'a.bundle');
  await exportBundle(a, { out, full: true });
  const before = snapshot(b);

  const tampered = path.join(dir, 'tampered.bundle');
  fs.copyFileSync(out, tampered);
  const db = new Database(tampered);
  db.prepare("UPDATE records SET body = replace(body, '46.5', '47.5') WHERE kind = 'photo'").run();
  db.close();
  await assert.rejects(importBundle(b, tampered), rejectsWith('BUNDLE_INVALID', /checksum/));

  const truncated = path.join(dir, 'truncated.bundle');
  const bytes = fs.readFileSync(out);
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(importBundle(b, truncated), rejectsWith('BUNDLE_INVALID', /not a complete station bundle/));

  const newer = path.join(dir, 'newer.bundle');
  fs.copyFileSync(out, newer);
  const ndb = new Database(newer);
  const header = JSON.parse((ndb.prepare("SELECT value FROM meta WHERE key = 'header'").get() as { value: string }).value);
  ndb.prepare("UPDATE meta SET value = ? WHERE key = 'header'").run(JSON.stringify({ ...header, schemaVersion: 999 }));
  ndb.close();
  await assert.rejects(importBundle(b, newer), rejectsWith('BUNDLE_INVALID', /newer version/));

  assert.deepEqual(snapshot(b), before);
  assert.deepEqual(b.stationSync.bundlesReceived(), []);
  a.close();
  b.close();
});

test('the watermark for a destination advances only when its receipt comes back: a lost bundle loses nothing', async () => {
  const { dir, a, b } = twoStations();
  await addPhoto(a, 'one');
  const lost = await exportBundle(a, { out: path.join(dir, 'lost.bundle'), destination: b.events.stationId });
  assert.equal(lost.records.photo, 1);
  // The first bundle never arrived; the next one for B still holds everything.
  const retry = await send(a, b, dir);
  assert.equal(retry.exported.records.photo, 1);
  assert.equal(retry.exported.full, true, 'B never confirmed anything: everything goes');
  // B's bundle back carries its receipt; A's watermark for B moves.
  await send(b, a, dir);
  assert.ok(a.stationSync.peer(b.events.stationId)!.acknowledgedAt, "A knows what B confirmed");
  const later = await addPhoto(a, 'later');
  a.reviews.record({ photoId: later.id, decision: 'rejected', reviewer: 'Ana' });
  const next = await send(a, b, dir);
  assert.equal(next.exported.full, false);
  assert.equal(next.exported.events, 1, 'only the event B has not confirmed');
  assert.ok(next.exported.records.photo! >= 1);
  assert.equal(b.reviews.current(b.stationSync.photoId(later.sha256)!)!.decision, 'rejected');
  a.close();
  b.close();
});

test('a merge that fails half way leaves the library as it was, and running it again finishes it', async () => {
  const { dir, a, b } = twoStations();
  const one = await addPhoto(a, 'one');
  a.reviews.record({ photoId: one.id, decision: 'confirmed', species: 'Ailanthus altissima' });
  const out = path.join(dir, 'a.bundle');
  await exportBundle(a, { out, full: true });
  const before = snapshot(b);
  const failing: EventProjector = { entityTypes: ['review'], refold() { throw new Error('killed'); } };
  await assert.rejects(importBundle(b, out, { projectors: [failing] }), /killed/);
  assert.deepEqual(snapshot(b), before, 'nothing half-merged');
  const again = await importBundle(b, out, { projectors: PROJECTORS });
  assert.equal(again.added.photo, 1);
  assert.equal(b.reviews.current(b.stationSync.photoId(one.sha256)!)!.decision, 'confirmed');
  a.close();
  b.close();
});

test('invasives merge OTHER.sqlite merges a library file the same way, never changing it; a newer one is refused', async () => {
  const { dir, a, b } = twoStations();
  const one = await addPhoto(a, 'one');
  a.reviews.record({ photoId: one.id, decision: 'confirmed', species: 'Ailanthus altissima' });
  const aPath = a.databasePath;
  const aBefore = snapshot(a);
  a.close();
  const merged = await mergeLibraryFile(b, aPath);
  assert.equal(merged.added.photo, 1);
  assert.equal(merged.thumbnailsCopied, 1);
  const again = await mergeLibraryFile(b, aPath);
  assert.equal(again.eventsNew, 0);
  const reopened = Library.open(aPath);
  assert.deepEqual(snapshot(reopened), aBefore, 'the other library is not changed');
  reopened.close();
  assert.equal(b.stationSync.bundlesReceived()[0]!.kind, 'library');

  const newer = path.join(dir, 'newer.sqlite');
  const ndb = new Database(newer);
  ndb.pragma('user_version = 999');
  ndb.close();
  const before = snapshot(b);
  await assert.rejects(mergeLibraryFile(b, newer), rejectsWith('DATABASE_NEWER', /newer version/));
  assert.deepEqual(snapshot(b), before);
  b.close();
});

test('reviews made before reviews were events get their events when the library is upgraded, in order', async () => {
  const dir = makeTempDir();
  const file = path.join(dir, 'old.sqlite');
  const old = openDatabase(file, MIGRATIONS.slice(0, 6));
  old.exec(`INSERT INTO imports (id, root_path, started_at, state) VALUES (1, '/cards', '2026-01-01', 'completed');
    INSERT INTO photos (id, sha256, byte_size, format, added_at) VALUES (1, '${'a'.repeat(64)}', 10, 'jpeg', '2026-01-01');
    INSERT INTO reviews (photo_id, decision, species, reviewer, decided_at) VALUES (1, 'unsure', NULL, 'Ana', '2026-01-02T00:00:00Z');
    INSERT INTO reviews (photo_id, decision, species, reviewer, decided_at) VALUES (1, 'confirmed', 'Ailanthus altissima', 'Ben', '2026-01-03T00:00:00Z');`);
  old.close();
  const library = Library.open(file);
  const history = library.events.history('review', 'a'.repeat(64));
  assert.deepEqual(history.map((e) => [e.payload.decision, e.ranger]), [['unsure', 'Ana'], ['confirmed', 'Ben']]);
  assert.deepEqual(history[1]!.payload.supersedes, [history[0]!.eventId]);
  assert.equal(library.reviews.current(1)!.eventId, history[1]!.eventId);
  assert.deepEqual(reviewConflicts(library), []);
  library.close();
});

test('an undone decision stays withdrawn after a merge', async () => {
  const { dir, a, b } = twoStations();
  const one = await addPhoto(a, 'one');
  a.reviews.record({ photoId: one.id, decision: 'unsure', reviewer: 'Ana' });
  a.reviews.record({ photoId: one.id, decision: 'rejected', reviewer: 'Ana' });
  a.reviews.undoLatest(one.id);
  await send(a, b, dir);
  assert.equal(b.reviews.current(b.stationSync.photoId(one.sha256)!)!.decision, 'unsure');
  await send(b, a, dir);
  assert.equal(a.reviews.current(one.id)!.decision, 'unsure');
  assert.deepEqual(snapshot(a), snapshot(b));
  a.close();
  b.close();
});

test('a photo that arrives after its review events gets its current decision', async () => {
  const { dir, a, b } = twoStations();
  const one = await addPhoto(a, 'one');
  a.reviews.record({ photoId: one.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'Ana' });
  // The review events reach B first (as in a bundle whose photo records were lost), then the photo.
  for (const event of a.events.after(0)) b.events.receive(event);
  await send(a, b, dir);
  assert.equal(b.reviews.current(b.stationSync.photoId(one.sha256)!)!.species, 'Ailanthus altissima');
  a.close();
  b.close();
});

test('a site created at one station is a site at the other after a bundle (its projector re-folds it)', async () => {
  const { dir, a, b } = twoStations();
  const site = createSite(a, { species: 'Impatiens glandulifera', extent: { type: 'point', latitude: 46.5, longitude: 10.2, radiusMetres: 20 }, name: 'Inn bank' }, { ranger: 'Ana' });
  await send(a, b, dir);
  assert.equal(getSite(b, site.id).name, 'Inn bank');
  a.close();
  b.close();
});
