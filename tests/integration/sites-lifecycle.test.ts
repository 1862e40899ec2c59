import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { darwinCoreRecords } from '../../main/core/geo/export-darwin-core.js';
import { reviewObservation } from '../../main/core/geo/observations.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library, type PhotoSummary } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { setRecheckYears } from '../../main/core/sites/recheck-schedule.js';
import { displayState, foldSite } from '../../main/core/sites/site-lifecycle.js';
import {
  type Clock,
  createSite,
  confirmSite,
  createSiteFromPhoto,
  dueSites,
  getSite,
  listSites,
  planTreatment,
  recordTreatment,
  recordVisit,
  siteEvents,
  siteProjector,
} from '../../main/core/sites/site-service.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { rejectsWith } from '../helpers/station-error.js';

const HOGWEED = 'Heracleum mantegazzianum';
const BALSAM = 'Impatiens glandulifera';
const LABELS = [HOGWEED, BALSAM];
const SITE = { latitude: 46.7, longitude: 10.05 };

const dir = makeTempDir();
const databasePath = path.join(dir, 'library.sqlite');
let library: Library;
let modelId: number;
const at = (iso: string): Clock => () => new Date(iso);

/** Imports a card of real JPEGs (EXIF GPS + time) and stores what the classifier said of each (hogweed). */
async function importCard(name: string, files: Record<string, { latitude: number; longitude: number; capturedAt: string; seed: number }>): Promise<Record<string, number>> {
  const card = path.join(dir, name);
  await writeCard(card, Object.fromEntries(Object.entries(files).map(([file, photo]) => [`DCIM/${file}`, { ...photo, offset: '+00:00' }])));
  await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
  const ids: Record<string, number> = {};
  for (const photo of library.photos.query() as PhotoSummary[]) {
    const file = path.basename(photo.path);
    if (!(file in files)) continue;
    ids[file] = photo.id;
    if (!library.predictions.has(photo.id, modelId)) {
      library.predictions.save({ photoId: photo.id, modelId, labels: LABELS, probabilities: Float32Array.from([0.9, 0.1]), topK: 2 });
    }
  }
  return ids;
}

function confirm(photoId: number): void {
  reviewObservation(library, photoId, { decision: 'confirmed', species: HOGWEED, reviewer: 'Anna' });
}

before(async () => {
  library = Library.open(databasePath);
  modelId = library.models.add({ name: 'test', version: '1', contentHash: 'b'.repeat(64), format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} }).id;
  library.models.setActive(modelId);
});

