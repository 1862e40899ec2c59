import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import {
  APP_ORIGIN,
  ELECTRON_CONTENT_SECURITY_POLICY,
  GRANTED_PERMISSIONS,
  WEB_PREFERENCES,
  isAllowedNavigation,
  isTrustedSender,
  isWikipediaUrl,
} from '../../main/electron/security.js';
import { securityHeaders } from '../../main/api/response-headers.js';
import { CONTENT_SECURITY_POLICY } from '../../main/server/security.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { findElectronBinary } from '../helpers/electron-binary.js';

/**
 * The security settings of every Electron window. Where the Electron binary is installed, the
 * running app is asked for its windows' preferences and its renderer tries to escape; where it
 * is not (an optional dependency whose download needs the internet), the one settings module
 * is read and its wiring into every window checked in the shell's source.
 */

const electronBinary = findElectronBinary();
console.log(
  electronBinary
    ? `# electron-security: the Electron binary is installed (${electronBinary}): checking the running app's windows AND the settings module`
    : '# electron-security: no Electron binary here: checking the settings module and its use by every window in the source (running-app checks skipped)',
);

const REQUIRED_PREFERENCES = { contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false };

/** A CSP as directive → sources. */
function parseCsp(policy: string): Map<string, string[]> {
  return new Map(policy.split(';').map((part) => part.trim().split(/\s+/)).filter((words) => words[0]).map(([name, ...sources]) => [name!, sources]));
}

function assertStrictCsp(policy: string, label: string): void {
  const csp = parseCsp(policy);
  assert.deepEqual(csp.get('default-src'), ["'self'"], `${label}: default-src 'self'`);
  assert.deepEqual(csp.get('script-src'), ["'self'"], `${label}: scripts from the app only (no inline, no eval)`);
  assert.deepEqual(csp.get('object-src'), ["'none'"], label);
  assert.deepEqual(csp.get('base-uri'), ["'none'"], label);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], label);
  assert.ok(csp.has('connect-src'), `${label}: connect-src set`);
  for (const [directive, sources] of csp) {
    for (const source of sources) {
      assert.doesNotMatch(source, /^(https?:|wss?:|\*)|^\*|'unsafe-eval'/, `${label}: ${directive} allows ${source} (remote content or eval)`);
    }
  }
}

describe('Electron security settings (the one module)', () => {
  test('every hardening preference has its safe value', () => {
    for (const [key, value] of Object.entries(REQUIRED_PREFERENCES)) {
      assert.equal((WEB_PREFERENCES as Record<string, unknown>)[key], value, `webPreferences.${key}`);
    }
    assert.ok(!('preload' in WEB_PREFERENCES), 'the preload path is added by the shell, beside these settings');
  });

  test('the content security policy allows nothing remote, no inline script and no eval (Electron and browser transport)', () => {
    assertStrictCsp(ELECTRON_CONTENT_SECURITY_POLICY, 'Electron');
    assertStrictCsp(CONTENT_SECURITY_POLICY, 'browser transport');
  });

  test('navigation stays inside the app: every other URL is blocked', () => {
    assert.equal(isAllowedNavigation(`${APP_ORIGIN}/index.html`), true);
    assert.equal(isAllowedNavigation(`${APP_ORIGIN}/#/review`), true);
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'app://station.evil.example/index.html',
      'app://evil/index.html',
      'app://station@evil.example/',
      'invasives-media://photo/1',
      'chrome://settings',
      'about:blank',
      'not a url',
    ]) {
      assert.equal(isAllowedNavigation(url), false, `navigation to ${url} is blocked`);
    }
  });

  test('only the app\'s own main frame may call the API', () => {
    assert.equal(isTrustedSender(`${APP_ORIGIN}/index.html`, true), true);
    assert.equal(isTrustedSender(`${APP_ORIGIN}/index.html`, false), false, 'a subframe, even of the app');
    assert.equal(isTrustedSender('https://evil.example/', true), false);
    assert.equal(isTrustedSender('file:///tmp/page.html', true), false);
    assert.equal(isTrustedSender(undefined, true), false);
  });

  test('links leave the app only for https Wikipedia articles; no permission is ever granted', () => {
    assert.equal(isWikipediaUrl('https://en.wikipedia.org/wiki/Fallopia_japonica'), true);
    for (const url of ['http://en.wikipedia.org/wiki/X', 'https://en.wikipedia.org.evil.example/', 'https://user:pw@en.wikipedia.org/', 'https://en.wikipedia.org:8443/', 'https://evilwikipedia.org/', 'file:///etc/passwd', 'javascript:alert(1)']) {
      assert.equal(isWikipediaUrl(url), false, url);
    }
    assert.deepEqual(GRANTED_PERMISSIONS, []);
  });
});

