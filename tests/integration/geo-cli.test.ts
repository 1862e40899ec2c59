import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { type AlertRow, Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { cliOnLibrary } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const db = path.join(dir, 'library.sqlite');
const card = path.join(dir, 'card');
const LABELS = ['Ailanthus altissima', 'Robinia pseudoacacia'];
let ids: Record<string, number>;

const cli = cliOnLibrary(db);

before(async () => {
  await writeCard(card, {
    'DCIM/tree.JPG': { seed: 1, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T10:00:00', offset: '+02:00' },
    'DCIM/no-gps.JPG': { seed: 2, capturedAt: '2026-06-01T10:01:00' },
  });
  const library = Library.open(db);
  try {
    await importFolder(library, card, { settings: resolveSettings({ databasePath: db }) });
    ids = Object.fromEntries(library.photos.query().map((photo) => [path.basename(photo.path), photo.id]));
    // The classify stage's output for the two photos (no model pack needed for the geography).
    const model = library.models.add({ name: 'm', version: '1', contentHash: 'e'.repeat(64), format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
    library.models.setActive(model.id);
    for (const id of Object.values(ids)) {
      library.predictions.save({ photoId: id, modelId: model.id, labels: LABELS, probabilities: Float32Array.from([0.9, 0.1]), topK: 2 });
    }
  } finally {
    library.close();
  }
  fs.writeFileSync(
    path.join(dir, 'zones.geojson'),
    JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Il Fuorn' }, geometry: { type: 'Polygon', coordinates: [[[10.2, 46.6], [10.4, 46.6], [10.4, 46.8], [10.2, 46.8], [10.2, 46.6]]] } }] }),
  );
});

function inLibrary<T>(work: (library: Library) => T): T {
  const library = Library.open(db);
  try {
    return work(library);
  } finally {
    library.close();
  }
}

test('zones load raises alerts; alerts can be dismissed only with a reason; a CLI re-import keeps the dismissal', async () => {
  const loaded = await cli(['zones', 'load', path.join(dir, 'zones.geojson')]);
  assert.match(loaded.stdout, /Loaded 1 zone\(s\): Il Fuorn/);
  assert.match(loaded.stdout, /NEW ALERT #\d+ new: New introduction: first record in this zone: Ailanthus altissima, Il Fuorn, 1 photo\(s\) \[predicted only\]/);
  assert.match(loaded.stdout, /NEW ALERT #\d+ new: New to the park: species never recorded before: Ailanthus altissima, first record at this station, \d+ photo\(s\)/);
  const alerts = JSON.parse((await cli(['alerts', 'list', '--json'])).stdout) as AlertRow[];
  const zone = alerts.find((alert) => alert.kind === 'new-zone')!;
  assert.ok(zone);
  const noReason = await cli(['alerts', 'dismiss', String(zone.id)], 2);
  assert.match(noReason.stderr, /--reason/);
  const dismissed = await cli(['alerts', 'dismiss', String(zone.id), '--reason', 'planted street tree']);
  assert.match(dismissed.stdout, /dismissed \(planted street tree\)/);

  const reimport = await cli(['import', card, '--no-classify']);
  assert.doesNotMatch(reimport.stdout, /NEW ALERT/);
  const after = inLibrary((library) => library.alerts.get(zone.id)!);
  assert.deepEqual([after.state, after.dismissReason], ['dismissed', 'planted street tree']);
});

test('place sets a hand position (negative-safe --lat=), gpx places by time with --offset, a bad baseline names its problem', async () => {
  const placed = JSON.parse((await cli(['place', String(ids['no-gps.JPG']), '--lat=46.75', '--lon=10.25', '--json'])).stdout) as { photo: { positionSource: string; latitude: number } };
  assert.equal(placed.photo.positionSource, 'manual');
  assert.equal(placed.photo.latitude, 46.75);
  inLibrary((library) => library.positions.clear(ids['no-gps.JPG']!));

  fs.writeFileSync(
    path.join(dir, 'track.gpx'),
    `<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="46.7600" lon="10.2600"><time>2026-06-01T08:00:00Z</time></trkpt>
<trkpt lat="46.7620" lon="10.2640"><time>2026-06-01T08:02:00Z</time></trkpt></trkseg></trk></gpx>`,
  );
  const gpx = JSON.parse((await cli(['gpx', path.join(dir, 'track.gpx'), '--offset', '+02:00', '--json'])).stdout) as { placed: { photoId: number; latitude: number }[] };
  assert.deepEqual(gpx.placed.map((entry) => entry.photoId), [ids['no-gps.JPG']]);
  assert.ok(Math.abs(gpx.placed[0]!.latitude - 46.761) < 1e-9);

  fs.writeFileSync(path.join(dir, 'bad.csv'), 'species,where\nRobinia pseudoacacia,here\n');
  const badBaseline = await cli(['baseline', path.join(dir, 'bad.csv')], 3);
  assert.match(badBaseline.stderr, /bad\.csv: no latitude column/);
});

test('alerts export writes the HTML report; export --format dwc writes Darwin Core', async () => {
  const html = path.join(dir, 'alerts.html');
  const result = await cli(['alerts', 'export', '--format', 'html', '--out', html]);
  assert.match(result.stdout, /Wrote \d+ alert\(s\) as html/);
  assert.match(fs.readFileSync(html, 'utf8'), /<svg /);
  const again = await cli(['alerts', 'export', '--format', 'csv', '--out', html], 3);
  assert.match(again.stderr, /alerts\.html already exists; nothing was written\. Choose another --out name, or pass --force/);
  assert.match(fs.readFileSync(html, 'utf8'), /<svg /, 'the report is untouched');
  const dwc = path.join(dir, 'occurrences.csv');
  const exported = await cli(['export', '--format', 'dwc', '--out', dwc, '--recorded-by', 'Ranger team']);
  assert.match(exported.stderr, /Exported 2 occurrences as dwc/);
  const rows = parse(fs.readFileSync(dwc, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.deepEqual(rows.map((row) => row.basisOfRecord), ['MachineObservation', 'MachineObservation']);
  assert.ok(rows.some((row) => row.georeferenceSources === 'GPS track (GPX), time-matched'));
});
