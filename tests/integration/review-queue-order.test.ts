import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Library } from '../../main/core/library/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The review queue's server side at field scale: where a photo stands in a filtered order
 * (opening a photo from an alert or a reload), a session clock that keeps decided photos in
 * their place while paging, and bulk decisions taken back as one step.
 */

const dir = makeTempDir();
let library: Library;
const ids: number[] = [];

before(() => {
  library = Library.open(path.join(dir, 'library.sqlite'));
  const importId = library.imports.start(dir, null);
  for (let i = 0; i < 30; i++) {
    ids.push(
      library.photos.insert({
        sha256: `sha-${i}`, byteSize: 1000 + i, importId, format: 'jpeg', width: 10, height: 10, orientation: 1,
        capturedAt: `2026-05-01T09:${String(i).padStart(2, '0')}:00`, latitude: null, longitude: null, altitude: null,
        cameraMake: i % 2 ? 'Canon' : 'Apple', cameraModel: null, exifWarning: null,
      }),
    );
  }
});
after(() => library.close());

test('positionOf gives the photo\'s place in the filtered order, or null when the filter leaves it out', () => {
  const order = library.photos.query({ order: 'captured' }).map((photo) => photo.id);
  assert.equal(library.photos.positionOf({ order: 'captured' }, ids[17]!), order.indexOf(ids[17]!));
  const canon = library.photos.query({ order: 'captured', camera: 'Canon' }).map((photo) => photo.id);
  assert.equal(library.photos.positionOf({ order: 'captured', camera: 'Canon' }, ids[17]!), canon.indexOf(ids[17]!));
  assert.equal(library.photos.positionOf({ order: 'captured', camera: 'Canon' }, ids[16]!), null, 'an Apple photo is not in the Canon queue');
});

test('with the session clock, photos decided since keep their place in needs-review and in the unreviewed filter', async () => {
  const before = library.photos.query({ order: 'needs-review' }).map((photo) => photo.id);
  const asOf = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  library.reviews.record({ photoId: before[0]!, decision: 'unsure' });
  library.reviews.record({ photoId: before[3]!, decision: 'rejected' });

  const stable = library.photos.query({ order: 'needs-review', orderAsOf: asOf }).map((photo) => photo.id);
  assert.deepEqual(stable, before, 'the order as of the session start');
  const page = library.photos.query({ order: 'needs-review', orderAsOf: asOf, offset: 2, limit: 3 }).map((photo) => photo.id);
  assert.deepEqual(page, before.slice(2, 5), 'a later page starts where the first one ended');
  assert.equal(library.photos.positionOf({ order: 'needs-review', orderAsOf: asOf }, before[3]!), 3);
  assert.equal(library.photos.count({ status: 'unreviewed', orderAsOf: asOf }), 30);

  const fresh = library.photos.query({ order: 'needs-review' }).map((photo) => photo.id);
  assert.deepEqual(fresh.slice(-2).sort(), [before[0]!, before[3]!].sort(), 'without the clock, decided photos go last');
  assert.equal(library.photos.count({ status: 'unreviewed' }), 28);
});

test('within keeps only the photos placed inside a box (the mini-map\'s neighbourhood)', () => {
  const importId = library.imports.start(dir, null);
  const place = (sha: string, latitude: number, longitude: number) =>
    library.photos.insert({
      sha256: sha, byteSize: 1, importId, format: 'jpeg', width: 10, height: 10, orientation: 1, capturedAt: null,
      latitude, longitude, altitude: null, cameraMake: null, cameraModel: null, exifWarning: null,
    });
  const near = place('near', -33.9, 18.4);
  const close = place('close', -33.905, 18.41);
  place('far', -34.5, 19.5);
  const found = library.photos.query({ within: { south: -33.95, north: -33.85, west: 18.35, east: 18.45 } }).map((photo) => photo.id);
  assert.deepEqual(found.sort(), [near, close].sort());
});

test('the grid\'s hot queries read every table other than photos through an index', () => {
  const filters: Array<Record<string, unknown>> = [
    {}, { species: 'Acacia dealbata' }, { status: 'unreviewed' }, { status: 'confirmed' }, { status: 'reviewed' },
    { since: '2026-05-01', until: '2026-06-01' }, { importId: 1 }, { camera: 'Canon' }, { hasGps: true }, { minScore: 0.5, maxScore: 0.9 }, { unknown: true },
  ];
  for (const filter of filters) {
    for (const order of ['needs-review', 'captured', 'added'] as const) {
      const plan = library.photos.queryPlan({ ...filter, order, limit: 200, offset: 200, orderAsOf: new Date().toISOString() }, 'list');
      // Walked in index order: photos (captured, added) or the stored needs-review key (k); the page's ids (json_each).
      const scans = plan.filter((row) => /^SCAN /.test(row.detail) && !/^SCAN (ph|k|json_each)\b/.test(row.detail));
      assert.deepEqual(scans, [], `${order} ${JSON.stringify(filter)}: only photos or the order key is walked; everything else is searched`);
      assert.ok(!plan.some((row) => /AUTOMATIC/.test(row.detail)), 'no automatic index');
      const outerSort = plan.filter((row) => row.parent === 0 && /TEMP B-TREE FOR ORDER BY/.test(row.detail));
      assert.deepEqual(outerSort, [], `${order} ${JSON.stringify(filter)}: the page is read in index order and stops at its limit`);
      const position = library.photos.queryPlan({ ...filter, order, orderAsOf: new Date().toISOString() }, 'position');
      assert.deepEqual(position.filter((row) => /^SCAN /.test(row.detail) && !/^SCAN (ph|k)\b/.test(row.detail) || /TEMP B-TREE FOR ORDER BY/.test(row.detail) && row.parent === 0), [], `position ${order} ${JSON.stringify(filter)}`);
    }
    const count = library.photos.queryPlan(filter, 'count');
    // A bare count(*) names the table rather than its alias.
    assert.deepEqual(count.filter((row) => /^SCAN /.test(row.detail) && !/^SCAN (ph|photos)\b/.test(row.detail)), [], `count ${JSON.stringify(filter)}`);
  }
});

test('undoLatestOfMany takes back a bulk decision as one step and keeps earlier decisions', () => {
  const [a, b, c] = [ids[20]!, ids[21]!, ids[22]!];
  library.reviews.record({ photoId: a, decision: 'unsure' });
  library.reviews.recordMany([a, b, c].map((photoId) => ({ photoId, decision: 'rejected' as const })));
  assert.equal(library.reviews.undoLatestOfMany([a, b, c]), 3);
  assert.equal(library.photos.get(a)!.status, 'unsure', 'the decision before the bulk one is back');
  assert.equal(library.photos.get(b)!.status, 'unreviewed');
  assert.equal(library.photos.get(c)!.status, 'unreviewed');
});
