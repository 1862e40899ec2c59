/** `npm run bench:ui [-- N]`: the map bench, then the review bench, each with the same N. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
for (const bench of ['map-ui.bench.ts', 'review-ui.bench.ts']) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, bench), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
