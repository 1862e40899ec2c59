import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../main/server/server.js';
import { makeJpegWithExif } from '../fixtures/make-photo.js';
import { SCREENSHOTS_DIR, chromiumSkipReason } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Visitors' submissions on the Import screen in Debian's Chromium: a mail file is uploaded and
 * taken in, the summary names the licence and credit, the described place is listed, and the Map
 * screen shows the visitor's words beside the photo waiting for placement.
 */
describe('citizen intake in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-intake-');
  const databasePath = path.join(dir, 'library.sqlite');
  const mailFile = path.join(dir, 'visitor.eml');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const jpeg = await makeJpegWithExif({ seed: 81 });
    fs.writeFileSync(
      mailFile,
      [
        'From: Hana Visitor <hana@example.org>',
        'Subject: yellow flowers',
        'Date: Sun, 10 May 2026 08:00:00 +0000',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="ZZ"',
        '',
        '--ZZ',
        'Content-Type: text/plain',
        '',
        'Location: at the second bench after the waterfall',
        'Licence: CC-BY',
        'Consent: yes',
        '--ZZ',
        'Content-Type: image/jpeg; name="hana.jpg"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="hana.jpg"',
        '',
        jpeg.toString('base64'),
        '--ZZ--',
        '',
      ].join('\r\n'),
    );
    ({ server, browser, page } = await openStationInBrowser({ databasePath, rendererDir: path.join(dir, 'renderer'), pageOptions: { viewport: { width: 1280, height: 900 } } }));
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('take a mail in from the Import screen; its described place shows on the Map screen', async () => {
    await page.goto(`${server.url}#/import`);
    const panel = page.getByTestId('intake');
    // The mail is uploaded through the page (the page never names a path on the station).
    await panel.locator('input[type=file]').first().setInputFiles(mailFile);
    await panel.getByTestId('chosen-file').filter({ hasText: 'visitor.eml' }).waitFor({ timeout: 30_000 });
    await panel.getByRole('button', { name: 'Take in' }).click();
    const summary = panel.getByTestId('intake-summary');
    await summary.waitFor({ timeout: 60_000 });
    assert.match(await summary.innerText(), /1 submission\(s\), 1 photo\(s\) taken in/);
    assert.match(await summary.innerText(), /CC-BY-4\.0 · Hana Visitor/);
    assert.ok(!(await page.content()).includes('hana@example.org'), 'the contact address is not shown on the Import screen');
    await panel.getByTestId('pending-places').getByText(/second bench after the waterfall/).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'intake.png') });
    await page.goto(`${server.url}#/map`);
    await page.getByTestId('described-place').filter({ hasText: 'second bench after the waterfall' }).waitFor({ timeout: 30_000 });
  });
});
