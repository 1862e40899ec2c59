import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { StationError } from '../../main/core/errors.js';
import { decodeFloat16, encodeFloat16 } from '../../main/core/library/float16.js';
import { Library, type PhotoMetadata, rankClasses } from '../../main/core/library/index.js';
import type { ModelIdentity } from '../../main/core/vision/classifier.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();

const LABELS = ['Ailanthus altissima', 'Fallopia japonica', 'Impatiens glandulifera'];
const MODEL: ModelIdentity = {
  name: 'test model',
  version: '1',
  contentHash: 'a'.repeat(64),
  format: 'onnx',
  sourcePath: '/models/test.onnx',
  labels: LABELS,
  preprocessing: { height: 8, width: 8 },
};

function metadata(overrides: Partial<PhotoMetadata> = {}): PhotoMetadata {
  return {
    format: 'jpeg', width: 100, height: 80, orientation: 1, capturedAt: '2026-05-01T10:00:00',
    latitude: null, longitude: null, altitude: null, cameraMake: 'Canon', cameraModel: 'EOS 5D', exifWarning: null,
    ...overrides,
  };
}

function addPhoto(library: Library, sha: string, probabilities: number[], overrides: Partial<PhotoMetadata> = {}): number {
  const importId = library.imports.start('/card', null);
  const modelId = library.models.add(MODEL).id;
  return library.transaction(() => {
    const id = library.photos.insert({ ...metadata(overrides), sha256: sha, byteSize: 10, importId });
    library.photos.recordPath(id, `/card/${sha}.jpg`, importId);
    library.predictions.save({ photoId: id, modelId, labels: LABELS, probabilities: Float32Array.from(probabilities), topK: 2 });
    return id;
  });
}

test('rankClasses orders classes by probability and measures the top-two margin', () => {
  const { topK, margin } = rankClasses(LABELS, Float32Array.from([0.2, 0.7, 0.1]), 2);
  assert.deepEqual(topK.map((c) => c.label), ['Fallopia japonica', 'Ailanthus altissima']);
  assert.ok(Math.abs(margin - 0.5) < 1e-6);
});

test('float16 embeddings round-trip within half precision', () => {
  const values = Float32Array.from([0, 1, -2.5, 0.1234, 1000, 1e-5, -65504]);
  const back = decodeFloat16(encodeFloat16(values));
  values.forEach((value, i) => assert.ok(Math.abs(back[i]! - value) <= Math.abs(value) * 1e-3 + 1e-7, `value ${value} came back as ${back[i]}`));
});

test('the same content hash cannot be stored twice', () => {
  const library = Library.open(path.join(dir, 'unique.sqlite'));
  addPhoto(library, 'dup', [1, 0, 0]);
  assert.throws(() => addPhoto(library, 'dup', [1, 0, 0]), /UNIQUE/);
  assert.equal(library.photos.count(), 1);
  library.close();
});

test('reviews: confirmed needs a species, the newest decision is current, undo takes it back', () => {
  const library = Library.open(path.join(dir, 'reviews.sqlite'));
  const id = addPhoto(library, 'r1', [0.1, 0.8, 0.1]);
  assert.throws(() => library.reviews.record({ photoId: id, decision: 'confirmed' }), (e: unknown) => e instanceof StationError && e.code === 'INVALID_ARGUMENT');
  assert.throws(() => library.reviews.record({ photoId: 999, decision: 'rejected' }), (e: unknown) => e instanceof StationError && e.code === 'NOT_FOUND');
  library.reviews.record({ photoId: id, decision: 'confirmed', species: 'Fallopia japonica' });
  library.reviews.record({ photoId: id, decision: 'corrected', species: 'Impatiens glandulifera', note: 'pink flowers' });
  const photo = library.photos.get(id)!;
  assert.equal(photo.status, 'corrected');
  assert.equal(photo.species, 'Impatiens glandulifera');
  assert.equal(photo.prediction?.label, 'Fallopia japonica');
  assert.equal(library.reviews.historyOf(id).length, 2);
  library.reviews.undoLatest(id);
  assert.equal(library.photos.get(id)!.status, 'confirmed');
  assert.equal(library.photos.get(id)!.review?.predictionId ?? library.reviews.current(id)!.predictionId, photo.prediction!.id);
  library.close();
});

test('photo queries filter by species, status, GPS, score and date, and order least certain first', () => {
  const library = Library.open(path.join(dir, 'query.sqlite'));
  const sure = addPhoto(library, 'q1', [0.95, 0.03, 0.02], { capturedAt: '2026-04-01T09:00:00', latitude: 45, longitude: 7 });
  const unsure = addPhoto(library, 'q2', [0.45, 0.4, 0.15], { capturedAt: '2026-05-02T09:00:00' });
  const middle = addPhoto(library, 'q3', [0.2, 0.7, 0.1], { capturedAt: '2026-05-03T18:00:00+02:00' });
  library.reviews.record({ photoId: middle, decision: 'corrected', species: 'Ailanthus altissima' });

  const ids = (query: Parameters<Library['photos']['query']>[0]) => library.photos.query(query).map((p) => p.id);
  assert.deepEqual(ids({ species: 'Ailanthus altissima' }), [sure, unsure, middle]);
  assert.deepEqual(ids({ status: 'unreviewed' }), [sure, unsure]);
  assert.deepEqual(ids({ status: 'corrected' }), [middle]);
  assert.deepEqual(ids({ hasGps: true }), [sure]);
  assert.deepEqual(ids({ minScore: 0.6 }), [sure, middle]);
  assert.deepEqual(ids({ since: '2026-05-01' }), [unsure, middle]);
  assert.deepEqual(ids({ until: '2026-05-02' }), [sure, unsure]);
  assert.deepEqual(ids({ order: 'needs-review' }), [unsure, sure, middle]);
  assert.equal(library.photos.count({ status: 'reviewed' }), 1);
  assert.deepEqual(ids({ order: 'added', limit: 1, offset: 1 }), [unsure]);

  const summary = library.speciesSummary();
  assert.deepEqual(summary.map((s) => [s.species, s.photos, s.confirmed]), [['Ailanthus altissima', 3, 1]]);
  assert.equal(summary[0]!.firstSeen, '2026-04-01T09:00:00');
  library.close();
});

test('only one model is active at a time, and adding the same content twice returns the same row', () => {
  const library = Library.open(path.join(dir, 'models.sqlite'));
  const first = library.models.add(MODEL);
  const again = library.models.add({ ...MODEL, name: 'renamed' });
  const second = library.models.add({ ...MODEL, contentHash: 'b'.repeat(64), version: '2' });
  assert.equal(again.id, first.id);
  library.models.setActive(first.id);
  library.models.setActive(second.id);
  assert.deepEqual(library.models.list().filter((m) => m.isActive).map((m) => m.id), [second.id]);
  library.close();
});
