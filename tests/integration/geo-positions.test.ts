import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { writeGeoJsonExport } from '../../main/core/geo/export-geojson.js';
import { matchPhotosToGpx } from '../../main/core/geo/gpx.js';
import { loadZonesFile } from '../../main/core/geo/zones.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const geo = DEFAULT_SETTINGS.geo;
const dir = makeTempDir();
const databasePath = path.join(dir, 'library.sqlite');
let library: Library;
let ids: Record<string, number>;

const TRACK = `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="46.6500" lon="10.2500"><time>2026-06-01T08:00:00Z</time></trkpt>
<trkpt lat="46.6600" lon="10.2700"><time>2026-06-01T08:02:00Z</time></trkpt>
<trkpt lat="46.6700" lon="10.2900"><time>2026-06-01T09:00:00Z</time></trkpt>
</trkseg></trk></gpx>`;

before(async () => {
  const card = path.join(dir, 'card');
  await writeCard(card, {
    'DCIM/exif.JPG': { seed: 1, latitude: 46.7, longitude: 10.05, capturedAt: '2026-06-01T10:00:00', offset: '+02:00' },
    // No GPS; the camera recorded its UTC offset: 10:01:00+02:00 is 08:01:00Z, half-way along the first segment.
    'DCIM/with-offset.JPG': { seed: 2, capturedAt: '2026-06-01T10:01:00', offset: '+02:00' },
    // No GPS and no offset: needs the one the ranger gives.
    'DCIM/no-offset.JPG': { seed: 3, capturedAt: '2026-06-01T10:00:30' },
    // No GPS; in the 58-minute gap of the track.
    'DCIM/in-gap.JPG': { seed: 4, capturedAt: '2026-06-01T10:30:00', offset: '+02:00' },
  });
  library = Library.open(databasePath);
  await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
  ids = Object.fromEntries(library.photos.query().map((photo) => [path.basename(photo.path), photo.id]));
  fs.writeFileSync(path.join(dir, 'walk.gpx'), TRACK);
});

test('GPX matching places photos without GPS at their UTC capture time and keeps the source', () => {
  const report = matchPhotosToGpx(library, path.join(dir, 'walk.gpx'), geo, { offsetMinutes: null });
  assert.equal(report.trackPoints, 3);
  assert.equal(report.alreadyPlaced, 1, 'the EXIF photo is left alone');
  assert.deepEqual(report.placed.map((placed) => placed.photoId), [ids['with-offset.JPG']]);
  const placed = library.photos.get(ids['with-offset.JPG']!)!;
  assert.equal(placed.positionSource, 'gpx');
  assert.ok(Math.abs(placed.latitude! - 46.655) < 1e-9 && Math.abs(placed.longitude! - 10.26) < 1e-9);
  const reasons = Object.fromEntries(report.refused.map((refused) => [refused.photoId, refused.reason]));
  assert.match(reasons[ids['no-offset.JPG']!]!, /no UTC offset.*--offset/);
  assert.match(reasons[ids['in-gap.JPG']!]!, /58 min gap/);
  assert.equal(library.photos.get(ids['exif.JPG']!)!.positionSource, 'exif');
});

test('the offset given for photos without one, and a camera clock offset, are applied', () => {
  // 10:00:30 at +02:00 is 08:00:30Z; the camera was 30 s fast, so the true time is 08:00:00Z: the first fix.
  const report = matchPhotosToGpx(library, path.join(dir, 'walk.gpx'), geo, { offsetMinutes: 120, clockOffsetSeconds: -30 });
  assert.deepEqual(report.placed.map((placed) => placed.photoId), [ids['no-offset.JPG']]);
  const photo = library.photos.get(ids['no-offset.JPG']!)!;
  assert.equal(photo.latitude, 46.65);
  assert.equal(photo.longitude, 10.25);
  // Without overwrite, an earlier GPX position is kept; with it, it is recomputed.
  const again = matchPhotosToGpx(library, path.join(dir, 'walk.gpx'), geo, { offsetMinutes: 120, clockOffsetSeconds: 30 });
  assert.equal(again.placed.length, 0);
  const overwritten = matchPhotosToGpx(library, path.join(dir, 'walk.gpx'), geo, { offsetMinutes: 120, clockOffsetSeconds: 30, overwrite: true });
  assert.ok(overwritten.placed.some((placed) => placed.photoId === ids['no-offset.JPG']));
  assert.ok(Math.abs(library.photos.get(ids['no-offset.JPG']!)!.latitude! - 46.655) < 1e-9);
});

test('a hand placement wins over EXIF, is used by filters, stats and the GeoJSON export, and can be cleared', async () => {
  const exifId = ids['exif.JPG']!;
  library.positions.set(exifId, { latitude: 46.71, longitude: 10.06, source: 'manual' });
  const moved = library.photos.get(exifId)!;
  assert.deepEqual([moved.latitude, moved.longitude, moved.positionSource], [46.71, 10.06, 'manual']);
  library.positions.set(ids['in-gap.JPG']!, { latitude: 46.68, longitude: 10.3, source: 'manual' });
  assert.equal(library.photos.count({ hasGps: true }), 4);
  assert.equal(library.stats().withGps, 4);
  const out = path.join(dir, 'photos.geojson');
  const counts = await writeGeoJsonExport(library, {}, out);
  assert.deepEqual(counts, { written: 4, leftOut: 0 });
  const features = (JSON.parse(fs.readFileSync(out, 'utf8')) as { features: { id: number; geometry: { coordinates: number[] } }[] }).features;
  assert.deepEqual(features.find((feature) => feature.id === exifId)!.geometry.coordinates.slice(0, 2), [10.06, 46.71]);

  assert.throws(() => library.positions.set(exifId, { latitude: 91, longitude: 10, source: 'manual' }), /not a WGS84 latitude/);
  assert.throws(() => library.positions.set(9999, { latitude: 46, longitude: 10, source: 'manual' }), /Photo 9999 is not in the library/);
  assert.equal(library.positions.clear(exifId), true);
  const back = library.photos.get(exifId)!;
  assert.equal(back.positionSource, 'exif');
  assert.ok(Math.abs(back.latitude! - 46.7) < 1e-6);
});

test('placing a photo in a zone makes it count there: its alerts follow the new position', () => {
  fs.writeFileSync(
    path.join(dir, 'zones.geojson'),
    JSON.stringify({ type: 'Feature', properties: { name: 'Il Fuorn' }, geometry: { type: 'Polygon', coordinates: [[[10.2, 46.6], [10.4, 46.6], [10.4, 46.8], [10.2, 46.8], [10.2, 46.6]]] } }),
  );
  loadZonesFile(library, path.join(dir, 'zones.geojson'), 'zone');
  const modelId = library.models.add({ name: 'm', version: '1', contentHash: 'c'.repeat(64), format: 'onnx', sourcePath: dir, labels: ['Ailanthus altissima', 'other'], preprocessing: {} }).id;
  library.predictions.save({ photoId: ids['exif.JPG']!, modelId, labels: ['Ailanthus altissima', 'other'], probabilities: Float32Array.from([0.95, 0.05]), topK: 2 });
  refreshAlerts(library, geo);
  assert.equal(library.alerts.list({ kind: 'new-zone' }).length, 0, 'at its EXIF position the photo is outside every zone');
  library.positions.set(ids['exif.JPG']!, { latitude: 46.7, longitude: 10.3, source: 'manual' });
  const result = refreshAlerts(library, geo);
  assert.deepEqual(result.raised.filter((alert) => alert.kind === 'new-zone').map((alert) => alert.placeLabel), ['Il Fuorn']);
});
