import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Library } from '../../main/core/library/index.js';
import type { PhotoQuery } from '../../main/core/library/types.js';
import { seededRandom } from '../../main/core/seeded-random.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The review grid reads its pages and positions from indexes (the "needs review" order from a
 * key kept by triggers, the others from photos' own indexes), page by page. Each page and each
 * position must be exactly what the plain SQL order (every join evaluated, the whole library
 * sorted: `iterate`, which the exports use) says, before and after everything that moves a photo
 * in that order: new predictions, the active model switched, the species list, a calibration's
 * verdicts, reviews and their undo, a photo removed.
 */

const dir = makeTempDir('invasives-review-order-');
const databasePath = path.join(dir, 'library.sqlite');
let library: Library;
const LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica'];
const COUNT = 120;
const random = seededRandom(1313);
let modelA: number;
let modelB: number;
const ids: number[] = [];

function predict(photoId: number, modelId: number) {
  const probabilities = new Float32Array(LABELS.length).map(() => random() * 0.2);
  probabilities[Math.floor(random() * LABELS.length)] = 0.3 + random() * 0.6;
  library.predictions.save({ photoId, modelId, labels: LABELS, probabilities, topK: 3 });
}

before(() => {
  library = Library.open(databasePath);
  const importId = library.imports.start(dir, null);
  modelA = library.models.add({ name: 'a', version: '1', contentHash: 'a', format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} }).id;
  modelB = library.models.add({ name: 'b', version: '1', contentHash: 'b', format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} }).id;
  library.models.setActive(modelA);
  for (let i = 0; i < COUNT; i++) {
    const id = library.photos.insert({
      sha256: `order-${i}`, byteSize: 1, importId, format: 'jpeg', width: 10, height: 10, orientation: 1,
      // Some photos share a capture time, some have none: ties and NULLs are ordered by id.
      capturedAt: i % 9 === 0 ? null : `2026-03-${String(1 + (i % 5)).padStart(2, '0')}T10:00:00`,
      latitude: i % 4 === 0 ? null : 41.9 + random() * 0.1, longitude: i % 4 === 0 ? null : -93.7 + random() * 0.1, altitude: null,
      cameraMake: i % 3 ? 'Canon' : 'Apple', cameraModel: null, exifWarning: null,
    });
    ids.push(id);
    if (i % 10 !== 0) predict(id, modelA); // a tenth has no prediction
    if (i % 3 === 0) predict(id, modelB);
  }
  // Ties on margin and score: the same prediction for several photos.
  for (const id of ids.slice(40, 46)) {
    library.predictions.save({ photoId: id, modelId: modelA, labels: LABELS, probabilities: new Float32Array([0.5, 0.3, 0.1, 0.1]), topK: 3 });
  }
  for (const id of ids.slice(0, 12)) library.reviews.record(id % 2 ? { photoId: id, decision: 'confirmed', species: LABELS[0]! } : { photoId: id, decision: 'rejected' });
});
after(() => library.close());

const FILTERS: PhotoQuery[] = [{}, { status: 'unreviewed' }, { status: 'reviewed' }, { species: LABELS[1]! }, { camera: 'Canon' }, { hasGps: true }, { minScore: 0.5 }, { unknown: true }, { unknown: false }];

function checkAgainstSqlOrder(label: string, orderAsOf?: string) {
  for (const filter of FILTERS) {
    for (const order of ['needs-review', 'captured', 'added'] as const) {
      const query: PhotoQuery = { ...filter, order, orderAsOf };
      const expected = [...library.photos.iterate(query)].map((photo) => photo.id);
      const paged: number[] = [];
      for (let offset = 0; offset < expected.length + 7; offset += 7) paged.push(...library.photos.query({ ...query, offset, limit: 7 }).map((photo) => photo.id));
      assert.deepEqual(paged, expected, `${label}: pages of ${order} ${JSON.stringify(filter)}`);
      assert.equal(library.photos.count(query), expected.length, `${label}: count of ${JSON.stringify(filter)}`);
      for (const id of ids.filter((_, i) => i % 5 === 0)) {
        const index = expected.indexOf(id);
        assert.equal(library.photos.positionOf(query, id), index < 0 ? null : index, `${label}: position of photo ${id} in ${order} ${JSON.stringify(filter)}`);
      }
    }
  }
}

test('pages, counts and positions equal the SQL order for every order and filter', () => {
  checkAgainstSqlOrder('as imported');
});

