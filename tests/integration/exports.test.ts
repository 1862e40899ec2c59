import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { writeCsvExport } from '../../main/core/geo/export-csv.js';
import { EXPORT_COLUMNS } from '../../main/core/geo/export-record.js';
import { writeGeoJsonExport } from '../../main/core/geo/export-geojson.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const card = path.join(dir, 'card');
const databasePath = path.join(dir, 'library', 'library.sqlite');
let library: Library;

const PHOTOS = {
  'DCIM/south-west.JPG': { seed: 1, latitude: -41.2865, longitude: -174.7762, altitude: 25.3, capturedAt: '2026-02-01T08:00:00', make: 'NIKON', model: 'D750' },
  'DCIM/north-east.JPG': { seed: 2, latitude: 60.1699, longitude: 24.9384, capturedAt: '2026-07-01T12:30:00', offset: '+03:00', make: 'Apple', model: 'iPhone 12' },
  'DCIM/no-gps.JPG': { seed: 3, capturedAt: '2026-07-02T12:30:00', make: '=cmd|calc', model: '@SUM(A1)' },
} as const;

function byName<T extends { path: string }>(rows: T[]): Record<string, T> {
  return Object.fromEntries(rows.map((row) => [path.basename(row.path), row]));
}

before(async () => {
  await writeCard(card, PHOTOS);
  library = Library.open(databasePath);
  await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
  const photos = byName(library.photos.query());
  library.reviews.record({ photoId: photos['north-east.JPG']!.id, decision: 'confirmed', species: 'Heracleum mantegazzianum', note: '=HYPERLINK("http://x")' });
  library.reviews.record({ photoId: photos['south-west.JPG']!.id, decision: 'rejected', note: 'not a plant' });
});

test('CSV export is RFC 4180 with a header, one row per photo, and reads back field by field', async () => {
  const out = path.join(dir, 'photos.csv');
  const counts = await writeCsvExport(library, {}, out);
  assert.equal(counts.written, 3);
  const text = fs.readFileSync(out, 'utf8');
  assert.ok(text.includes('\r\n'), 'CRLF line endings');
  const rows = parse(text, { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(rows[0]!), [...EXPORT_COLUMNS]);
  const rowsByName = byName(rows);
  const sw = rowsByName['south-west.JPG']!;
  assert.ok(Math.abs(Number(sw.latitude) - -41.2865) < 1e-6);
  assert.ok(Math.abs(Number(sw.longitude) - -174.7762) < 1e-6);
  assert.ok(Math.abs(Number(sw.altitude_m) - 25.3) < 0.1);
  assert.equal(sw.captured_at, '2026-02-01T08:00:00');
  assert.equal(sw.camera_make, 'NIKON');
  assert.equal(sw.review_status, 'rejected');
  assert.equal(sw.review_note, 'not a plant');
  const ne = rowsByName['north-east.JPG']!;
  assert.equal(ne.captured_at, '2026-07-01T12:30:00+03:00');
  assert.equal(ne.review_status, 'confirmed');
  assert.equal(ne.reviewed_species, 'Heracleum mantegazzianum');
  assert.match(ne.sha256!, /^[0-9a-f]{64}$/);
  assert.equal(rowsByName['no-gps.JPG']!.latitude, '');
});

test('CSV cells a spreadsheet would execute are neutralised; negative numbers stay numbers', async () => {
  const out = path.join(dir, 'injection.csv');
  await writeCsvExport(library, {}, out);
  const rows = byName(parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[]);
  assert.equal(rows['north-east.JPG']!.review_note, `'=HYPERLINK("http://x")`);
  assert.equal(rows['no-gps.JPG']!.camera_make, `'=cmd|calc`);
  assert.equal(rows['no-gps.JPG']!.camera_model, `'@SUM(A1)`);
  assert.ok(Number(rows['south-west.JPG']!.longitude) < 0);
});

test('GeoJSON export is a FeatureCollection of [lon, lat, alt] points and counts photos without GPS', async () => {
  const out = path.join(dir, 'photos.geojson');
  const counts = await writeGeoJsonExport(library, {}, out);
  assert.deepEqual(counts, { written: 2, leftOut: 1 });
  const collection = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(collection.type, 'FeatureCollection');
  const features = Object.fromEntries(collection.features.map((f: { properties: { path: string } }) => [path.basename(f.properties.path), f]));
  const sw = features['south-west.JPG'];
  assert.equal(sw.geometry.type, 'Point');
  const [lon, lat, alt] = sw.geometry.coordinates;
  assert.ok(Math.abs(lon - -174.7762) < 1e-6, 'longitude first');
  assert.ok(Math.abs(lat - -41.2865) < 1e-6, 'latitude second');
  assert.ok(Math.abs(alt - 25.3) < 0.1);
  assert.equal(features['north-east.JPG'].geometry.coordinates.length, 2, 'no altitude → [lon, lat]');
  assert.equal(features['north-east.JPG'].properties.reviewed_species, 'Heracleum mantegazzianum');
});

test('exports apply the same filters as the library query', async () => {
  const out = path.join(dir, 'filtered.geojson');
  assert.deepEqual(await writeGeoJsonExport(library, { status: 'confirmed' }, out), { written: 1, leftOut: 0 });
  assert.deepEqual(await writeCsvExport(library, { since: '2026-07-01' }, out), { written: 2, leftOut: 0 });
  assert.deepEqual(await writeCsvExport(library, { species: 'Heracleum mantegazzianum' }, out), { written: 1, leftOut: 0 });
});

test('an export that fails leaves no half-written file under the final name', async () => {
  const out = path.join(dir, 'atomic.csv');
  fs.writeFileSync(out, 'previous export\n');
  const closed = Library.open(databasePath);
  closed.close();
  await assert.rejects(writeCsvExport(closed, {}, out));
  assert.equal(fs.readFileSync(out, 'utf8'), 'previous export\n');
  assert.deepEqual(fs.readdirSync(dir).filter((name) => name.includes('.partial')), []);
});

test('every CSV text field is quoted (RFC 4180), shell-like values included, and reads back unchanged; numbers stay bare', async () => {
  const out = path.join(dir, 'quoted.csv');
  const photos = byName(library.photos.query());
  const shellLike = `$(touch ${path.join(dir, 'pwned')})`;
  library.reviews.record({ photoId: photos['south-west.JPG']!.id, decision: 'corrected', species: shellLike, note: 'x; rm -rf ~' });
  await writeCsvExport(library, {}, out);
  const lines = fs.readFileSync(out, 'utf8').split('\r\n').filter(Boolean);
  for (const line of lines) {
    // Split on commas outside quotes and check each raw field: quoted text, a bare number, or empty.
    const raw = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((field) => field.replace(/,$/, '')).filter((_, index, all) => index < all.length - 1 || all[index] !== '');
    for (const field of raw) assert.match(field, /^(|"([^"]|"")*"|-?\d+(\.\d+)?(e-?\d+)?)$/, `field ${field} of line ${line.slice(0, 40)}… is quoted or a number`);
  }
  const row = byName(parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[])['south-west.JPG']!;
  assert.equal(row.reviewed_species, shellLike, 'the value reads back unchanged');
  assert.ok(fs.readFileSync(out, 'utf8').includes(`"${shellLike}"`));
  library.reviews.undoLatest(photos['south-west.JPG']!.id);
});
