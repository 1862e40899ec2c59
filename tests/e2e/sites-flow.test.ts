import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { reviewObservation } from '../../main/core/geo/observations.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { listSites } from '../../main/core/sites/site-service.js';
import type { RunningServer } from '../../main/server/server.js';
import { writeCard } from '../fixtures/make-card.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Issue 15 on screen: a site made from a confirmed photo, planned and treated, with the ranger in its history. */
describe('sites in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-sites-');
  const rendererDir = path.join(dir, 'renderer');
  const databasePath = path.join(dir, 'library.sqlite');
  const SPECIES = 'Ailanthus altissima';
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let photoId: number;

  before(async () => {
    const card = path.join(dir, 'CARD');
    await writeCard(card, { 'DCIM/A1.JPG': { seed: 1, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T09:00:00' } });
    ({ server, browser, page } = await openStationInBrowser({
      databasePath,
      rendererDir,
      prepareLibrary: async (library) => {
        await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
        photoId = library.photos.query()[0]!.id;
        refreshAlerts(library, DEFAULT_SETTINGS.geo);
        reviewObservation(library, photoId, { decision: 'confirmed', species: SPECIES, reviewer: 'E. Ranger' });
      },
      pageOptions: { viewport: { width: 1280, height: 900 } },
    }));
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('create a site from a confirmed photo, plan and record a treatment; the history names the ranger', async () => {
    await page.goto(`${server.url}#/sites`);
    await page.getByTestId('ranger-prompt').waitFor();
    await page.getByLabel('Ranger name').fill('E. Ranger');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByTestId('sites-screen').waitFor();
    await page.getByTestId('site-photo-id').fill(String(photoId));
    await page.getByRole('button', { name: 'Create site' }).click();
    await page.getByTestId('sites-message').filter({ hasText: `Site created for ${SPECIES}` }).waitFor();
    await page.getByTestId('site-plan').click();
    await page.getByTestId('sites-message').filter({ hasText: 'Treatment planned' }).waitFor();
    await page.getByTestId('treat-method').selectOption('cutting');
    await page.getByTestId('treat-submit').click();
    await page.getByTestId('sites-message').filter({ hasText: 'first re-check due' }).waitFor();
    await page.getByTestId('site-history').filter({ hasText: 'treatment recorded by E. Ranger' }).waitFor();
    const [site] = listSites(server.station.library);
    assert.equal(site!.state, 'treated');
    assert.equal(site!.treatments[0]!.method, 'cutting');
    assert.equal(site!.treatments[0]!.ranger, 'E. Ranger');
  });

  test('the map shows the site coloured by its state', async () => {
    await page.goto(`${server.url}#/map`);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-sites]')?.dataset.sites === 'treated');
    assert.equal(await page.getByTestId('show-sites').isChecked(), true);
  });
});
