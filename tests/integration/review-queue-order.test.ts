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

test('undoLatestOfMany takes back a bulk decision as one step and keeps earlier decisions', () => {
  const [a, b, c] = [ids[20]!, ids[21]!, ids[22]!];
  library.reviews.record({ photoId: a, decision: 'unsure' });
  library.reviews.recordMany([a, b, c].map((photoId) => ({ photoId, decision: 'rejected' as const })));
  assert.equal(library.reviews.undoLatestOfMany([a, b, c]), 3);
  assert.equal(library.photos.get(a)!.status, 'unsure', 'the decision before the bulk one is back');
  assert.equal(library.photos.get(b)!.status, 'unreviewed');
  assert.equal(library.photos.get(c)!.status, 'unreviewed');
});
