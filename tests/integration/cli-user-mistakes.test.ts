import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
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
