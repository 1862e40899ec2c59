import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../main/server/server.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { SCREENSHOTS_DIR, chromiumSkipReason } from '../helpers/browser.js';
import { runCli } from '../helpers/run-cli.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The Backups section of the Export screen in Debian's Chromium: back up, change the library,
 * restore (after the confirmation), and see the change undone and the replaced library kept.
 * Then the server goes away: the failed background load shows in the problems banner, by code.
 */
describe('backups in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-backups-');
  const databasePath = path.join(dir, 'library.sqlite');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    await writeCameraCard(path.join(dir, 'card'), 3);
    assert.equal((await runCli(['import', path.join(dir, 'card'), '--db', databasePath, '--no-classify'])).code, 0);
    ({ server, browser, page } = await openStationInBrowser({ databasePath, rendererDir: path.join(dir, 'renderer'), pageOptions: { viewport: { width: 1280, height: 900 } } }));
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('back up now, change a photo, restore: the change is undone and the replaced library is kept', async () => {
    await page.goto(`${server.url}#/export`);
    const panel = page.getByTestId('backups');
    await panel.getByText('No backups yet.').waitFor();
    await panel.getByRole('button', { name: 'Back up now' }).click();
    await page.getByTestId('backups-message').filter({ hasText: /Backup invasives-backup-.* written/ }).waitFor({ timeout: 60_000 });
    assert.equal(await panel.getByRole('row').count(), 2, 'header and one backup');

    const placed = await server.station.dispatch('photos:place', { photoId: 1, latitude: -12.5, longitude: 130.8 });
    assert.ok(placed.ok);
    await panel.getByRole('button', { name: 'Restore…' }).click();
    await page.getByTestId('backups-message').filter({ hasText: /Library restored from .*: 3 photos\. The library it replaced was backed up first\./ }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'backups.png') });
    assert.notEqual(server.station.library.photos.get(1)?.latitude, -12.5, 'the placement made after the backup is gone');
    await panel.getByRole('row').nth(2).waitFor();
    assert.equal(await panel.getByRole('row').count(), 3, 'the backup and the copy of the replaced library');
  });

  test('download a backup, change a photo, upload the downloaded file and restore from it', async () => {
    await page.goto(`${server.url}#/export`);
    const panel = page.getByTestId('backups');
    // The list loads after the screen: wait for the two backups the test above left before counting.
    await panel.getByRole('row').nth(2).waitFor();
    const rowsBefore = await panel.getByRole('row').count();
    const downloading = page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Download a backup' }).click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), /^invasives-backup-.*\.tar\.gz$/);
    const saved = path.join(dir, download.suggestedFilename());
    await download.saveAs(saved);
    await page.getByTestId('backups-message').filter({ hasText: /Backup of 3 photos downloaded/ }).waitFor({ timeout: 60_000 });
    assert.equal(await panel.getByRole('row').count(), rowsBefore, 'a downloaded backup is not kept on the station');

    const placed = await server.station.dispatch('photos:place', { photoId: 2, latitude: -12.5, longitude: 130.8 });
    assert.ok(placed.ok);
    await panel.getByLabel('Backup file to restore').setInputFiles(saved);
    const restoreFromFile = panel.getByTestId('backup-restore-file');
    await page.waitForFunction(() => !(document.querySelector('[data-testid=backup-restore-file]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 60_000 });
    await restoreFromFile.click();
    await page.getByTestId('backups-message').filter({ hasText: /Library restored from invasives-backup-.*: 3 photos\. The library it replaced was backed up first\./ }).waitFor({ timeout: 60_000 });
    assert.notEqual(server.station.library.photos.get(2)?.latitude, -12.5, 'the placement made after the download is gone');
  });

  test('a background load that fails shows in the problems banner with its headline', async () => {
    await server.close();
    await page.evaluate(() => (location.hash = '#/review'));
    const banner = page.getByTestId('problems');
    await banner.waitFor({ timeout: 30_000 });
    assert.match(await banner.innerText(), /Connection problem/);
  });
});
