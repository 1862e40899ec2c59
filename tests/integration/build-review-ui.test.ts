import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildReviewUiIfMissing } from '../../main/cli/build-review-ui.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();

test('serve in a fresh clone builds the review UI once instead of serving "not built"', () => {
  const out = path.join(dir, 'dist', 'renderer');
  const said: string[] = [];
  assert.equal(buildReviewUiIfMissing(REPO_ROOT, out, (line) => said.push(line)), true);
  const page = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  const script = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(page)?.[1];
  assert.ok(script, `the built page loads a bundled script:\n${page}`);
  assert.ok(fs.statSync(path.join(out, script)).size > 10_000, 'the bundle is there');
  assert.deepEqual(said, ['Building the review UI first (once; npm run build:renderer)…']);

  assert.equal(buildReviewUiIfMissing(REPO_ROOT, out, (line) => said.push(line)), false, 'built once, not at every start');
  assert.equal(said.length, 1);
});
