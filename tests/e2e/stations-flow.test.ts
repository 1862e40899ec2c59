import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Library } from '../../main/core/library/index.js';
import { exportBundle } from '../../main/core/stations/export-bundle.js';
import type { RunningServer } from '../../main/server/server.js';
import { seriousAccessibilityViolations } from '../helpers/axe.js';
import { SCREENSHOTS_DIR, chromiumSkipReason } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { addPhoto } from '../helpers/station-library.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Issue 17 on screen: the Stations screen merges a bundle from another station as a job (a
 * progress bar fed by the merge's progress events, then the result), lists it as received
 * (from whom, when), shows the photo two stations decided differently on and the photo they
 * placed differently, and "Keep this" settles each.
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
      // Enough photos that the merge has records and thumbnails to report on.
      for (let i = 0; i < 40; i++) await addPhoto(north, `north-${i}`);
      north.reviews.record({ photoId: photo.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'Ana', station: 'North' });
      here.reviews.record({ photoId: here.stationSync.photoId(photo.sha256)!, decision: 'rejected', reviewer: 'Ben', station: 'South' });
      north.positions.set(photo.id, { latitude: 46.61, longitude: 10.11, source: 'manual', uncertaintyMetres: 20, by: 'Ana' });
      here.positions.set(here.stationSync.photoId(photo.sha256)!, { latitude: 46.9, longitude: 10.4, source: 'manual', uncertaintyMetres: 80, by: 'Ben' });
      await exportBundle(north, { out: bundle, full: true });
    } finally {
      north.close();
      here.close();
    }
    // bypassCSP lets the test inject axe-core; the station's own CSP stays as it is for the app.
    ({ server, browser, page } = await openStationInBrowser({ databasePath, rendererDir, pageOptions: { viewport: { width: 1280, height: 900 }, bypassCSP: true } }));
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('merge a bundle, see it received and resolve the conflict it brought', async () => {
    await page.goto(`${server.url}#/stations`);
    await page.getByTestId('ranger-prompt').waitFor();
    await page.getByLabel('Ranger name').fill('Ben');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByTestId('stations').waitFor();
    await page.getByLabel('Bundle or library file from another station').setInputFiles(bundle);
    // Every text the progress bar's label shows, as the merge's events arrive.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { mergeProgressSeen: string[] }).mergeProgressSeen = seen;
      new MutationObserver(() => {
        const label = document.querySelector('[data-testid="stations-merge-progress"] label')?.textContent;
        if (label && seen.at(-1) !== label) seen.push(label);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Merge' }).click();
    await page.getByTestId('stations-message').filter({ hasText: 'photo(s) decided differently' }).waitFor();
    assert.equal(await page.getByTestId('stations-merge-progress').count(), 0, 'the progress bar goes when the merge is done');
    const seen = await page.evaluate(() => (window as unknown as { mergeProgressSeen: string[] }).mergeProgressSeen);
    assert.ok(seen.some((label) => /^Merging records — north\.bundle: \d+ of \d+$/.test(label)), `progress shown: ${JSON.stringify(seen)}`);
    assert.ok(seen.some((label) => /^Copying thumbnails — north\.bundle/.test(label)), `progress shown: ${JSON.stringify(seen)}`);
    await page.getByTestId('stations-message').filter({ hasText: '40 photo' }).waitFor();
    await page.getByTestId('stations-message').filter({ hasText: '1 photo(s) placed differently' }).waitFor();
    const conflicts = page.getByTestId('stations-conflicts');
    await conflicts.getByText('confirmed Ailanthus altissima by Ana at North').waitFor();
    await conflicts.getByText('rejected by Ben at South').waitFor();
    await page.getByTestId('stations-received').getByText('north.bundle', { exact: true }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'stations.png'), fullPage: true });
    const found = await seriousAccessibilityViolations(page);
    assert.deepEqual(found, [], JSON.stringify(found, null, 1));
    await conflicts.locator('.decision').filter({ hasText: 'confirmed Ailanthus altissima' }).getByRole('button', { name: 'Keep this' }).click();
    await page.getByText('No photo was decided differently at two stations.').waitFor();
    const review = server.station.library.reviews.current(server.station.library.stationSync.photoId(server.station.library.stationSync.reviewedPhotoHashes()[0]!)!)!;
    assert.equal(review.decision, 'confirmed');
    assert.equal(review.reviewer, 'Ben');

    const placements = page.getByTestId('stations-placement-conflicts');
    await placements.getByText('46.61000, 10.11000 ±20 m by Ana').waitFor();
    await placements.getByText('46.90000, 10.40000 ±80 m by Ben').waitFor();
    await placements.locator('.decision').filter({ hasText: '46.61000' }).getByRole('button', { name: 'Keep this' }).click();
    await page.getByText('No photo was placed differently at two stations.').waitFor();
    const library = server.station.library;
    const position = library.positions.get(library.stationSync.photoId(library.stationSync.reviewedPhotoHashes()[0]!)!)!;
    assert.deepEqual([position.latitude, position.longitude, position.uncertaintyMetres], [46.61, 10.11, 20]);
  });
});
