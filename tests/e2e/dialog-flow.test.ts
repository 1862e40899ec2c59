import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { EVENT_NAMES, type InputPurpose } from '../../main/api/contract.js';
import type { RunningServer } from '../../main/server/server.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { E2E_LABELS, SCREENSHOTS_DIR, chromiumSkipReason, writeTinyOnnxPack } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The renderer's desktop-app screens (the ones Electron shows: native dialogs, handles, the
 * save dialog) in Chromium, where the Electron binary cannot be installed: the page gets a
 * bridge shaped like the preload's (`window.invasives`, call + listen) that carries the
 * contract over HTTP, and the station's dialogs answer as the person would. The page never
 * holds a path: it picks, gets a handle, and the station saves where the dialog pointed.
 */
describe('desktop-app screens with native dialogs (Electron bridge shape, in Chromium)', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-dialogs-');
  const rendererDir = path.join(dir, 'renderer');
  const card = path.join(dir, 'CARD');
  const packDir = path.join(dir, 'model-pack');
  const saved = path.join(dir, 'reports', 'survey.csv');
  const answers: Partial<Record<InputPurpose, string>> = {};
  let saveTo: string | null = null;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    await writeCameraCard(card, 3);
    writeTinyOnnxPack(packDir);
    fs.mkdirSync(path.dirname(saved), { recursive: true });
    ({ server, browser, page } = await openStationInBrowser({
      databasePath: path.join(dir, 'library.sqlite'),
      rendererDir,
      dialogs: {
        chooseInput: async (purpose) => answers[purpose] ?? null,
        chooseSaveDestination: async () => saveTo,
      },
      pageOptions: { viewport: { width: 1280, height: 800 } },
    }));
    // The preload's bridge, over HTTP: the renderer takes the desktop-app branch (isElectron).
    // A string, not a function: tsx's compiled functions call helpers the page does not have.
    await page.addInitScript(`
      window.invasives = {
        call: (name, args) =>
          fetch('/api/' + name, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args ?? {}) }).then((response) => response.json()),
        listen(listener) {
          const source = new EventSource('/api/events');
          for (const name of ${JSON.stringify([...EVENT_NAMES])}) source.addEventListener(name, (event) => listener(name, JSON.parse(event.data)));
          return () => source.close();
        },
      };
    `);
    await page.goto(`${server.url}#/import`);
  });
  after(() => closeStationInBrowser({ server, browser }));

  test('the import folder comes from the folder dialog: the page shows its name and imports it by handle', async () => {
    assert.equal(await page.locator('#import-path').count(), 0, 'no typed path field in the desktop app');
    answers['photo-folder'] = card;
    await page.getByRole('button', { name: 'Browse…' }).click();
    await page.getByTestId('chosen-folder').filter({ hasText: 'CARD' }).waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-finished').waitFor({ timeout: 30_000 });
    assert.equal(server.station.library.photos.count({}), 3);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'dialog-import.png') });
  });

  test('a model pack folder comes from the open dialog and is added by handle', async () => {
    await page.evaluate(() => (location.hash = '#/models'));
    answers['model-pack'] = packDir;
    await page.getByRole('button', { name: 'Choose folder…' }).click();
    await page.getByTestId('chosen-file').filter({ hasText: 'model-pack' }).waitFor();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByTestId('model-card').filter({ hasText: 'active' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(server.station.library.models.active()?.labels, E2E_LABELS);
  });

  test('an export is saved where the save dialog points; a cancelled dialog saves nothing', async () => {
    await page.evaluate(() => (location.hash = '#/export'));
    saveTo = null;
    await page.getByRole('button', { name: 'Export CSV' }).click();
    await page.getByTestId('export-message').filter({ hasText: 'not saved' }).waitFor();
    assert.equal(fs.existsSync(saved), false);
    saveTo = saved;
    await page.getByRole('button', { name: 'Export CSV' }).click();
    await page.getByTestId('export-message').filter({ hasText: '3 photos exported and saved' }).waitFor();
    assert.match(fs.readFileSync(saved, 'utf8'), /^"photo_id","path"/);
    assert.deepEqual(fs.readdirSync(path.dirname(saved)), ['survey.csv']);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'dialog-export.png') });
  });
});
