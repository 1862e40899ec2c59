// Runs every *.test.ts under tests/ with node's test runner (Node 20 has no --test globs).
// Usage: node tests/run-tests.mjs [unit|integration|e2e ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const testsDir = path.dirname(fileURLToPath(import.meta.url));
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];

function findTests(dir) {
  let found = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found = found.concat(findTests(full));
    else if (entry.endsWith('.test.ts')) found.push(full);
  }
  return found;
}

const files = suites.flatMap((suite) => {
  const dir = path.join(testsDir, suite);
  try {
    return findTests(dir);
  } catch {
    return [];
  }
});
if (files.length === 0) {
  console.error(`No test files found in ${suites.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: path.dirname(testsDir) },
);
process.exit(result.status ?? 1);
