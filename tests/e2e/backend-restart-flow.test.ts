import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { type RunningBackendServer, startBackendServer } from '../../main/server/server.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { SCREENSHOTS_DIR, buildRenderer, chromiumSkipReason, launchChromium } from '../helpers/browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * `invasives serve` with the station in its backend process, in Chromium: the backend is
 * killed (SIGKILL) under the open page; the page says so while the host restarts it, then
 * says it is back, and the review grid works again without a reload.
 */
describe('the UI when the backend process dies', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-backend-');
  const rendererDir = path.join(dir, 'renderer');
  const databasePath = path.join(dir, 'library.sqlite');
  let server: RunningBackendServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    buildRenderer(rendererDir);
    const library = Library.open(databasePath);
    try {
      await writeCameraCard(path.join(dir, 'CARD'), 3);
      await importFolder(library, path.join(dir, 'CARD'), { settings: resolveSettings({ databasePath }) });
    } finally {
      library.close();
    }
    server = await startBackendServer({ databasePath, rendererDir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}#/review`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a banner says the backend stopped and is restarting, then that it is back', async () => {
    await page.locator('[role=gridcell]').first().waitFor();
    assert.equal(await page.getByTestId('backend-state').count(), 0, 'no banner while the backend runs');
    server.backend.killBackend();
    const banner = page.getByTestId('backend-state');
    await banner.filter({ hasText: "The station's backend stopped; restarting…" }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'backend-restarting.png') });
    await banner.filter({ hasText: "The station's backend is back." }).waitFor({ timeout: 60_000 });
    // The grid reloads from the restarted backend: the same photos, nothing lost.
    await page.locator('[role=gridcell]').nth(2).waitFor();
    assert.equal(await page.locator('[role=gridcell]').count(), 3);
  });
});
