import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { writeDemoModelPack } from '../../main/core/demo/demo-model.js';
import { writeDemoCard } from '../../main/core/demo/sample-card.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { addModelToLibrary, openLibraryModel } from '../../main/core/vision/open-classifier.js';
import type { RunningServer } from '../../main/server/server.js';
import { SCREENSHOTS_DIR, chromiumSkipReason } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The Train screen in Debian's Chromium: a library of demo photos reviewed by "rangers" (a
 * quarter of them labelled wrongly, so the held-out photos include mistakes) trains a new
 * version in the background; the report draws the confusion matrix and lists the
 * misclassified photos, which open in the detail screen. Screenshot: test-results/e2e/train.png.
 */

describe('training a new model version in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-train-');
  const rendererDir = path.join(dir, 'renderer');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ({ server, browser, page } = await openStationInBrowser({ databasePath: path.join(dir, 'library.sqlite'), rendererDir, pageOptions: { viewport: { width: 1280, height: 1000 } } }));
    const { library, settings } = server.station;
    const pack = await writeDemoModelPack(path.join(dir, 'demo-model'));
    const card = await writeDemoCard(path.join(dir, 'card'), 30);
    const model = await addModelToLibrary(library, pack, { settings, activate: true });
    const classifier = await openLibraryModel(model, settings);
    await importFolder(library, card.folder, { settings, classifier }).finally(() => classifier.close());
    const species = [...new Set(Object.values(card.truth))].sort();
    // By file name, not id: the import works on files in parallel, so ids vary between runs.
    const photos = library.photos.query({}).sort((a, b) => path.basename(a.path).localeCompare(path.basename(b.path)));
    for (const [index, photo] of photos.entries()) {
      const truth = card.truth[path.basename(photo.path)]!;
      // Every fourth photo gets the next species' name (the card cycles through 3 species, so
      // every species is hit): label noise the held-out photos will show.
      const label = index % 4 === 0 ? species[(species.indexOf(truth) + 1) % species.length]! : truth;
      library.reviews.record({ photoId: photo.id, decision: 'corrected', species: label });
    }
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('training runs in the background and its report draws the confusion matrix', async () => {
    await page.goto(`${server.url}#/train`);
    await page.getByTestId('model-version').first().waitFor();
    await page.getByLabel('Seed').fill('5');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.getByTestId('training-message').filter({ hasText: /New model version #\d+ is ready/ }).waitFor({ timeout: 120_000 });
    const trained = server.station.library.models.list().find((model) => model.format === 'trained-head');
    assert.ok(trained, 'a trained version was added');
    await page.locator(`[data-testid=training-report][data-model-id="${trained.id}"]`).waitFor();

    const report = (trained.provenance as { report: { evaluation: { labels: string[]; examples: number; misclassified: unknown[] } } }).report;
    const cells = page.getByTestId('confusion-cell');
    assert.equal(await cells.count(), report.evaluation.labels.length ** 2);
    const counts = await cells.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-count'))));
    assert.equal(counts.reduce((a, b) => a + b, 0), report.evaluation.examples, 'the matrix holds every held-out photo');
    assert.equal(await page.getByTestId('misclassified').count(), report.evaluation.misclassified.length);
    assert.ok(report.evaluation.misclassified.length > 0, 'the label noise shows in the held-out photos');
    assert.equal(await page.getByTestId('model-version').count(), 2);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'train.png'), fullPage: true });
  });

  test('a misclassified photo opens in the detail screen', async () => {
    const first = page.getByTestId('misclassified').first().getByRole('button');
    const photoId = await first.getAttribute('data-photo-id');
    await first.click();
    await page.waitForFunction((id) => document.querySelector('[data-testid=photo-detail]')?.getAttribute('data-photo-id') === id, photoId);
  });
});
