import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { runCli, startCli, waitForExit } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();

test('a mistyped option is named with the option meant, not parseArgs\' advice about positionals', async () => {
  const result = await runCli(['import', dir, '--modle', '3', '--db', path.join(dir, 'typo.sqlite')]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim(), 'invasives import: unknown option --modle (did you mean --model?). See: invasives import --help');

  const swapped = await runCli(['export', '--fromat', 'csv', '--db', path.join(dir, 'typo.sqlite')]);
  assert.match(swapped.stderr, /unknown option --fromat \(did you mean --format\?\)/);

  const nothingClose = await runCli(['export', '--colour', 'red', '--db', path.join(dir, 'typo.sqlite')]);
  assert.equal(nothingClose.code, 2);
  assert.match(nothingClose.stderr, /^invasives export: unknown option --colour\. See: invasives export --help\n$/);
  assert.doesNotMatch(nothingClose.stderr, /positional argument/);
});

test('output piped into a reader that leaves early (`| head`) ends quietly, not with an EPIPE stack trace', async () => {
  const child = startCli(['alerts', 'groups', '--db', path.join(dir, 'piped.sqlite')]);
  child.stdout?.destroy(); // `head` has read what it wanted and closed the pipe
  const result = await waitForExit(child);
  assert.equal(result.stderr, '');
  assert.equal(result.code, 0);
});

test('importing a folder with no photos (the wrong folder, an empty card) says so instead of a bare "completed"', async () => {
  const empty = path.join(dir, 'EMPTY_CARD');
  fs.mkdirSync(path.join(empty, 'MISC'), { recursive: true });
  fs.writeFileSync(path.join(empty, 'MISC', 'readme.txt'), 'not a photo');
  const result = await runCli(['import', empty, '--db', path.join(dir, 'empty.sqlite')]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout + result.stderr, new RegExp(`No photos found under ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: check that this is the card's folder`));
});

test('alerts ack/list --species naming a species no alert has says which species have alerts, instead of a silent 0', async () => {
  const databasePath = path.join(dir, 'alerts.sqlite');
  const card = path.join(dir, 'ALERT_CARD');
  await writeCard(card, { 'DCIM/K1.JPG': { seed: 1, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T09:00:00' } });
  const library = Library.open(databasePath);
  try {
    await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
    const labels = ['Fallopia japonica', 'Heracleum mantegazzianum'];
    const model = library.models.add({ name: 'pack', version: '1', contentHash: 'e'.repeat(64), format: 'onnx', sourcePath: dir, labels, preprocessing: {} });
    library.models.setActive(model.id);
    for (const photo of library.photos.query()) library.predictions.save({ photoId: photo.id, modelId: model.id, labels, probabilities: Float32Array.from([0.9, 0.1]), topK: 2 });
    assert.ok(refreshAlerts(library, DEFAULT_SETTINGS.geo).raised.length > 0);
  } finally {
    library.close();
  }
  const db = ['--db', databasePath];
  const notHere = await runCli(['alerts', 'ack', '--species', 'Ailanthus altissima', '--ranger', 'A. Ranger', ...db], { exactArgs: true });
  assert.equal(notHere.code, 0, notHere.stderr);
  assert.equal(notHere.stdout, 'Acknowledged 0 alert(s) as A. Ranger. No alert names the species "Ailanthus altissima"; species with alerts: Fallopia japonica.\n');

  const lowerCase = await runCli(['alerts', 'list', '--species', 'fallopia japonica', ...db], { exactArgs: true });
  assert.equal(lowerCase.stdout, 'No alerts. No alert names the species "fallopia japonica": did you mean "Fallopia japonica"?\n');

  const matching = await runCli(['alerts', 'ack', '--species', 'Fallopia japonica', '--ranger', 'A. Ranger', ...db], { exactArgs: true });
  assert.match(matching.stdout, /^Acknowledged [1-9]\d* alert\(s\) as A\. Ranger\.\n$/);
  const again = await runCli(['alerts', 'ack', '--species', 'Fallopia japonica', '--state', 'new', ...db], { exactArgs: true });
  assert.equal(again.stdout, 'Acknowledged 0 alert(s).\n', 'a species that has alerts, none left to act on: no hint');
});

test('intake of a folder holding nothing to take in says what it expected instead of a bare "0 submission(s)"', async () => {
  const empty = path.join(dir, 'VISITORS');
  fs.mkdirSync(empty, { recursive: true });
  const result = await runCli(['intake', empty, '--no-classify', '--db', path.join(dir, 'intake.sqlite')]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.split('\n')[0], '0 submission(s) taken in, 0 photo(s).');
  assert.match(result.stdout, new RegExp(`Nothing to take in under ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: give a saved mail \\(\\.eml\\), a mailbox \\(\\.mbox\\), or a folder with one folder of photos per visitor\\.`));
});