test('import, confirm, site, treatment; a later import with a confirmed photo after the treatment is regrowth with its alert', async () => {
  const first = await importCard('card-2024', { 'found.JPG': { ...SITE, capturedAt: '2024-06-01T10:00:00', seed: 1 } });
  refreshAlerts(library, DEFAULT_SETTINGS.geo);
  confirm(first['found.JPG']!);
  const site = createSiteFromPhoto(library, first['found.JPG']!, 15, { ranger: 'Anna', clock: at('2024-06-02T08:00:00Z') });
  assert.equal(site.state, 'confirmed');
  assert.equal(site.species, HOGWEED);
  assert.equal(site.firstRecordOn, '2024-06-01');

  // Bad input: nothing changes.
  const eventsBefore = siteEvents(library, site.id).length;
  assert.throws(() => recordTreatment(library, site.id, { method: 'cutting', treatedOn: '2024-06-20' }, { clock: at('2024-06-21T00:00:00Z') }), rejectsWith('INVALID_ARGUMENT', /after planning it/));
  planTreatment(library, site.id, { plannedFor: '2024-06-20' }, { ranger: 'Anna', clock: at('2024-06-03T00:00:00Z') });
  assert.throws(
    () => recordTreatment(library, site.id, { method: 'cutting', treatedOn: '2024-05-01' }, { clock: at('2024-06-21T00:00:00Z') }),
    rejectsWith('INVALID_ARGUMENT', /first recorded on 2024-06-01; a treatment dated 2024-05-01 cannot come before it/),
  );
  assert.throws(() => recordVisit(library, site.id, { outcome: 'clean', statement: 'looked', photoIds: [first['found.JPG']!] }, { ranger: 'Anna', clock: at('2024-06-21T00:00:00Z') }), rejectsWith('INVALID_ARGUMENT', /treatment-planned; re-check visits/));
  assert.equal(siteEvents(library, site.id).length, eventsBefore + 1);
  assert.equal(getSite(library, site.id).state, 'treatment-planned');

  const treated = recordTreatment(
    library,
    site.id,
    { method: 'herbicide', product: 'Glyphosate 360', dose: '2% spot spray', crew: 'Anna, Ben', areaSquareMetres: 120, treatedOn: '2024-06-20' },
    { ranger: 'Anna', clock: at('2024-06-21T00:00:00Z') },
  );
  assert.equal(treated.state, 'treated');
  assert.deepEqual(treated.recheckYears, [1, 2, 5]);
  assert.equal(treated.nextDueOn, '2025-06-20');

  // A photo taken 2025 at the site, 10 m away, confirmed as hogweed: regrowth.
  const later = await importCard('card-2025', { 'regrowth.JPG': { latitude: SITE.latitude + 0.00009, longitude: SITE.longitude, capturedAt: '2025-05-10T09:00:00', seed: 2 } });
  refreshAlerts(library, DEFAULT_SETTINGS.geo);
  assert.equal(getSite(library, site.id).state, 'treated', 'a predicted photo alone is not regrowth');
  assert.ok(library.sites.photosOf(site.id).includes(later['regrowth.JPG']!), 'the new photo inside the site is linked to it');
  confirm(later['regrowth.JPG']!);
  const result = refreshAlerts(library, DEFAULT_SETTINGS.geo);
  const regrowth = getSite(library, site.id);
  assert.equal(regrowth.state, 'regrowth');
  const alert = result.raised.find((raised) => raised.kind === 'regrowth');
  assert.ok(alert, 'a regrowth alert is raised');
  assert.deepEqual(alert.photoIds, [later['regrowth.JPG']!]);
  assert.equal(alert.evidence, 'confirmed');
  // The history keeps every step, who and why.
  assert.deepEqual(regrowth.history.map((entry) => entry.action), ['created', 'treatment-planned', 'recorded', 'regrowth-found']);
  assert.match(regrowth.history.at(-1)!.reason!, /after its treatment on 2024-06-20/);
  // Refreshing again changes nothing.
  const again = refreshAlerts(library, DEFAULT_SETTINGS.geo);
  assert.equal(again.raised.length, 0);
  assert.equal(siteEvents(library, site.id).length, regrowth.history.length);
});

