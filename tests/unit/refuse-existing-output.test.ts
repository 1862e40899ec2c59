/** `--out` of the CLI's exports: an existing file is replaced only with --force (main/cli/refuse-existing-output.ts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { refuseExistingOutput } from '../../main/cli/refuse-existing-output.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

test('a new name passes; an existing file is refused naming it and what to do, unless --force; a folder is refused even with --force', () => {
  const dir = makeTempDir();
  const file = path.join(dir, 'occurrences.zip');
  refuseExistingOutput(file, false);
  fs.writeFileSync(file, 'last season');
  assert.throws(() => refuseExistingOutput(file, false), rejectsWith('EXPORT_FAILED', /occurrences\.zip already exists; nothing was written\. Choose another --out name, or pass --force to replace it\./));
  refuseExistingOutput(file, true);
  assert.equal(fs.readFileSync(file, 'utf8'), 'last season', 'the check itself never touches the file');
  assert.throws(() => refuseExistingOutput(dir, true), rejectsWith('EXPORT_FAILED', /a folder has that name/));
});
