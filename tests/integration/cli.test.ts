import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { writeCameraCard } from '../fixtures/make-card.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const db = path.join(dir, 'lib', 'library.sqlite');

test('invasives --help lists the commands, and every command has its own --help', async () => {
  const main = await runCli(['--help']);
  assert.equal(main.code, 0);
  for (const name of ['import', 'export', 'stats']) {
    assert.match(main.stdout, new RegExp(`\\b${name}\\b`));
    const own = await runCli([name, '--help']);
    assert.equal(own.code, 0, `${name} --help exits 0`);
    assert.match(own.stdout, new RegExp(`invasives ${name}`));
  }
});

test('unknown commands and options are usage errors (exit 2) with a hint', async () => {
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const badOption = await runCli(['stats', '--colour']);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /--help/);
  const noFormat = await runCli(['export', '--db', db]);
  assert.equal(noFormat.code, 2);
  assert.match(noFormat.stderr, /--format/);
});

test('import --json prints a machine-readable summary; plain output is lines when not a terminal', async () => {
  const card = path.join(dir, 'card');
  await writeCameraCard(card, 3);
  const result = await runCli(['import', card, '--db', db, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.summary.photosNew, 3);
  assert.equal(summary.summary.state, 'completed');
  assert.deepEqual(summary.errors, []);

  const again = await runCli(['import', card, '--db', db]);
  assert.equal(again.code, 0);
  assert.match(again.stderr, /3\/3 files/);
  assert.doesNotMatch(again.stderr, /\r/, 'no carriage-return redraws on a pipe');
  assert.match(again.stdout, /0 new photos, 3 already imported/);
});

test('a missing folder exits 3 (input error) with a message naming it', async () => {
  const result = await runCli(['import', path.join(dir, 'nowhere'), '--db', db, '--no-classify']);
  assert.equal(result.code, 3);
  assert.match(result.stderr, /nowhere does not exist/);
});

test('export writes CSV to a file and GeoJSON to standard output, with filters; stats --json agrees', async () => {
  const out = path.join(dir, 'export.csv');
  const csv = await runCli(['export', '--format', 'csv', '--out', out, '--db', db, '--since', '2026-06-01']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal((parse(fs.readFileSync(out, 'utf8'), { columns: true }) as unknown[]).length, 3);
  const geojson = await runCli(['export', '--format', 'geojson', '--db', db, '--status', 'unreviewed']);
  assert.equal(geojson.code, 0, geojson.stderr);
  assert.equal(JSON.parse(geojson.stdout).features.length, 3);
  const badStatus = await runCli(['export', '--format', 'csv', '--db', db, '--status', 'maybe']);
  assert.equal(badStatus.code, 2, 'a wrong option value is a usage error');
  assert.match(badStatus.stderr, /--status must be one of/);
  const stats = await runCli(['stats', '--db', db, '--json']);
  assert.equal(JSON.parse(stats.stdout).photos, 3);
});
