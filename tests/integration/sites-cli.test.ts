/**
 * `invasives sites` end to end: a drawn polygon through its lifecycle (refused skips store
 * nothing), the re-check schedule, the due list on a given date, summaries, and every export.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { TREATMENT_UPLOAD_COLUMNS } from '../../main/core/sites/site-reports.js';
import { writeCard } from '../fixtures/make-card.js';
import { cliOnLibrary } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const db = path.join(dir, 'library.sqlite');
const KNOTWEED = 'Reynoutria japonica';
const polygonFile = path.join(dir, 'site.geojson');
const crossedFile = path.join(dir, 'crossed.geojson');

const cli = cliOnLibrary(db);

before(async () => {
  const card = path.join(dir, 'card');
  await writeCard(card, { 'DCIM/check.JPG': { seed: 7, latitude: 46.70001, longitude: 10.10001, capturedAt: '2024-07-01T10:00:00' } });
  const library = Library.open(db);
  try {
    await importFolder(library, card, { settings: resolveSettings({ databasePath: db }) });
  } finally {
    library.close();
  }
  const ring = [[10.0998, 46.6998], [10.1002, 46.6998], [10.1002, 46.7002], [10.0998, 46.7002], [10.0998, 46.6998]];
  fs.writeFileSync(polygonFile, JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }));
  fs.writeFileSync(crossedFile, JSON.stringify({ type: 'Polygon', coordinates: [[[10, 46], [10.1, 46.1], [10.1, 46], [10, 46.1], [10, 46]]] }));
});

test('a drawn site through its lifecycle, with refusals that store nothing, the due list and every export', async () => {
  assert.match((await cli(['sites', 'create', '--species', KNOTWEED, '--polygon', crossedFile], 3)).stderr, /crosses itself/);
  const created = JSON.parse((await cli(['sites', 'create', '--species', KNOTWEED, '--polygon', polygonFile, '--name', 'Mill race', '--notes', 'both banks, below the weir', '--first-record', '2023-05-01', '--ranger', 'Cleo', '--json'])).stdout);
  assert.equal(created.state, 'reported');
  assert.equal(created.notes, 'both banks, below the weir');
  assert.ok(created.photoIds.length === 1, 'the photo inside the polygon is linked');
  const id = String(created.id).slice(0, 8);

  assert.match((await cli(['sites', 'plan', id], 2)).stderr, /reported; .*confirm it first/);
  await cli(['sites', 'confirm', id, '--ranger', 'Cleo', '--reason', 'seen by the botanist']);
  await cli(['sites', 'plan', id, '--method', 'covering']);
  assert.match((await cli(['sites', 'schedule', '--years', '1,-2,5'], 2)).stderr, /cannot be negative/);
  await cli(['sites', 'schedule', '--years', '0.5,1', '--species', KNOTWEED]);
  assert.match((await cli(['sites', 'treat', id, '--method', 'covering', '--date', '2023-04-01'], 2)).stderr, /first recorded on 2023-05-01/);
  const treated = JSON.parse((await cli(['sites', 'treat', id, '--method', 'covering', '--date', '2024-01-10', '--area', '150', '--crew', 'Cleo, Dan', '--ranger', 'Cleo', '--json'])).stdout);
  assert.equal(treated.state, 'treated');
  assert.deepEqual(treated.recheckYears, [0.5, 1]);
  assert.equal(treated.nextDueOn, '2024-07-10');

  const due = JSON.parse((await cli(['sites', 'due', '--as-of', '2024-06-20', '--weeks', '4', '--json'])).stdout);
  assert.equal(due.length, 1);
  assert.equal(due[0].dueOn, '2024-07-10');
  assert.ok(Math.abs(due[0].latitude - 46.7) < 1e-4);

  const photoId = created.photoIds[0];
  await cli(['sites', 'visit', id, '--outcome', 'clean', '--statement', 'covering intact, no shoots within 5 m', '--photos', String(photoId), '--date', '2024-07-01', '--ranger', 'Dan', '--as-of', '2024-07-02']);
  const shown = JSON.parse((await cli(['sites', 'show', id, '--json'])).stdout);
  assert.equal(shown.state, 'clean');
  assert.equal(shown.nextDueOn, '2025-01-10');
  assert.deepEqual(shown.history.map((entry: { action: string }) => entry.action), ['created', 'confirmed', 'treatment-planned', 'recorded', 'recorded']);
  assert.equal(shown.history[1].reason, 'seen by the botanist');

  const summary = JSON.parse((await cli(['sites', 'summary', '--as-of', '2024-08-01', '--json'])).stdout);
  assert.equal(summary.stillToTreat.length, 0);
  assert.equal(summary.treatedThisSeason[0].species, KNOTWEED);
  assert.equal(summary.treatedThisSeason[0].areaSquareMetres, 150);

  const geojson = path.join(dir, 'sites.geojson');
  const sitesCsv = path.join(dir, 'sites.csv');
  const treatments = path.join(dir, 'treatments.csv');
  const sheet = path.join(dir, 'sheet.html');
  await cli(['sites', 'export', '--format', 'geojson', '--out', geojson]);
  await cli(['sites', 'export', '--format', 'csv', '--out', sitesCsv]);
  await cli(['sites', 'export', '--format', 'treatments', '--out', treatments]);
  await cli(['sites', 'export', '--format', 'sheet', '--out', sheet, id]);
  const again = await cli(['sites', 'export', '--format', 'csv', '--out', geojson], 3);
  assert.match(again.stderr, /sites\.geojson already exists; nothing was written\. Choose another --out name, or pass --force/);
  const collection = JSON.parse(fs.readFileSync(geojson, 'utf8'));
  assert.equal(collection.features[0].geometry.type, 'Polygon');
  assert.equal(collection.features[0].properties.state, 'clean');
  const siteRows = parse(fs.readFileSync(sitesCsv), { columns: true }) as Record<string, string>[];
  assert.equal(siteRows[0]!.name, 'Mill race');
  assert.equal(siteRows[0]!.notes, 'both banks, below the weir');
  assert.ok(Number(siteRows[0]!.areaSquareMetres) > 1000 && Number(siteRows[0]!.areaSquareMetres) < 1500, `a 30 m × 44 m polygon: ${siteRows[0]!.areaSquareMetres}`);
  const treatmentRows = parse(fs.readFileSync(treatments), { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(treatmentRows[0]!), [...TREATMENT_UPLOAD_COLUMNS]);
  assert.equal(treatmentRows[0]!.TreatmentMethod, 'covering');
  assert.equal(treatmentRows[0]!.TreatmentDate, '2024-01-10');
  const html = fs.readFileSync(sheet, 'utf8');
  assert.match(html, /Mill race/);
  assert.match(html, /<th>Notes<\/th><td colspan="3">both banks, below the weir<\/td>/);
  assert.match(html, /page-break-after/);
  assert.doesNotMatch(html, /<script|https?:\/\//, 'the field sheet works offline: no scripts, no remote resources');
});
