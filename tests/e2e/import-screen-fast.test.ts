import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../main/server/server.js';
import { writeCard } from '../fixtures/make-card.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Scenario 1 on the Import screen with a tired ranger's input: the wrong (empty) folder, then
 * the same card twice. The empty folder used to end as a bare "completed: 0 new", and
 * "Importing FOLDER…" stayed on screen above each finished import's result.
 */
describe('finished imports on the Import screen', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-fast-import-');
  const card = path.join(dir, 'CARD');
  const empty = path.join(dir, 'NO_NAME');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    await writeCard(card, {
      'DCIM/100CANON/IMG_0001.JPG': { seed: 1, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T09:00:00' },
      'DCIM/100CANON/IMG_0002.JPG': { seed: 2, capturedAt: '2026-06-01T09:05:00' },
    });
    fs.mkdirSync(path.join(empty, 'MISC'), { recursive: true });
    fs.writeFileSync(path.join(empty, 'MISC', 'notes.txt'), 'not a photo');
    ({ server, browser, page } = await openStationInBrowser({ databasePath: path.join(dir, 'library.sqlite'), rendererDir: path.join(dir, 'renderer'), pageOptions: { viewport: { width: 1366, height: 768 } } }));
  });

  after(() => closeStationInBrowser({ server, browser }));

  async function importFolder(folder: string): Promise<string> {
    const importButton = page.getByRole('button', { name: 'Import', exact: true });
    await page.getByLabel('Folder (a memory card or a folder of photos)').fill(folder);
    await importButton.click();
    await page.getByTestId('import-finished').waitFor({ timeout: 60_000 });
    // Ready for the next card: the button comes back and the screen says nothing is running.
    await page.locator('form:has(#import-path) button[type=submit]:enabled').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByRole('button', { name: 'Cancel' }).first().isEnabled(), false, 'nothing left to cancel');
    assert.equal(await page.getByText(/^Importing /).count(), 0, 'no "Importing…" left on screen');
    return page.getByTestId('import-finished').innerText();
  }

  test('an empty folder says no photos were found; the card, then the same card again, each finish and free the screen', async () => {
    await page.goto(`${server.url}#/import`);
    await page.getByLabel('Folder (a memory card or a folder of photos)').waitFor();

    assert.match(await importFolder(empty), /No photos found under .*NO_NAME: check that this is the card's folder/);
    assert.match(await importFolder(card), /2 new/);
    assert.match(await importFolder(card), /0 new, 0 duplicates, 2 already known/);
    assert.equal(server.station.library.stats().photos, 2);
  });
});
