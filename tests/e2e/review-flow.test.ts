import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../main/server/server.js';
import { writeCard } from '../fixtures/make-card.js';
import { E2E_LABELS, SCREENSHOTS_DIR, chromiumSkipReason, writeTinyOnnxPack } from '../helpers/browser.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The review flow in Debian's Chromium against the browser transport: import a real folder
 * through the UI, review with the keyboard only, correct one species through the searchable
 * list, export GeoJSON, reload and find the decisions kept. A screenshot of each screen goes
 * to test-results/e2e/.
 */

describe('review flow in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-');
  const card = path.join(dir, 'CARD');
  const rendererDir = path.join(dir, 'renderer');
  const packDir = path.join(dir, 'model-pack');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  async function shoot(name: string) {
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`) });
  }
  async function currentPhotoId(): Promise<number> {
    return Number(await page.getByTestId('photo-detail').getAttribute('data-photo-id'));
  }
  /** Presses a key on the detail screen and waits until the next photo is shown. */
  async function decideWith(key: string): Promise<number> {
    const id = await currentPhotoId();
    await page.keyboard.press(key);
    await page.waitForFunction((before) => document.querySelector('[data-testid=photo-detail]')?.getAttribute('data-photo-id') !== String(before), id);
    return id;
  }

  before(async () => {
    await writeCard(card, {
      'DCIM/100CANON/IMG_0001.JPG': { seed: 1, latitude: -33.91, longitude: 18.42, capturedAt: '2026-05-01T09:00:00', make: 'Canon', model: 'EOS 80D' },
      'DCIM/100CANON/IMG_0002.JPG': { seed: 2, latitude: -33.912, longitude: 18.425, capturedAt: '2026-05-01T09:05:00', make: 'Canon', model: 'EOS 80D', orientation: 6 },
      'DCIM/100CANON/IMG_0003.JPG': { seed: 3, latitude: -33.95, longitude: 18.47, capturedAt: '2026-05-02T11:00:00', make: 'Canon', model: 'EOS 80D' },
      'DCIM/100CANON/IMG_0004.JPG': { seed: 4, latitude: -33.96, longitude: 18.48, capturedAt: '2026-05-02T11:30:00', make: 'Apple', model: 'iPhone 12' },
      'DCIM/100CANON/IMG_0005.JPG': { seed: 5, capturedAt: '2026-05-03T15:00:00', make: 'Apple', model: 'iPhone 12' },
      'DCIM/100CANON/IMG_0006.JPG': { seed: 6, latitude: -33.97, longitude: 18.49, capturedAt: '2026-05-03T16:00:00', make: 'Apple', model: 'iPhone 12' },
      'DCIM/100CANON/notes.txt': 'not a photo',
    });
    writeTinyOnnxPack(packDir);
    ({ server, browser, page } = await openStationInBrowser({ databasePath: path.join(dir, 'library.sqlite'), rendererDir, pageOptions: { viewport: { width: 1280, height: 800 }, acceptDownloads: true } }));
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('the models screen adds a model pack and makes it active', async () => {
    await page.goto(`${server.url}#/models`);
    assert.ok(!page.url().includes('token='), 'the token leaves the address bar once the cookie is set');
    // The pack's files are uploaded (the page never names a path on the station).
    await page.getByLabel(/Add a model pack/).setInputFiles(fs.readdirSync(packDir).map((name) => path.join(packDir, name)));
    await page.getByTestId('chosen-file').filter({ hasText: '3 files' }).waitFor();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByTestId('model-card').filter({ hasText: 'active' }).waitFor({ timeout: 60_000 });
    await shoot('models');
    const active = server.station.library.models.active();
    assert.deepEqual(active?.labels, E2E_LABELS);
    assert.match(active!.sourcePath, /\(uploaded\)$/, 'the library records the uploaded name, not the removed temporary copy');
    assert.equal(await page.getByLabel(/Add a model pack/).inputValue(), '', 'the file field is cleared for the next pack');
  });

  test('the import screen imports a real folder, classifies it and shows the progress', async () => {
    await page.goto(`${server.origin}/#/import`);
    await page.getByLabel('Folder (a memory card or a folder of photos)').fill(card);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-finished').waitFor({ timeout: 60_000 });
    const finished = await page.getByTestId('import-finished').innerText();
    assert.match(finished, /6 new/);
    assert.match(await page.getByTestId('import-progress').innerText(), /6 \/ 6 files/);
    await shoot('import');
    const stats = server.station.library.stats();
    assert.equal(stats.photos, 6);
    assert.equal(stats.withPrediction, 6, 'every photo was classified by the active model');
  });

  test('the grid shows the predictions, least certain first', async () => {
    await page.goto(`${server.origin}/#/review`);
    await page.getByTestId('photo-total').filter({ hasText: '6 photos' }).waitFor();
    const firstCellId = Number(await page.locator('[role=gridcell]').first().getAttribute('data-photo-id'));
    const leastCertain = server.station.library.photos.query({ order: 'needs-review', limit: 1 })[0]!;
    assert.equal(firstCellId, leastCertain.id);
    await page.locator('[role=gridcell] img').first().waitFor();
    await shoot('review-grid');
  });

  const decided: Record<string, number> = {};

  test('reviewing with the keyboard only records each decision', async () => {
    // The grid has the focus: Enter opens the photo under the cursor.
    await page.keyboard.press('Enter');
    await page.getByTestId('photo-detail').waitFor();
    await page.getByTestId('full-photo').waitFor();
    await shoot('photo-detail');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await shoot('help-overlay');
    await page.keyboard.press('Escape');

    decided.confirmed = await decideWith('Enter');
    decided.second = await decideWith('2');
    decided.rejected = await decideWith('x');
    // Correct through the searchable species list: C, type, Enter.
    await page.keyboard.press('c');
    await page.getByLabel('Species search').waitFor();
    await page.keyboard.type('carpob');
    const corrected = await currentPhotoId();
    await page.keyboard.press('Enter');
    await page.waitForFunction((before) => document.querySelector('[data-testid=photo-detail]')?.getAttribute('data-photo-id') !== String(before), corrected);
    decided.corrected = corrected;
    decided.undone = await decideWith('u');
    // Z takes back the newest decision (the "unsure"), returning to that photo.
    await page.keyboard.press('z');
    await page.waitForFunction((id) => document.querySelector('[data-testid=photo-detail]')?.getAttribute('data-photo-id') === String(id), decided.undone);
    await page.getByTestId('current-status').filter({ hasText: 'unreviewed' }).waitFor();

    const library = server.station.library;
    const photo = (id: number) => library.photos.get(id)!;
    assert.equal(photo(decided.confirmed).status, 'confirmed');
    assert.equal(photo(decided.confirmed).species, photo(decided.confirmed).prediction!.label);
    assert.equal(photo(decided.second).status, 'corrected');
    assert.equal(photo(decided.second).species, photo(decided.second).prediction!.topK[1]!.label);
    assert.equal(photo(decided.rejected).status, 'rejected');
    assert.equal(photo(decided.corrected).status, 'corrected');
    assert.equal(photo(decided.corrected).species, 'Carpobrotus edulis');
    assert.equal(photo(decided.undone).status, 'unreviewed');
    assert.equal(new Set(Object.values(decided)).size, 5, 'each key acted on its own photo');
  });

  test('the GeoJSON export carries the reviewed species of the geolocated photos', async () => {
    await page.goto(`${server.origin}/#/export`);
    await page.getByTestId('species-summary').locator('tbody tr').first().waitFor();
    await shoot('export');
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export GeoJSON' }).click();
    const download = await downloading;
    const file = path.join(dir, 'export.geojson');
    await download.saveAs(file);
    const geojson = JSON.parse(fs.readFileSync(file, 'utf8')) as { type: string; features: { id: number; geometry: { coordinates: number[] }; properties: Record<string, unknown> }[] };
    assert.equal(geojson.type, 'FeatureCollection');
    assert.equal(geojson.features.length, 5, 'the photo without GPS is left out');
    const byId = new Map(geojson.features.map((feature) => [feature.properties.photo_id as number, feature]));
    const library = server.station.library;
    for (const [kind, id] of Object.entries(decided)) {
      const photo = library.photos.get(id)!;
      const feature = byId.get(id);
      if (photo.latitude === null) {
        assert.equal(feature, undefined);
        continue;
      }
      assert.ok(feature, `photo ${id} (${kind}) is exported`);
      assert.deepEqual(feature.geometry.coordinates.slice(0, 2).map((v) => v.toFixed(4)), [photo.longitude!.toFixed(4), photo.latitude.toFixed(4)]);
      assert.equal(feature.properties.review_status, photo.status);
    }
    const correctedFeature = byId.get(decided.corrected!);
    if (correctedFeature) assert.equal(correctedFeature.properties.reviewed_species, 'Carpobrotus edulis');
    assert.match(await page.getByTestId('export-message').innerText(), /5 photos exported \(1 without GPS left out\)/);
  });

  test('after a reload the decisions are still there', async () => {
    await page.goto(`${server.origin}/#/photo/${decided.corrected}`);
    await page.reload();
    await page.getByTestId('current-species').filter({ hasText: 'Carpobrotus edulis' }).waitFor();
    assert.equal(await page.getByTestId('current-status').innerText(), 'corrected');
    await page.goto(`${server.origin}/#/review`);
    await page.reload();
    await page.getByLabel('Status').selectOption('reviewed');
    await page.getByTestId('photo-total').filter({ hasText: '4 photos' }).waitFor();
  });

  test('the detail shows a photo upright (EXIF orientation 6 turns 96x64 pixels into a 64x96 picture)', async () => {
    const rotated = server.station.library.photos.query({}).find((photo) => photo.orientation === 6)!;
    await page.goto(`${server.origin}/#/photo/${rotated.id}`);
    const image = page.getByTestId('full-photo');
    await page.waitForFunction(() => (document.querySelector('[data-testid=full-photo]') as HTMLImageElement | null)?.complete === true);
    const size = await image.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    assert.deepEqual(size, [64, 96]);
    const thumbnail = await page.evaluate(async (id) => {
      const img = new Image();
      img.src = `/media/thumb/${id}`;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, rotated.id);
    assert.ok(thumbnail[0]! < thumbnail[1]!, `thumbnail ${thumbnail.join('x')} is upright too`);
  });

  test('the map shows the geolocated photos', async () => {
    await page.goto(`${server.origin}/#/map`);
    await page.getByLabel('Status').selectOption('');
    await page.locator('[data-testid=map][data-ready=true][data-photos="5"]').waitFor();
    // Count what MapLibre drew: single photos plus the photos inside each cluster.
    const drawn = () =>
      page.getByTestId('map').evaluate(
        (element) =>
          new Promise<number>((resolve) => {
            // No named inner functions: the test runner's transform would wrap them in a helper the page lacks.
            const map = (element as HTMLElement & { stationMap: { map: import('maplibre-gl').Map } }).stationMap.map;
            map.once('idle', () =>
              resolve(
                map
                  .queryRenderedFeatures({ layers: ['clusters', 'photos-confirmed', 'photos-predicted', 'photos-unknown'] })
                  .reduce((sum, feature) => sum + Number(feature.properties.point_count ?? 1), 0),
              ),
            );
            map.triggerRepaint();
          }),
      );
    assert.equal(await drawn(), 5, 'the five photos with GPS, alone or in clusters');
    await shoot('map');
    // Zoom to one photo, then a click on its point opens it.
    const pointId = server.station.library.photos.query({ hasGps: true })[0]!.id;
    await page.getByLabel('Photo number to zoom to').fill(String(pointId));
    await page.getByRole('button', { name: 'Zoom to photo' }).click();
    const at = await page.getByTestId('map').evaluate(
      (element, id) =>
        new Promise<[number, number]>((resolve) => {
          const map = (element as HTMLElement & { stationMap: { map: import('maplibre-gl').Map } }).stationMap.map;
          map.once('idle', () => {
            const feature = map.queryRenderedFeatures({ layers: ['photos-confirmed', 'photos-predicted', 'photos-unknown'] }).find((f) => f.properties.id === id)!;
            const point = map.project((feature.geometry as GeoJSON.Point).coordinates as [number, number]);
            resolve([point.x, point.y]);
          });
          map.triggerRepaint();
        }),
      pointId,
    );
    await page.getByTestId('map').click({ position: { x: at[0], y: at[1] } });
    await page.waitForFunction((id) => document.querySelector('[data-testid=photo-detail]')?.getAttribute('data-photo-id') === String(id), pointId);
  });

  test('selected photos are confirmed in bulk from the grid', async () => {
    await page.goto(`${server.origin}/#/review`);
    await page.getByLabel('Status').selectOption('unreviewed');
    await page.getByTestId('photo-total').filter({ hasText: '2 photos' }).waitFor();
    const ids = (await page.locator('[role=gridcell]').evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-photo-id'))))).sort();
    // Keyboard: the filter keeps the focus after a choice (no surprise jumps); the ranger moves it
    // to the grid, where Space selects the photo under the cursor and → moves.
    await page.locator('[role=gridcell]').first().waitFor();
    await page.getByTestId('photo-grid').focus();
    await page.keyboard.press('Home'); // the cursor comes back where the ranger last was: start at the first photo
    await page.keyboard.press(' ');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press(' ');
    await page.getByRole('button', { name: 'Confirm selected' }).click();
    // Decided photos keep their place in this session's queue (the position stays stable); both now show confirmed.
    await page.getByRole('status').filter({ hasText: '2 photos marked confirmed' }).waitFor();
    await page.locator('[role=gridcell] .status-confirmed').nth(1).waitFor();
    for (const id of ids) {
      const photo = server.station.library.photos.get(id)!;
      assert.equal(photo.status, 'confirmed');
      assert.equal(photo.species, photo.prediction!.label);
    }
  });
});
