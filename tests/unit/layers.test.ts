import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '../helpers/temp-dir.js';

// The layer rules live in .dependency-cruiser.cjs (`npm run lint:layers`); this file makes `npm test`
// (and so CI) fail when one is broken.
const repo = path.resolve(import.meta.dirname, '../..');
const config = path.join(repo, '.dependency-cruiser.cjs');
const depcruise = path.join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(cwd: string, targets: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [depcruise, '--config', config, '--output-type', 'err', ...targets], {
    cwd,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function write(root: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

/** Module specifiers imported by the <script> blocks of a .svelte file (type-only ones included). */
function svelteImports(text: string): string[] {
  return [...text.matchAll(/^\s*import\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
}

function svelteFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.svelte'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('layer rules', () => {
  it('the code base breaks none of them', () => {
    const { status, output } = cruise(repo, ['main', 'renderer/src', 'preload', 'bin']);
    assert.equal(status, 0, output);
  });

  it('.svelte files import from main/ the contract only (the compiler drops type-only imports before the cruiser sees them)', () => {
    const offenders: string[] = [];
    for (const file of svelteFiles(path.join(repo, 'renderer/src'))) {
      for (const specifier of svelteImports(fs.readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = path.relative(repo, path.resolve(path.dirname(file), specifier));
        if (target.startsWith(`main${path.sep}`) && target !== path.join('main', 'api', 'contract.js')) {
          offenders.push(`${path.relative(repo, file)} imports ${target}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('each rule fires on a file that breaks it', () => {
    const root = makeTempDir();
    write(root, 'tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: true } }));
    write(root, 'main/api/contract.ts', 'export type Call = string;\n');
    write(root, 'main/api/handlers.ts', 'export const handlers = {};\n');
    write(root, 'main/cli/main.ts', 'export const cli = 1;\n');
    write(root, 'main/core/vision/classifier.ts', 'export interface Classifier { name: string }\n');
    write(root, 'main/core/ingest/scan.ts', 'export const scan = 1;\n');
    write(root, 'main/core/library/store.ts', "import type { Classifier } from '../vision/classifier.js';\nexport type Stored = Classifier;\n");
    write(root, 'main/core/learning/train.ts', "import { scan } from '../ingest/scan.js';\nexport const train = scan;\n");
    write(root, 'main/core/geo/alerts.ts', "import { handlers } from '../../api/handlers.js';\nimport { cli } from '../../cli/main.js';\nexport const x = [handlers, cli];\n");
    write(root, 'renderer/src/screen.ts', "import { handlers } from '../../main/api/handlers.js';\nimport type { Call } from '../../main/api/contract.js';\nexport const y: [unknown, Call] = [handlers, ''];\n");
    const { status, output } = cruise(root, ['main', 'renderer']);
    assert.notEqual(status, 0, output);
    for (const expected of [
      'library-not-to-vision: main/core/library/store.ts → main/core/vision/classifier.ts',
      'learning-not-to-ingest: main/core/learning/train.ts → main/core/ingest/scan.ts',
      'core-not-to-outer-layers: main/core/geo/alerts.ts → main/api/handlers.ts',
      'core-not-to-outer-layers: main/core/geo/alerts.ts → main/cli/main.ts',
      'renderer-only-the-contract: renderer/src/screen.ts → main/api/handlers.ts',
    ]) {
      assert.ok(output.includes(expected), `expected "${expected}" in:\n${output}`);
    }
    assert.ok(!output.includes('main/api/contract.ts'), 'importing the contract is allowed');
  });
});
