import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../main/core/library/database.js';
import { encodeFloat16, encodeFloat32 } from '../../main/core/library/float16.js';
import { Library } from '../../main/core/library/index.js';
import { MIGRATIONS } from '../../main/core/library/migrations.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** The schema just before open-set verdicts were stored (found by content: the lead renumbers migrations). */
const BEFORE = MIGRATIONS.slice(0, MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE model_calibrations')));

test('an older library is brought up to date: its trained model keeps its calibration, stored embeddings are judged, alerts keep their photos', () => {
  const dbPath = path.join(makeTempDir(), 'old.sqlite');
  const db = openDatabase(dbPath, BEFORE);
  const openSet = {
    method: 'nearest-centroid-cosine', quantile: 0.95, distanceThreshold: 0.3, probabilityThreshold: 0.4,
    centroids: [[1, 0, 0], [0, 1, 0]], calibratedOn: 'validation', flaggedCount: 0, calibrationCount: 4,
  };
  const now = '2026-01-01T00:00:00.000Z';
  db.prepare(`INSERT INTO models (id, name, version, format, content_hash, source_path, labels_json, preprocessing_json, provenance_json, added_at, is_active)
              VALUES (1, 'head', '1', 'trained-head', 'h', '/x', '["a","b"]', '{}', ?, ?, 1)`).run(JSON.stringify({ kind: 'trained-head', openSet }), now);
  db.prepare(`INSERT INTO models (id, name, version, format, content_hash, source_path, labels_json, preprocessing_json, added_at)
              VALUES (2, 'downloaded', '1', 'deepoc', 'd', '/y', '["a","b"]', '{}', ?)`).run(now);
  const photo = db.prepare(`INSERT INTO photos (sha256, byte_size, format, added_at, latitude, longitude) VALUES (?, 1, 'jpeg', ?, 46.7, 10.1)`);
  const prediction = db.prepare(`INSERT INTO predictions (photo_id, model_id, top_label, top_score, margin, top_k_json, probabilities, embedding, created_at)
                                 VALUES (?, ?, 'a', 0.9, 0.8, '[]', ?, ?, ?)`);
  const vectors = { known: [0.98, 0.05, 0.1], novel: [0.1, 0.1, 1] };
  for (const [i, [name, embedding]] of Object.entries(vectors).entries()) {
    const id = Number(photo.run(name, now).lastInsertRowid);
    prediction.run(id, 1, encodeFloat32(Float32Array.from([0.9, 0.1])), encodeFloat16(Float32Array.from(embedding)), now);
    prediction.run(id, 2, encodeFloat32(Float32Array.from([0.9, 0.1])), encodeFloat16(Float32Array.from(embedding)), now);
    if (i === 0) {
      db.prepare(`INSERT INTO alerts (id, kind, species, place_key, place_label, raised_at, updated_at) VALUES (7, 'new-cell', 'a', 'cell:1000:1:2', 'c', ?, ?)`).run(now, now);
      db.prepare('INSERT INTO alert_photos (alert_id, photo_id) VALUES (7, ?)').run(id);
    }
  }
  db.close();

  const library = Library.open(dbPath);
  try {
    assert.ok(library.calibrations.get(1), 'the trained model keeps its calibration');
    assert.equal(library.calibrations.summary(1)!.source, 'training');
    assert.equal(library.calibrations.get(2), null, 'the downloaded model is "not calibrated"');
    const photos = library.photos.query({ order: 'added' });
    // The active (trained) model's predictions are judged from their stored embeddings.
    assert.deepEqual(photos.map((p) => p.prediction!.openSet?.unknown), [false, true]);
    assert.equal(photos[1]!.prediction!.openSet!.distanceThreshold, 0.3);
    assert.deepEqual(library.predictions.verdictCounts(2), { unknown: 0, known: 0, notJudged: 2 });
    const alert = library.alerts.get(7)!;
    assert.deepEqual(alert.photoIds, [photos[0]!.id], 'rebuilding the alerts table kept its photos');
    assert.equal(alert.cellKey, 'cell:1000:1:2');
    assert.equal(alert.seenAt, null);
  } finally {
    library.close();
  }
});
