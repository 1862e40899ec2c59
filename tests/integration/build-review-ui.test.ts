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

test('after the sources change (a git pull), serve builds the review UI again instead of showing the old one', () => {
  const out = path.join(dir, 'stale', 'renderer');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'index.html'), '<!doctype html><title>old build</title>');
  const longAgo = new Date('2001-01-01T00:00:00Z');
  fs.utimesSync(path.join(out, 'index.html'), longAgo, longAgo);
  const said: string[] = [];
  assert.equal(buildReviewUiIfMissing(REPO_ROOT, out, (line) => said.push(line)), true);
  assert.doesNotMatch(fs.readFileSync(path.join(out, 'index.html'), 'utf8'), /old build/);
  assert.match(said[0]!, /older than its sources: building it again/);
});
