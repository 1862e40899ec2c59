import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { loadZonesFile } from '../../main/core/geo/zones.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const LABELS = ['Heracleum mantegazzianum', 'Impatiens glandulifera'];
const geo = { ...DEFAULT_SETTINGS.geo, surgeWindowDays: 14, surgeMinSightings: 3, surgeFactor: 3, surgeHistoryWindows: 6 };
const DAY = 86_400_000;

function localTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

test('a sharp rise of sightings in a zone raises one surge alert for that window; a first import is not a surge', async () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');
  const library = Library.open(databasePath);
  try {
    fs.writeFileSync(
      path.join(dir, 'zones.geojson'),
      JSON.stringify({ type: 'Feature', properties: { name: 'Il Fuorn' }, geometry: { type: 'Polygon', coordinates: [[[10.2, 46.6], [10.3, 46.6], [10.3, 46.7], [10.2, 46.7], [10.2, 46.6]]] } }),
    );
    loadZonesFile(library, path.join(dir, 'zones.geojson'), 'zone');
    const modelId = library.models.add({ name: 'm', version: '1', contentHash: 'b'.repeat(64), format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} }).id;
    const windowMs = geo.surgeWindowDays * DAY;
    const recentStart = Math.floor(Date.parse('2026-06-01T00:00:00Z') / windowMs) * windowMs;
    const classifyAll = () => {
      for (const photo of library.photos.query()) {
        if (!library.predictions.has(photo.id, modelId)) {
          library.predictions.save({ photoId: photo.id, modelId, labels: LABELS, probabilities: Float32Array.from([0.9, 0.1]), topK: 2 });
        }
      }
    };
    // Three separate plants (hundreds of metres and hours apart) in the recent window.
    const recent = path.join(dir, 'recent');
    await writeCard(
      recent,
      Object.fromEntries(
        [0, 1, 2].map((i) => [`DCIM/r${i}.JPG`, { seed: 10 + i, latitude: 46.65 + i * 0.005, longitude: 10.25, capturedAt: localTime(recentStart + DAY + i * 3_600_000) }]),
      ),
    );
    await importFolder(library, recent, { settings: resolveSettings({ databasePath }) });
    classifyAll();
    refreshAlerts(library, geo);
    assert.equal(library.alerts.list({ kind: 'surge' }).length, 0, 'no history before: not a surge');

    // One sighting in the window before: 3 now against a mean of 1 is a threefold rise.
    const older = path.join(dir, 'older');
    await writeCard(older, { 'DCIM/o1.JPG': { seed: 20, latitude: 46.66, longitude: 10.26, capturedAt: localTime(recentStart - 3 * DAY) } });
    await importFolder(library, older, { settings: resolveSettings({ databasePath }) });
    classifyAll();
    const result = refreshAlerts(library, geo);
    const surges = library.alerts.list({ kind: 'surge' });
    assert.equal(surges.length, 1);
    assert.deepEqual(result.raised.filter((alert) => alert.kind === 'surge').map((alert) => alert.id), [surges[0]!.id]);
    const surge = surges[0]!;
    assert.equal(surge.species, LABELS[0]);
    assert.match(surge.placeLabel, /^Il Fuorn, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}$/);
    assert.deepEqual((surge.detail.window as { sightings: number; historyMean: number }).sightings, 3);
    assert.equal((surge.detail.window as { historyMean: number }).historyMean, 1);
    assert.equal(surge.photoIds.length, 3);

    // Against a stricter factor the same data is no surge; the stored alert is not raised again either way.
    assert.equal(refreshAlerts(library, geo).raised.length, 0);
    library.alerts.withdraw(surge.id);
    refreshAlerts(library, { ...geo, surgeFactor: 4 });
    assert.equal(library.alerts.list({ kind: 'surge' }).length, 0);
  } finally {
    library.close();
  }
});
