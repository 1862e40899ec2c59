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

// svelte-check reads the .svelte components too (their <script lang="ts"> against the contract);
// `npm run typecheck` runs the same check.
test('the .svelte components type-check against the contract (svelte-check)', () => {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/svelte-check/bin/svelte-check'), '--tsconfig', './renderer/tsconfig.json', '--output', 'machine'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `svelte-check reported:\n${result.stdout}${result.stderr}`);
});