test('clean re-checks on schedule make a site eradicated; due list follows the injected clock', async () => {
  const photos = await importCard('card-checks', {
    'check-1.JPG': { latitude: 46.71, longitude: 10.06, capturedAt: '2021-06-02T10:00:00', seed: 11 },
    'check-2.JPG': { latitude: 46.71, longitude: 10.06, capturedAt: '2022-06-02T10:00:00', seed: 12 },
    'check-3.JPG': { latitude: 46.71, longitude: 10.06, capturedAt: '2025-06-02T10:00:00', seed: 13 },
  });
  setRecheckYears(library, [1, 2, 5], BALSAM);
  assert.throws(() => setRecheckYears(library, [1, -2, 5], BALSAM), rejectsWith('INVALID_ARGUMENT', /cannot be negative/));
  const polygon = { type: 'polygon', coordinates: [[[10.0598, 46.7098], [10.0602, 46.7098], [10.0602, 46.7102], [10.0598, 46.7102], [10.0598, 46.7098]]] };
  const site = createSite(library, { species: BALSAM, extent: polygon, firstRecordOn: '2020-05-01', name: 'Inn bank' }, { ranger: 'Ben', clock: at('2020-05-02T00:00:00Z') });
  assert.equal(site.state, 'reported');
  assert.throws(() => planTreatment(library, site.id, {}, { clock: at('2020-05-03T00:00:00Z') }), rejectsWith('INVALID_ARGUMENT', /reported; .*confirm it first/));
  assert.equal(getSite(library, site.id).state, 'reported', 'nothing changed');
  assert.throws(
    () => createSite(library, { species: BALSAM, extent: { type: 'polygon', coordinates: [[[10, 46], [10.1, 46.1], [10.1, 46], [10, 46.1], [10, 46]]] } }),
    rejectsWith('GEOJSON_INVALID', /crosses itself/),
  );
  const ranger = { ranger: 'Ben' };
  confirmSite(library, site.id, { ...ranger, clock: at('2020-05-04T00:00:00Z') });
  planTreatment(library, site.id, { method: 'hand-pulling' }, { ...ranger, clock: at('2020-05-05T00:00:00Z') });
  const treated = recordTreatment(library, site.id, { method: 'hand-pulling', treatedOn: '2020-06-01', areaSquareMetres: 800 }, { ...ranger, clock: at('2020-06-01T18:00:00Z') });
  assert.equal(treated.nextDueOn, '2021-06-01');

  assert.deepEqual(dueSites(library, { clock: at('2021-03-01T00:00:00Z'), withinDays: 30 }).map((due) => due.site.id).includes(site.id), false);
  const due = dueSites(library, { clock: at('2021-05-20T00:00:00Z'), withinDays: 30 }).find((entry) => entry.site.id === site.id);
  assert.ok(due, 'due within the coming 30 days');
  assert.equal(due.dueOn, '2021-06-01');
  assert.equal(displayState(getSite(library, site.id), '2021-06-02'), 'recheck-due');

  // A clean re-check needs the ranger's statement and photos; an absence of photos is not one.
  assert.throws(() => recordVisit(library, site.id, { outcome: 'clean', statement: 'nothing seen', photoIds: [] }, { ...ranger, clock: at('2021-06-02T12:00:00Z') }), rejectsWith('INVALID_ARGUMENT', /photos/));
  const visit = (photo: string, on: string) =>
    recordVisit(library, site.id, { outcome: 'clean', statement: 'searched the whole bank and 20 m downstream: no balsam', photoIds: [photos[photo]!], visitedOn: on }, { ...ranger, clock: at(`${on}T15:00:00Z`) });
  assert.equal(visit('check-1.JPG', '2021-06-02').state, 'clean');
  const afterTwo = visit('check-2.JPG', '2022-06-02');
  assert.equal(afterTwo.state, 'clean');
  assert.equal(afterTwo.nextDueOn, '2025-06-01');
  assert.equal(displayState(afterTwo, '2024-01-01'), 'clean');
  const last = visit('check-3.JPG', '2025-06-02');
  assert.equal(last.state, 'eradicated');
  assert.equal(last.nextDueOn, null);
  assert.equal(dueSites(library, { clock: at('2030-01-01T00:00:00Z') }).some((entry) => entry.site.id === site.id), false);
  assert.deepEqual(last.history.map((entry) => entry.ranger), ['Ben', 'Ben', 'Ben', 'Ben', 'Ben', 'Ben', 'Ben']);

  // In the Darwin Core occurrences: each clean re-check is an absence, linked to its site and visit.
  const absences = darwinCoreRecords(library, DEFAULT_SETTINGS.geo).filter((record) => record.locationID === `urn:invasives-station:site:${site.id}`);
  assert.deepEqual(absences.map((record) => [record.occurrenceStatus, record.eventDate, record.scientificName]), [
    ['absent', '2021-06-02', BALSAM],
    ['absent', '2022-06-02', BALSAM],
    ['absent', '2025-06-02', BALSAM],
  ]);
  assert.deepEqual(new Set(absences.map((record) => record.eventID)).size, 3);
});

test('the projection is a fold of the events: refolding rebuilds the same site', () => {
  for (const site of listSites(library)) {
    const folded = foldSite(siteEvents(library, site.id), 'strict')!;
    assert.equal(folded.state, site.state);
    siteProjector.refold(library, 'site', site.id);
    assert.deepEqual(getSite(library, site.id), JSON.parse(JSON.stringify(folded)));
  }
  assert.deepEqual([...siteProjector.entityTypes], ['site', 'treatment', 'visit']);
});
