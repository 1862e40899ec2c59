import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ElectronApplication, type Page, _electron } from 'playwright-core';
import { Library } from '../../main/core/library/index.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { findElectronBinary } from '../helpers/electron-binary.js';

/**
 * The same station through the Electron shell, driven by Playwright's _electron launcher.
 * Electron is an optional dependency whose binary cannot be downloaded everywhere: without
 * it this test is skipped with the reason (the browser flow in review-flow.test.ts still runs).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const electronBinary = findElectronBinary();
const skipReason = electronBinary ? false : 'the Electron binary is not installed here (optional dependency; its download needs the internet): Electron flow skipped';
if (skipReason) console.log(`# skip: ${skipReason}`);

describe('review station in Electron', { skip: skipReason }, () => {
  const dir = makeTempDir('invasives-electron-');
  let app: ElectronApplication;
  let appWindow: Page;

  before(async () => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
    const card = path.join(dir, 'CARD');
    await writeCameraCard(card, 3);
    app = await _electron.launch({ executablePath: electronBinary!, args: [repoRoot, '--db', path.join(dir, 'library.sqlite')], cwd: repoRoot });
    appWindow = await app.firstWindow();
  });
  after(async () => {
    await app?.close().catch(() => undefined);
  });

  test('the renderer has the contract bridge and no Node', async () => {
    const exposed = await appWindow.evaluate(() => ({
      keys: Object.keys((window as unknown as { invasives: object }).invasives).sort(),
      hasRequire: typeof (globalThis as { require?: unknown }).require !== 'undefined',
      hasProcess: typeof (globalThis as { process?: unknown }).process !== 'undefined',
    }));
    assert.deepEqual(exposed, { keys: ['call', 'listen'], hasRequire: false, hasProcess: false });
  });

  test('an import through the window stores the photos, and a review survives a restart', async () => {
    await appWindow.evaluate(() => (location.hash = '#/import'));
    // The folder comes from the native dialog run by the main process (answered here for the test);
    // the window holds only its handle.
    await app.evaluate(({ dialog }, folder) => {
      dialog.showOpenDialog = async () => ({ canceled: false, filePaths: [folder] });
    }, path.join(dir, 'CARD'));
    await appWindow.getByRole('button', { name: 'Browse…' }).click();
    await appWindow.getByTestId('chosen-folder').filter({ hasText: 'CARD' }).waitFor();
    await appWindow.getByRole('button', { name: 'Import', exact: true }).click();
    await appWindow.getByTestId('import-finished').waitFor({ timeout: 30_000 });
    await appWindow.evaluate(() => (location.hash = '#/review'));
    await appWindow.getByTestId('photo-total').filter({ hasText: '3 photos' }).waitFor();
    await appWindow.keyboard.press('Enter');
    await appWindow.getByTestId('photo-detail').waitFor();
    await appWindow.keyboard.press('x');
    await appWindow.screenshot({ path: path.join(repoRoot, 'test-results', 'e2e', 'electron-detail.png') });
    await app.close();
    const library = Library.open(path.join(dir, 'library.sqlite'));
    try {
      assert.equal(library.stats().byStatus.rejected, 1);
    } finally {
      library.close();
    }
  });
});
