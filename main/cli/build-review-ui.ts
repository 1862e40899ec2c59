import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../core/errors.js';

/**
 * In a source checkout the review UI must be built (Vite) before `serve` can show it; a fresh
 * clone has no `dist/renderer`. Like `npm start`, `serve` builds it once when it is missing,
 * so the README's `serve` works as written. Returns whether it built.
 */
export function buildReviewUiIfMissing(repoRoot: string, outDir: string, say: (line: string) => void): boolean {
  if (fs.existsSync(path.join(outDir, 'index.html'))) return false;
  const config = path.join(repoRoot, 'renderer', 'vite.config.ts');
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(config) || !fs.existsSync(vite)) return false; // an installed build ships dist/renderer
  say('Building the review UI first (once; npm run build:renderer)…');
  const build = spawnSync(process.execPath, [vite, 'build', '--config', config, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new StationError('DEPENDENCY_MISSING', `The review UI could not be built (npm run build:renderer failed): ${(build.stderr || build.stdout || build.error?.message || '').trim().split('\n').slice(0, 5).join(' ')}. Run \`npm ci\` in ${repoRoot}, then try again.`);
  }
  return true;
}
