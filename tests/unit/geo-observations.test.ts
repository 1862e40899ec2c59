import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { computeObservations, cosineSimilarity, observationOf, refreshObservationGroups, reviewObservation } from '../../main/core/geo/observations.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const geo = { ...DEFAULT_SETTINGS.geo, burstSeconds: 180, burstMetres: 15, burstEmbeddingSimilarity: 0.97 };
const LABELS = ['Ailanthus altissima', 'Robinia pseudoacacia', 'Buddleja davidii'];
const dir = makeTempDir();
const databasePath = path.join(dir, 'library.sqlite');
let library: Library;
let ids: Record<string, number>;

/** An embedding pointing mostly along axis `axis`, nudged by `noise` along the next one. */
function embedding(axis: number, noise: number): Float32Array {
  const vector = new Float32Array(16);
  vector[axis] = 1;
  vector[(axis + 1) % 16] = noise;
  return vector;
}

before(async () => {
  const card = path.join(dir, 'card');
  // 0.0001° of latitude ≈ 11 m.
  await writeCard(card, {
    'gps-a.JPG': { seed: 1, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T10:00:00' },
    'gps-b.JPG': { seed: 2, latitude: 46.7001, longitude: 10.3, capturedAt: '2026-06-01T10:02:00' }, // 11 m, 2 min: same plant
    'gps-far.JPG': { seed: 3, latitude: 46.7003, longitude: 10.3, capturedAt: '2026-06-01T10:02:30' }, // 33 m and looks different: another plant
    'gps-later.JPG': { seed: 4, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T10:30:00' }, // same spot, 30 min later
    'nogps-1.JPG': { seed: 5, capturedAt: '2026-06-02T09:00:00' },
    'nogps-2.JPG': { seed: 6, capturedAt: '2026-06-02T09:00:40' }, // same plant by its embedding
    'nogps-3.JPG': { seed: 7, capturedAt: '2026-06-02T09:01:00' }, // a different-looking plant
  });
  library = Library.open(databasePath);
  await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
  ids = Object.fromEntries(library.photos.query().map((photo) => [path.basename(photo.path), photo.id]));
  const model = library.models.add({ name: 'm', version: '1', contentHash: 'f'.repeat(64), format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
  const vectors: Record<string, [number[], Float32Array]> = {
    'gps-a.JPG': [[0.6, 0.3, 0.1], embedding(0, 0)],
    'gps-b.JPG': [[0.2, 0.7, 0.1], embedding(5, 0)],
    'gps-far.JPG': [[0.9, 0.05, 0.05], embedding(7, 0)],
    'gps-later.JPG': [[0.9, 0.05, 0.05], embedding(0, 0)],
    'nogps-1.JPG': [[0.1, 0.1, 0.8], embedding(3, 0.1)],
    'nogps-2.JPG': [[0.3, 0.1, 0.6], embedding(3, 0.15)],
    'nogps-3.JPG': [[0.1, 0.1, 0.8], embedding(9, 0)],
  };
  for (const [name, [p, e]] of Object.entries(vectors)) {
    library.predictions.save({ photoId: ids[name]!, modelId: model.id, labels: LABELS, probabilities: Float32Array.from(p), embedding: e, topK: 3 });
  }
});

test('cosine similarity: 1 for the same direction, 0 for orthogonal vectors', () => {
  assert.ok(Math.abs(cosineSimilarity(embedding(3, 0.1), embedding(3, 0.1)) - 1) < 1e-6);
  assert.equal(cosineSimilarity(embedding(0, 0), embedding(5, 0)), 0);
});

test('bursts group by place and time, or by embedding when there is no position', () => {
  const { groups } = computeObservations(library, geo);
  const named = groups.map((members) => members.map((id) => Object.keys(ids).find((name) => ids[name] === id)!).sort());
  assert.deepEqual(
    named.sort((a, b) => a[0]!.localeCompare(b[0]!)),
    [['gps-a.JPG', 'gps-b.JPG'], ['gps-far.JPG'], ['gps-later.JPG'], ['nogps-1.JPG', 'nogps-2.JPG'], ['nogps-3.JPG']],
  );
  const tighter = computeObservations(library, { ...geo, burstMetres: 5 }).groups;
  assert.ok(tighter.every((members) => !(members.includes(ids['gps-a.JPG']!) && members.includes(ids['gps-b.JPG']!))), '11 m apart is two plants at 5 m');
});

test('the group prediction is the mean of its photos’ probabilities, and one decision covers the group', () => {
  refreshObservationGroups(library, geo);
  const group = observationOf(library, ids['gps-b.JPG']!)!;
  // Photo ids follow import order, which concurrency makes vary; photoIds are ascending.
  assert.deepEqual(group.photoIds, [ids['gps-a.JPG']!, ids['gps-b.JPG']!].sort((x, y) => x - y));
  // Mean of [0.6, 0.3, 0.1] and [0.2, 0.7, 0.1]: Robinia 0.5 beats Ailanthus 0.4 though one photo says Ailanthus.
  assert.equal(group.species, 'Robinia pseudoacacia');
  assert.ok(Math.abs(group.score! - 0.5) < 1e-6);
  assert.equal(group.evidence, 'predicted');

  const reviews = reviewObservation(library, ids['gps-a.JPG']!, { decision: 'corrected', species: 'Ailanthus altissima', reviewer: 'A. Ranger' });
  assert.deepEqual(reviews.map((review) => review.photoId).sort(), [ids['gps-a.JPG'], ids['gps-b.JPG']].sort());
  const decided = observationOf(library, ids['gps-b.JPG']!)!;
  assert.equal(decided.species, 'Ailanthus altissima');
  assert.equal(decided.evidence, 'confirmed');
  assert.ok(Math.abs(decided.score! - 0.4) < 1e-6, 'the score is the group mean for the decided species');
  assert.deepEqual(observationOf(library, ids['nogps-3.JPG']!)!.photoIds, [ids['nogps-3.JPG']], 'a single photo is its own observation');
  assert.deepEqual(library.observations.groups().length, 2);
});
