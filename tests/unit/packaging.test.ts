import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import {
  APP_ORIGIN,
  ELECTRON_CONTENT_SECURITY_POLICY,
  IPC_CALL_CHANNEL,
  WEB_PREFERENCES,
  isAllowedNavigation,
  isTrustedSender,
} from '../../main/electron/security.js';
import { CONTENT_SECURITY_POLICY } from '../../main/server/security.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
interface BuilderConfig {
  electronVersion: string;
  extraMetadata?: { main?: string };
  files: string[];
  asarUnpack: string[];
  linux: { target: string[]; files?: string[]; icon?: string };
  win: { target: string[]; files?: string[]; icon?: string };
  mac: { target: string[]; files?: string[]; icon?: string };
}
const config = load(fs.readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

/** `node_modules/x/**` style pattern → does it cover this path? (the config only uses these simple forms) */
function covers(pattern: string, file: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^$()|[\]\\]/g, '\\$&')
      .replace(/\{([^}]+)\}/g, (_, alternatives: string) => `(${alternatives.split(',').join('|')})`)
      .replace(/\*\*\//g, '\u0001')
      .replace(/\*\*/g, '\u0000')
      .replace(/\*/g, '[^/]*')
      .replace(/\u0001/g, '(.*/)?')
      .replace(/\u0000/g, '.*')}$`,
  );
  return regex.test(file);
}
const included = (file: string) => {
  let result = false;
  for (const pattern of config.files) {
    if (pattern.startsWith('!')) {
      if (covers(pattern.slice(1), file)) result = false;
    } else if (covers(pattern, file)) result = true;
  }
  return result;
};

function listFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

describe('electron-builder configuration', () => {
  test('builds AppImage and deb, NSIS, dmg', () => {
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.deepEqual(config.win.target, ['nsis']);
    assert.deepEqual(config.mac.target, ['dmg']);
  });

  test('each platform has an icon of at least 512 px (the size the dmg and AppImage need)', async () => {
    const { default: sharp } = await import('sharp');
    for (const platform of [config.linux, config.win, config.mac]) {
      assert.ok(platform.icon, 'icon set');
      const meta = await sharp(path.join(repoRoot, platform.icon)).metadata();
      assert.ok((meta.width ?? 0) >= 512 && meta.width === meta.height, `${platform.icon} is square, >= 512 px`);
    }
  });

  test('pins an exact Electron version of the optional dependency\'s major', () => {
    assert.match(config.electronVersion, /^\d+\.\d+\.\d+$/);
    const wanted = packageJson.optionalDependencies?.electron ?? '';
    assert.equal(config.electronVersion.split('.')[0], wanted.replace(/^[\^~]/, '').split('.')[0]);
  });

  test('unpacks every native module from the asar', () => {
    for (const module of ['better-sqlite3', 'onnxruntime-node', 'sharp', '@img', 'invasives-jpeg-grid']) {
      assert.ok(config.asarUnpack.some((pattern) => covers(pattern, `node_modules/${module}/x.node`)), `${module} is in asarUnpack`);
    }
  });

  test('every .node binary of a production dependency installed here is unpacked', () => {
    const nativeFiles = Object.keys({ ...packageJson.dependencies, ...packageJson.optionalDependencies })
      .map((name) => path.join(repoRoot, 'node_modules', name))
      .filter((dir) => fs.existsSync(dir))
      .flatMap((dir) => listFiles(dir).filter((file) => file.endsWith('.node')).map((file) => path.relative(repoRoot, path.join(dir, file)).split(path.sep).join('/')));
    assert.ok(nativeFiles.length > 0, 'better-sqlite3 and onnxruntime-node carry .node binaries');
    for (const file of nativeFiles) assert.ok(config.asarUnpack.some((pattern) => covers(pattern, file)), `${file} is unpacked`);
  });

  test('each installer keeps only its own platform\'s onnxruntime binaries', () => {
    const binary = (platform: string) => `node_modules/onnxruntime-node/bin/napi-v6/${platform}/x64/onnxruntime_binding.node`;
    const keeps = (platformFiles: string[] | undefined, file: string) => !(platformFiles ?? []).some((p) => p.startsWith('!') && covers(p.slice(1), file));
    assert.ok(keeps(config.linux.files, binary('linux')) && !keeps(config.linux.files, binary('win32')) && !keeps(config.linux.files, binary('darwin')));
    assert.ok(keeps(config.win.files, binary('win32')) && !keeps(config.win.files, binary('linux')));
    assert.ok(keeps(config.mac.files, binary('darwin')) && !keeps(config.mac.files, binary('linux')));
  });
});

describe('the built app', () => {
  const out = makeTempDir('invasives-build-');
  const dist = path.join(out, 'dist');
  let builtFiles: string[] = [];

  before(() => {
    // The same steps as `npm run build`, into a temp folder so the checkout's dist/ is left alone.
    const steps: [string, string[]][] = [
      [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), ['-p', 'tsconfig.json', '--outDir', dist]],
      [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), ['build', '--config', 'renderer/vite.config.ts', '--outDir', path.join(dist, 'renderer'), '--emptyOutDir', '--logLevel', 'error']],
      [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), ['build', '--config', 'preload/vite.config.mts', '--outDir', path.join(dist, 'preload'), '--logLevel', 'error']],
    ];
    for (const [script, args] of steps) {
      const result = spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8' });
      assert.equal(result.status, 0, `${path.basename(script)} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
    }
    builtFiles = listFiles(dist).map((file) => `dist/${file}`);
  });

  test('the main entry points exist and are packaged', () => {
    const entries = [packageJson.main, config.extraMetadata?.main ?? packageJson.main, 'dist/preload/preload.cjs', 'dist/renderer/index.html', 'dist/main/cli/main.js', 'dist/main/backend/entry.js'];
    for (const entry of entries) {
      assert.ok(builtFiles.includes(entry), `${entry} is built`);
      assert.ok(included(entry), `${entry} is in the installer's files`);
    }
  });

  test('every built file the app loads is in the installer (source maps aside)', () => {
    const runtime = builtFiles.filter((file) => !file.endsWith('.map') && !file.startsWith('dist/preload/preload.js'));
    const missing = runtime.filter((file) => !included(file));
    assert.deepEqual(missing, []);
  });

  test('the preload is one CommonJS file that requires nothing but electron', () => {
    const preload = fs.readFileSync(path.join(dist, 'preload', 'preload.cjs'), 'utf8');
    assert.doesNotMatch(preload, /^\s*(import|export)\s/m);
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    assert.deepEqual([...new Set(required)], ['electron']);
    assert.match(preload, new RegExp(IPC_CALL_CHANNEL));
    assert.match(preload, /exposeInMainWorld\("invasives"/);
  });

  test('every package the compiled main process imports is a production dependency', () => {
    const allowed = new Set([...Object.keys(packageJson.dependencies), 'electron', ...builtinModules]);
    const unknown = new Set<string>();
    for (const file of builtFiles.filter((f) => f.startsWith('dist/main/') && f.endsWith('.js'))) {
      const code = fs.readFileSync(path.join(out, file), 'utf8');
      // Import and export statements (from the start of a line: SQL text or messages saying "from 'x'" do not count), import() and require().
      for (const match of code.matchAll(/(?:^\s*(?:import|export)\s[^'"`;]*?from\s*|^\s*import\s*|\bimport\(\s*|\brequire\(\s*)["']([^"'.][^"']*)["']/gm)) {
        const specifier = match[1]!.replace(/^node:/, '');
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!allowed.has(name)) unknown.add(`${name} (in ${file})`);
      }
    }
    assert.deepEqual([...unknown], []);
  });

  test("the utilityProcess runs the built backend entry, which the main process names beside itself", () => {
    const main = fs.readFileSync(path.join(out, 'dist/main/electron/main.js'), 'utf8');
    assert.match(main, /path\.join\(distDir, 'main', 'backend', 'entry\.js'\)/);
    assert.match(main, /utilityProcessBackend\(utilityProcess\.fork/);
    const entry = fs.readFileSync(path.join(out, 'dist/main/backend/entry.js'), 'utf8');
    assert.match(entry, /parentPort/, 'the entry takes Electron\'s parentPort when it has one');
  });

  test('core, server and backend code never import electron (they run in plain Node)', () => {
    for (const file of builtFiles.filter((f) => /^dist\/main\/(core|server|api|cli|backend)\//.test(f) && f.endsWith('.js'))) {
      assert.doesNotMatch(fs.readFileSync(path.join(out, file), 'utf8'), /["']electron["']/, `${file} imports electron`);
    }
  });
});

describe('electron window security settings', () => {
  test('context isolation and sandbox on, Node integration off', () => {
    assert.equal(WEB_PREFERENCES.contextIsolation, true);
    assert.equal(WEB_PREFERENCES.sandbox, true);
    assert.equal(WEB_PREFERENCES.nodeIntegration, false);
    assert.equal(WEB_PREFERENCES.nodeIntegrationInSubFrames, false);
    assert.equal(WEB_PREFERENCES.webSecurity, true);
    assert.equal(WEB_PREFERENCES.webviewTag, false);
  });

  test('the content security policies allow no remote content and no inline scripts', () => {
    for (const policy of [ELECTRON_CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY]) {
      assert.doesNotMatch(policy, /https?:|\*|'unsafe-eval'/);
      const scripts = policy.split(';').find((directive) => directive.trim().startsWith('script-src'))!;
      assert.doesNotMatch(scripts, /unsafe-inline/);
      assert.match(policy, /object-src 'none'/);
    }
  });

  test('only the app\'s main frame may call the API', () => {
    assert.equal(isTrustedSender(`${APP_ORIGIN}/index.html`, true), true);
    assert.equal(isTrustedSender(`${APP_ORIGIN}/index.html`, false), false);
    assert.equal(isTrustedSender('https://evil.example/', true), false);
    assert.equal(isTrustedSender('file:///etc/passwd', true), false);
    assert.equal(isTrustedSender(undefined, true), false);
  });

  test('navigation outside the app is blocked', () => {
    assert.equal(isAllowedNavigation(`${APP_ORIGIN}/index.html#/map`), true);
    assert.equal(isAllowedNavigation('https://example.org/'), false);
    assert.equal(isAllowedNavigation('app://other/index.html'), false);
    assert.equal(isAllowedNavigation('not a url'), false);
  });
});
