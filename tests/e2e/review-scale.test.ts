import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../main/server/server.js';
import { seriousAccessibilityViolations } from '../helpers/axe.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The review grid on a library of 2,000 photos (rows written through the real stores; no
 * pixels, so thumbnails are missing on purpose): fast scrolling never has more than two page
 * requests running and skips pages scrolled past; End then Enter opens the last photo; and
 * axe-core finds no critical or serious violation on any screen.
 */

const PHOTOS = 2_000;

describe('review grid at scale and accessibility in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-scale-');
  const rendererDir = path.join(dir, 'renderer');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let lastId = 0;

  before(async () => {
    // bypassCSP lets the test inject axe-core; the station's own CSP stays as it is for the app.
    ({ server, browser, page } = await openStationInBrowser({ databasePath: path.join(dir, 'library.sqlite'), rendererDir, pageOptions: { viewport: { width: 1366, height: 768 }, bypassCSP: true } }));
    const { library } = server.station;
    const importId = library.imports.start(dir, null);
    library.transaction(() => {
      for (let i = 0; i < PHOTOS; i++) {
        lastId = library.photos.insert({
          sha256: `scale-${i}`, byteSize: 1, importId, format: 'jpeg', width: 4000, height: 3000, orientation: 1,
          capturedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().slice(0, 19),
          latitude: -33.9 + (i % 50) / 1000, longitude: 18.4 + Math.floor(i / 50) / 1000, altitude: null,
          cameraMake: 'Canon', cameraModel: 'EOS 80D', exifWarning: null,
        });
      }
    });
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('fast scrolling keeps at most two page requests running and skips pages scrolled past', async () => {
    let running = 0;
    let most = 0;
    const offsets: number[] = [];
    page.on('request', (request) => {
      if (!request.url().includes('/api/photos:list')) return;
      running++;
      most = Math.max(most, running);
      offsets.push((JSON.parse(request.postData() ?? '{}') as { offset?: number }).offset ?? 0);
    });
    const settle = (request: { url(): string }) => {
      if (request.url().includes('/api/photos:list')) running--;
    };
    page.on('requestfinished', settle);
    page.on('requestfailed', settle);
    await page.goto(`${server.url}#/review`);
    await page.getByTestId('photo-total').filter({ hasText: `${PHOTOS} photos` }).waitFor();
    await page.getByTestId('photo-grid').evaluate(async (grid) => {
      for (let step = 1; step <= 40; step++) {
        grid.scrollTop = (grid.scrollHeight * step) / 40;
        await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
      }
    });
    const lastPage = Math.floor((PHOTOS - 1) / 200) * 200;
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo-grid] .cell[data-photo-id]').length > 0 && [...document.querySelectorAll('[data-testid=photo-grid] .cell')].every((cell) => cell.hasAttribute('data-photo-id')));
    assert.ok(most <= 2, `at most two page requests at once (saw ${most})`);
    assert.ok(offsets.includes(lastPage), 'the last page was fetched');
    assert.equal(new Set(offsets).size, offsets.length, `no page is fetched twice (${offsets.join(', ')})`);
  });

  test('End then Enter opens the last photo of the queue', async () => {
    await page.getByTestId('photo-grid').focus();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid=photo-detail][data-photo-id="${lastId}"]`).waitFor();
    await page.getByText(`${PHOTOS} / ${PHOTOS}`).waitFor();
  });

  for (const screen of ['review', 'photo', 'import', 'map', 'alerts', 'export', 'models', 'train']) {
    test(`axe-core finds no critical or serious violation on the ${screen} screen`, async () => {
      await page.goto(`${server.url}#/${screen === 'photo' ? `photo/${lastId}` : screen}`);
      await page.locator('main').waitFor();
      await page.waitForTimeout(800);
      assert.equal(await page.locator('h1').count(), 1, 'the screen has one h1');
      const found = await seriousAccessibilityViolations(page);
      assert.deepEqual(found, [], JSON.stringify(found, null, 1));
    });
  }
});