test('the session clock keeps photos decided since in their place, through the stored key', async () => {
  const asOf = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const first = library.photos.query({ order: 'needs-review', orderAsOf: asOf, limit: 3, offset: 0 }).map((photo) => photo.id);
  library.reviews.record({ photoId: first[0]!, decision: 'unsure' });
  library.reviews.record({ photoId: first[2]!, decision: 'corrected', species: LABELS[3]! });
  assert.deepEqual(library.photos.query({ order: 'needs-review', orderAsOf: asOf, limit: 3, offset: 0 }).map((photo) => photo.id), first);
  checkAgainstSqlOrder('decided after the clock', asOf);
  checkAgainstSqlOrder('decided, no clock');
});

test('the key follows the active model, the species list, new verdicts, undo and removals', () => {
  library.models.setActive(modelB);
  checkAgainstSqlOrder('model B active');
  library.speciesList.save([{ species: LABELS[2]!, watchList: false, priority: 3, minScore: null, alertsOn: true, canOccur: false, note: null }], 'test');
  checkAgainstSqlOrder('a class that cannot occur');
  // A calibration judging again writes the verdict columns (as predictions-store's rejudge does).
  const raw = new Database(databasePath);
  raw.prepare("UPDATE predictions SET open_set_unknown = 1, open_set_basis = 'distance' WHERE photo_id IN (SELECT photo_id FROM predictions WHERE top_score < 0.6)").run();
  raw.prepare("UPDATE predictions SET open_set_unknown = 0, open_set_basis = 'distance' WHERE open_set_unknown IS NULL").run();
  checkAgainstSqlOrder('open-set verdicts');
  library.speciesList.save([{ species: LABELS[2]!, watchList: false, priority: 3, minScore: null, alertsOn: true, canOccur: true, note: null }], 'test');
  library.speciesList.delete(LABELS[2]!);
  library.models.setActive(modelA);
  checkAgainstSqlOrder('model A again, species list emptied');
  library.reviews.undoLatest(ids[3]!);
  library.reviews.undoLatest(ids[4]!);
  predict(ids[10]!, modelA); // a photo without a prediction gets one
  raw.prepare('DELETE FROM photos WHERE id = ?').run(ids[7]!);
  raw.close();
  ids.splice(7, 1);
  checkAgainstSqlOrder('undone, predicted, removed');
});

test('the grid\'s pages walk indexes: no full scan of another table, no sort of the library', () => {
  for (const order of ['needs-review', 'captured', 'added'] as const) {
    for (const kind of ['list', 'position'] as const) {
      const plan = library.photos.queryPlan({ order, limit: 200, offset: 200, orderAsOf: new Date().toISOString() }, kind);
      assert.ok(!plan.some((row) => row.parent === 0 && /TEMP B-TREE FOR ORDER BY/.test(row.detail)), `${order} ${kind}: read in index order: ${JSON.stringify(plan)}`);
      assert.ok(!plan.some((row) => /^SCAN (?!ph\b|k\b|json_each\b)/.test(row.detail)), `${order} ${kind}: ${JSON.stringify(plan)}`);
    }
  }
});

test('the mini-map\'s neighbourhood is found by place, a hand placement winning over EXIF', () => {
  const photo = library.photos.get(ids[1]!)!;
  const box = { south: photo.latitude! - 0.01, north: photo.latitude! + 0.01, west: photo.longitude! - 0.01, east: photo.longitude! + 0.01 };
  const inBox = (p: { latitude: number | null; longitude: number | null }) =>
    p.latitude !== null && p.longitude !== null && p.latitude >= box.south && p.latitude <= box.north && p.longitude >= box.west && p.longitude <= box.east;
  // One photo placed by hand into the box (it has no EXIF position), one moved out of it.
  const placedIn = ids.find((id) => library.photos.get(id)!.latitude === null)!;
  library.positions.set(placedIn, { latitude: photo.latitude!, longitude: photo.longitude!, source: 'manual' });
  library.positions.set(ids[1]!, { latitude: 10, longitude: 10, source: 'manual' });
  const expected = [...library.photos.iterate({ order: 'added' })].filter(inBox).map((p) => p.id);
  const found = library.photos.nearby(box, 500).map((p) => p.id);
  assert.deepEqual(found, expected);
  assert.ok(found.includes(placedIn) && !found.includes(ids[1]!));
  assert.deepEqual(library.photos.nearby(box, 2).map((p) => p.id), expected.slice(0, 2), 'at most the limit, first photos first');
});
