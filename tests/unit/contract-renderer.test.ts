import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The renderer's client and stores are typed against main/api/contract.ts; the main tsconfig
// leaves renderer/ out (it targets Node), so its own config checks them here.
test('the renderer client type-checks against the contract', () => {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'renderer/tsconfig.json'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `tsc -p renderer/tsconfig.json reported:\n${result.stdout}${result.stderr}`);
});
