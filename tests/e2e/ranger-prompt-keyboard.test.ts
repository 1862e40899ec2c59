import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../main/server/server.js';
import { writeCard } from '../fixtures/make-card.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { importCardWithPredictions } from '../helpers/predicted-card.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Scenario 2, with gloves on: a new session asks the ranger's name; the name is typed at once
 * (no click), Enter starts, and the next keys go to the review grid: Enter opens the photo and
 * Enter confirms it under that name. Before, the keyboard was left on nothing after Start.
 */
describe('the ranger prompt hands the keyboard to the review grid', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-ranger-keys-');
  const rendererDir = path.join(dir, 'renderer');
  const databasePath = path.join(dir, 'library.sqlite');
  const LABELS = ['Heracleum mantegazzianum', 'Fallopia japonica'];
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const card = path.join(dir, 'CARD');
    await writeCard(card, {
      'DCIM/H1.JPG': { seed: 1, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T09:00:00' },
      'DCIM/H2.JPG': { seed: 2, latitude: 46.75, longitude: 10.35, capturedAt: '2026-06-01T10:00:00' },
    });
    const model = { name: 'pack', contentHash: 'd'.repeat(64), sourcePath: dir, labels: LABELS };
    ({ server, browser, page } = await openStationInBrowser({
      databasePath,
      rendererDir,
      prepareLibrary: (library) => importCardWithPredictions(library, card, model, () => [0.8, 0.2]),
      pageOptions: { viewport: { width: 1366, height: 768 } },
    }));
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('type the name, Enter, Enter opens the first photo, Enter confirms it as that ranger', async () => {
    const first = server.station.library.photos.query({ order: 'needs-review' })[0]!.id;
    await page.goto(`${server.url}#/review`);
    await page.getByTestId('ranger-prompt').waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Ranger name');
    await page.keyboard.type('Marta');
    await page.keyboard.press('Enter');
    await page.getByTestId('ranger-name').filter({ hasText: 'Marta' }).waitFor();
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => location.hash === `#/photo/${id}`, first, { timeout: 10_000 });
    await page.getByRole('button', { name: 'Next' }).waitFor();
    await page.keyboard.press('Enter');
    for (let i = 0; i < 50 && server.station.library.photos.get(first)!.status !== 'confirmed'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const photo = server.station.library.photos.get(first)!;
    assert.equal(photo.status, 'confirmed');
    assert.equal(photo.review?.reviewer, 'Marta');
  });
});
