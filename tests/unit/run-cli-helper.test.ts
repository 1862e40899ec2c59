/** The CLI tests' shared `cli(args, expectedCode)` (tests/helpers/run-cli.ts): it must fail loudly on a wrong exit code. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { cliOnLibrary } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const cli = cliOnLibrary(path.join(makeTempDir(), 'library.sqlite'));

test('cliOnLibrary runs the command on its library and fails, naming the command and its output, on another exit code', async () => {
  const refused = await cli(['export', '--format', 'nope'], 2);
  assert.match(refused.stderr, /--format csv, --format geojson/);
  await assert.rejects(cli(['export', '--format', 'nope']), (error: unknown) => {
    assert.ok(error instanceof assert.AssertionError);
    assert.match(error.message, /invasives export --format nope\n[\s\S]*--format csv, --format geojson/);
    assert.equal(error.actual, 2);
    assert.equal(error.expected, 0);
    return true;
  });
});
