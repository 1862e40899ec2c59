import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Library } from '../../main/core/library/index.js';
import { exportBundle } from '../../main/core/stations/export-bundle.js';
import type { RunningServer } from '../../main/server/server.js';
import { SCREENSHOTS_DIR, chromiumSkipReason } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { addPhoto } from '../helpers/station-library.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Issue 17 on screen: the Stations screen merges a bundle from another station, lists it as
 * received (from whom, when), shows the photo two stations decided differently on, and
 * "Keep this" settles it.
 */
describe('the Stations screen in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-stations-');
  const rendererDir = path.join(dir, 'renderer');
  const databasePath = path.join(dir, 'library.sqlite');
  const bundle = path.join(dir, 'north.bundle');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const here = Library.open(databasePath);
    const north = Library.open(path.join(dir, 'north.sqlite'));
    try {
      const photo = await addPhoto(north, 'shared');
      north.reviews.record({ photoId: photo.id, decision: 'unsure', reviewer: 'Ana', station: 'North' });
      const first = path.join(dir, 'first.bundle');
      await exportBundle(north, { out: first, full: true });
      const { importBundle } = await import('../../main/core/stations/import-bundle.js');
      await importBundle(here, first);
      north.reviews.record({ photoId: photo.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'Ana', station: 'North' });
      here.reviews.record({ photoId: here.stationSync.photoId(photo.sha256)!, decision: 'rejected', reviewer: 'Ben', station: 'South' });
      await exportBundle(north, { out: bundle, full: true });
    } finally {
      north.close();
      here.close();
    }
    ({ server, browser, page } = await openStationInBrowser({ databasePath, rendererDir, pageOptions: { viewport: { width: 1280, height: 900 } } }));
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('merge a bundle, see it received and resolve the conflict it brought', async () => {
    await page.goto(`${server.url}#/stations`);
    await page.getByTestId('ranger-prompt').waitFor();
    await page.getByLabel('Ranger name').fill('Ben');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByTestId('stations').waitFor();
    await page.getByLabel('Bundle or library file from another station').setInputFiles(bundle);
    await page.getByRole('button', { name: 'Merge' }).click();
    await page.getByTestId('stations-message').filter({ hasText: 'photo(s) decided differently' }).waitFor();
    const conflicts = page.getByTestId('stations-conflicts');
    await conflicts.getByText('confirmed Ailanthus altissima by Ana at North').waitFor();
    await conflicts.getByText('rejected by Ben at South').waitFor();
    await page.getByTestId('stations-received').getByText('north.bundle', { exact: true }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'stations.png'), fullPage: true });
    await conflicts.locator('.decision').filter({ hasText: 'confirmed Ailanthus altissima' }).getByRole('button', { name: 'Keep this' }).click();
    await page.getByText('No photo was decided differently at two stations.').waitFor();
    const review = server.station.library.reviews.current(server.station.library.stationSync.photoId(server.station.library.stationSync.reviewedPhotoHashes()[0]!)!)!;
    assert.equal(review.decision, 'confirmed');
    assert.equal(review.reviewer, 'Ben');
  });
});