/** Every `new BrowserWindow({...})` in the shell's sources, with its webPreferences expression. */
function browserWindowsInSource(): { file: string; preferences: ts.Expression | undefined }[] {
  const found: { file: string; preferences: ts.Expression | undefined }[] = [];
  const electronDir = path.join(REPO_ROOT, 'main', 'electron');
  for (const name of fs.readdirSync(electronDir).filter((file) => /\.(ts|mts|mjs|js)$/.test(file))) {
    const file = path.join(electronDir, name);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isNewExpression(node) && node.expression.getText(source) === 'BrowserWindow') {
        const options = node.arguments?.[0];
        const property = options && ts.isObjectLiteralExpression(options)
          ? options.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(source) === 'webPreferences')
          : undefined;
        found.push({ file: name, preferences: property?.initializer });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('Electron shell source: every window uses the settings module', () => {
  test('each BrowserWindow spreads WEB_PREFERENCES and overrides none of its keys', () => {
    const windows = browserWindowsInSource();
    assert.ok(windows.length >= 1, 'the shell creates its window');
    for (const { file, preferences } of windows) {
      assert.ok(preferences && ts.isObjectLiteralExpression(preferences), `${file}: webPreferences is an object literal`);
      const properties = preferences.properties;
      assert.ok(properties.some((p) => ts.isSpreadAssignment(p) && p.expression.getText() === 'WEB_PREFERENCES'), `${file}: webPreferences spreads WEB_PREFERENCES`);
      for (const p of properties) {
        if (ts.isSpreadAssignment(p)) continue;
        const key = p.name?.getText() ?? '';
        assert.ok(!(key in WEB_PREFERENCES), `${file}: webPreferences.${key} must not override the security module`);
      }
    }
  });

  test('every web contents gets the navigation, new-window and webview guards; app pages get the CSP header', () => {
    const main = fs.readFileSync(path.join(REPO_ROOT, 'main', 'electron', 'main.ts'), 'utf8');
    const created = main.slice(main.indexOf("app.on('web-contents-created'"));
    assert.ok(main.includes("app.on('web-contents-created'"), 'guards are attached to every web contents, not one window');
    for (const guard of ['setWindowOpenHandler', "'will-navigate'", "'will-redirect'", "'will-attach-webview'"]) {
      assert.ok(created.slice(0, 1200).includes(guard), `web-contents-created installs ${guard}`);
    }
    assert.match(created, /return \{ action: 'deny' \}/, 'new windows are denied');
    const served = main.slice(main.indexOf('async function serveRendererFile'), main.indexOf('/** A species'));
    assert.equal((served.match(/new Response\(/g) ?? []).length, (served.match(/securityHeaders\(ELECTRON_CONTENT_SECURITY_POLICY/g) ?? []).length, 'every app:// and media response carries the security headers with the CSP');
    assert.equal(securityHeaders(ELECTRON_CONTENT_SECURITY_POLICY, true)['content-security-policy'], ELECTRON_CONTENT_SECURITY_POLICY);
    assert.match(main, /setPermissionRequestHandler\(.*GRANTED_PERMISSIONS/, 'permission requests go through GRANTED_PERMISSIONS');
    assert.doesNotMatch(main, /nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false|webSecurity:\s*false/, 'no preference is weakened in the shell');
  });
});

describe('the running Electron app', { skip: electronBinary ? false : 'the Electron binary is not installed here (optional dependency)' }, () => {
  test('every window has the hardened preferences, a CSP that blocks eval, and cannot navigate away', async () => {
    const { _electron } = await import('playwright-core');
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
    const dir = makeTempDir('invasives-electron-security-');
    const app = await _electron.launch({ executablePath: electronBinary!, args: [REPO_ROOT, '--db', path.join(dir, 'library.sqlite')], cwd: REPO_ROOT });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      const preferences = await app.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows().map((window) => window.webContents.getLastWebPreferences() as Record<string, unknown>),
      );
      assert.ok(preferences.length >= 1);
      for (const windowPreferences of preferences) {
        for (const [key, value] of Object.entries(REQUIRED_PREFERENCES)) assert.equal(windowPreferences[key], value, `running window: ${key}`);
      }
      const inPage = await page.evaluate(() => {
        let evalBlocked = false;
        try {
          // eslint-disable-next-line no-eval
          (0, eval)('1');
        } catch {
          evalBlocked = true;
        }
        return { evalBlocked, hasRequire: typeof (globalThis as { require?: unknown }).require !== 'undefined', origin: location.origin, href: location.href };
      });
      assert.equal(inPage.evalBlocked, true, 'the CSP blocks eval');
      assert.equal(inPage.hasRequire, false);
      const before = page.url();
      await page.evaluate(() => {
        location.href = 'https://example.com/';
      });
      await page.waitForTimeout(500);
      assert.equal(page.url(), before, 'navigation away from the app is blocked');
      const opened = await page.evaluate(() => window.open('https://example.com/') === null);
      assert.equal(opened, true, 'window.open is denied');
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
