/**
 * The CLI side of triage and identity: the species list as CSV (a bad file stores nothing),
 * settings, "not calibrated" models, and bulk alert decisions by filter with --ranger.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { type AlertRow, Library, type SpeciesEntry } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { cliOnLibrary } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const db = path.join(dir, 'library.sqlite');
const LABELS = ['Ailanthus altissima', 'Robinia pseudoacacia'];

const cli = cliOnLibrary(db);

before(async () => {
  const card = path.join(dir, 'card');
  await writeCard(card, {
    'DCIM/a.JPG': { seed: 1, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T10:00:00' },
    'DCIM/b.JPG': { seed: 2, latitude: 46.75, longitude: 10.35, capturedAt: '2026-06-01T11:00:00' },
  });
  const library = Library.open(db);
  try {
    await importFolder(library, card, { settings: resolveSettings({ databasePath: db }) });
    const model = library.models.add({ name: 'downloaded', version: '1', contentHash: 'f'.repeat(64), format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
    library.models.setActive(model.id);
    for (const photo of library.photos.query()) {
      library.predictions.save({ photoId: photo.id, modelId: model.id, labels: LABELS, probabilities: Float32Array.from([0.9, 0.1]), topK: 2 });
    }
    refreshAlerts(library, DEFAULT_SETTINGS.geo);
  } finally {
    library.close();
  }
});

test('species list CSV: a file with an unknown species is refused whole with the line to fix; a good one round-trips', async () => {
  const good = path.join(dir, 'watch.csv');
  fs.writeFileSync(good, 'species,watch_list,priority,min_score,alerts,can_occur,note\r\nAilanthus altissima,yes,1,0.7,on,yes,"tree of heaven, cut on sight"\r\nRobinia pseudoacacia,no,4,,off,no,\r\n');
  await cli(['species', 'import', good, '--ranger', 'A. Ranger']);
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'species,watch_list\nAilanthus altisima,yes\n');
  const refused = await cli(['species', 'import', bad, '--replace'], 3);
  assert.match(refused.stderr, /"Ailanthus altisima" \(did you mean "Ailanthus altissima"\?\).*Nothing was stored/);
  const badPriority = path.join(dir, 'bad-priority.csv');
  fs.writeFileSync(badPriority, 'species,priority\nAilanthus altissima,9\n');
  assert.match((await cli(['species', 'import', badPriority], 3)).stderr, /line 2: priority is "9"/);

  const list = JSON.parse((await cli(['species', 'list', '--json'])).stdout) as SpeciesEntry[];
  assert.deepEqual(list.map((e) => [e.species, e.watchList, e.priority, e.minScore, e.alertsOn, e.canOccur, e.updatedBy]), [
    ['Ailanthus altissima', true, 1, 0.7, true, true, 'A. Ranger'],
    ['Robinia pseudoacacia', false, 4, null, false, false, 'A. Ranger'],
  ]);
  const out = path.join(dir, 'exported.csv');
  await cli(['species', 'export', '--out', out]);
  const again = await cli(['species', 'export', '--out', out], 3);
  assert.match(again.stderr, /exported\.csv already exists; nothing was written\. Choose another --out name, or pass --force/);
  const rows = parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.deepEqual(rows[0], { species: 'Ailanthus altissima', watch_list: 'yes', priority: '1', min_score: '0.7', alerts: 'on', can_occur: 'yes', note: 'tree of heaven, cut on sight' });
});

test('settings, "not calibrated", and bulk acknowledge by filter record the ranger and the station', async () => {
  await cli(['settings', 'set', 'stationName', 'Il Fuorn']);
  assert.match((await cli(['settings', 'set', 'spreadBufferMetres', 'far'], 2)).stderr, /spreadBufferMetres: "far" is not valid/);
  assert.match((await cli(['models', 'list'])).stdout, /open set: not calibrated \(run: invasives models calibrate 1\)/);
  assert.match((await cli(['alerts', 'ack'], 2)).stderr, /which alerts\?/);
  const acked = await cli(['alerts', 'ack', '--species', 'Ailanthus altissima', '--ranger', 'B. Ranger']);
  assert.match(acked.stdout, /Acknowledged \d+ alert\(s\) as B\. Ranger/);
  const alerts = JSON.parse((await cli(['alerts', 'list', '--json'])).stdout) as AlertRow[];
  const ailanthus = alerts.filter((alert) => alert.species === 'Ailanthus altissima');
  assert.ok(ailanthus.length > 0);
  assert.ok(ailanthus.every((alert) => alert.state === 'acknowledged' && alert.decidedBy === 'B. Ranger' && alert.decidedStation === 'Il Fuorn'));
  const groups = JSON.parse((await cli(['alerts', 'groups', '--json'])).stdout) as { species: string; count: number; unseen: number }[];
  assert.equal(groups.reduce((n, group) => n + group.count, 0), alerts.length);
});
