import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../core/errors.js';

/** The newest modification time of the files the UI is built from (renderer/ and the contract it imports). */
function newestSourceTime(repoRoot: string): number {
  let newest = 0;
  const visit = (entry: string) => {
    const stat = fs.statSync(entry);
    if (stat.isDirectory()) for (const child of fs.readdirSync(entry)) visit(path.join(entry, child));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  visit(path.join(repoRoot, 'renderer'));
  visit(path.join(repoRoot, 'main', 'api', 'contract.ts'));
  return newest;
}

/**
 * In a source checkout the review UI must be built (Vite) before `serve` can show it; a fresh
 * clone has no `dist/renderer`, and after a `git pull` the built one is older than its sources.
 * Like `npm start`, `serve` builds it then, so the README's `serve` works as written and shows
 * the current UI. Returns whether it built.
 */
export function buildReviewUiIfMissing(repoRoot: string, outDir: string, say: (line: string) => void): boolean {
  const config = path.join(repoRoot, 'renderer', 'vite.config.ts');
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(config) || !fs.existsSync(vite)) return false; // an installed build ships dist/renderer
  const built = fs.statSync(path.join(outDir, 'index.html'), { throwIfNoEntry: false });
  if (built && built.mtimeMs >= newestSourceTime(repoRoot)) return false;
  say(built ? 'The review UI is older than its sources: building it again (npm run build:renderer)…' : 'Building the review UI first (once; npm run build:renderer)…');
  const build = spawnSync(process.execPath, [vite, 'build', '--config', config, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new StationError('DEPENDENCY_MISSING', `The review UI could not be built (npm run build:renderer failed): ${(build.stderr || build.stdout || build.error?.message || '').trim().split('\n').slice(0, 5).join(' ')}. Run \`npm ci\` in ${repoRoot}, then try again.`);
  }
  return true;
}
