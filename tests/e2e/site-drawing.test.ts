import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { SiteExtent } from '../../main/core/sites/site-extent.js';
import { listSites } from '../../main/core/sites/site-service.js';
import type { RunningServer } from '../../main/server/server.js';
import { writeRasterMbtiles } from '../fixtures/make-basemaps.js';
import { seriousAccessibilityViolations } from '../helpers/axe.js';
import { SCREENSHOTS_DIR, chromiumSkipReason } from '../helpers/browser.js';
import { jumpMapTo, metresBetween, unprojectOffset } from '../helpers/map-view.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Issue 15: a site drawn on the Map screen (real server, real library, Debian's Chromium with
 * WebGL in software, a raster basemap made by the test). Clicks at known screen points become
 * the stored polygon (within 10 m of where Web Mercator puts them, computed here without
 * MapLibre); a point site keeps its radius; a bow-tie is refused with the core's message and
 * nothing is stored; over the world outline alone clicking is not offered and typed
 * coordinates are stored as typed; the new site is on the map at once.
 */

const PARK: [number, number, number, number] = [-93.66, 41.98, -93.62, 42.01];
const CENTRE: [number, number] = [-93.64, 41.995];
const ZOOM = 16.5;
const SPECIES = ['Ailanthus altissima', 'Reynoutria japonica'];

describe('drawing a site on the map in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-site-draw-e2e-');
  const rendererDir = path.join(dir, 'renderer');
  const db = path.join(dir, 'library.sqlite');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  const sites = () => listSites(server.station.library);
  const map = () => page.getByTestId('map');

  const jumpTo = (center: [number, number], zoom: number) => jumpMapTo(page, center, zoom);
  async function mapSize(): Promise<[number, number]> {
    return (await map().evaluate((element) => [element.clientWidth, element.clientHeight])) as [number, number];
  }
  /** Screen offsets from the map's centre, clicked; returns where each should land. */
  async function clickOffsets(offsets: [number, number][]): Promise<[number, number][]> {
    const [width, height] = await mapSize();
    for (const [dx, dy] of offsets) await map().click({ position: { x: width / 2 + dx, y: height / 2 + dy } });
    return offsets.map(([dx, dy]) => unprojectOffset(CENTRE, ZOOM, dx, dy));
  }
  async function shownCoordinates(): Promise<[number, number][]> {
    const items = await page.getByTestId('draft-coordinates').locator('li').allInnerTexts();
    return items.map((text) => text.split(',').map(Number).reverse() as [number, number]);
  }
  async function startDrawing(mode: 'point with a radius' | 'polygon'): Promise<void> {
    await page.getByTestId('new-site').click();
    await page.getByRole('radio', { name: mode }).check();
    await page.locator('[data-testid=draw-species] option', { hasText: SPECIES[0]! }).waitFor({ state: 'attached' });
  }
  async function draftVertices(count: number): Promise<void> {
    await page.locator(`[data-testid=map][data-draft-vertices="${count}"]`).waitFor();
  }

  before(async () => {
    await writeRasterMbtiles(path.join(dir, 'park.mbtiles'), { bounds: PARK, minZoom: 0, maxZoom: 15, colour: [40, 160, 60], name: 'Green park' });
    // bypassCSP lets the test inject axe-core; the station's own CSP stays as it is for the app.
    ({ server, browser, page } = await openStationInBrowser({ databasePath: db, rendererDir, pageOptions: { viewport: { width: 1280, height: 860 }, bypassCSP: true } }));
    const library = server.station.library;
    // The park's species list: the active model's classes.
    const model = library.models.add({ name: 'm', version: '1', contentHash: 'd'.repeat(64), format: 'onnx', sourcePath: dir, labels: SPECIES, preprocessing: {} });
    library.models.setActive(model.id);
    await server.station.basemaps.add(path.join(dir, 'park.mbtiles'));
    await page.goto(`${server.url}#/map`);
    await page.getByTestId('ranger-prompt').waitFor();
    await page.getByLabel('Ranger name').fill('D. Ranger');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('[data-testid=map][data-ready=true][data-basemap-id="1"]').waitFor({ timeout: 60_000 });
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('a polygon clicked at known screen points is stored within 10 m of them; Backspace removes a corner, a double-click closes it; the site is on the map at once', async () => {
    await jumpTo(CENTRE, ZOOM);
    await startDrawing('polygon');
    const [width, height] = await mapSize();
    const expected = await clickOffsets([[-120, -80], [100, -90], [140, 60]]);
    await map().click({ position: { x: width / 2, y: height / 2 + 150 } }); // a corner put wrong…
    await draftVertices(4);
    await page.keyboard.press('Backspace'); // …taken back
    await draftVertices(3);
    const [dx, dy] = [-90, 70];
    await map().dblclick({ position: { x: width / 2 + dx, y: height / 2 + dy } });
    expected.push(unprojectOffset(CENTRE, ZOOM, dx, dy));
    await page.getByText('Corners (4), closed').waitFor();
    await draftVertices(4);

    const shown = await shownCoordinates();
    assert.equal(shown.length, 4);
    shown.forEach((position, i) => assert.ok(metresBetween(position, expected[i]!) < 10, `corner ${i + 1} shown before creating: ${position} vs ${expected[i]}`));
    assert.equal(sites().length, 0, 'nothing stored before Create site');
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'map-site-draw-polygon.png') });

    await page.getByTestId('draw-species').selectOption(SPECIES[1]!);
    await page.getByLabel('Name (optional)').fill('Mill race');
    await page.getByLabel('Notes (optional)').fill('dense stand on the bank');
    await page.getByTestId('draw-create').click();
    await page.getByTestId('draw-message').filter({ hasText: `Site reported for ${SPECIES[1]}` }).waitFor();

    const [site] = sites();
    assert.equal(site!.species, SPECIES[1]);
    assert.equal(site!.state, 'reported');
    assert.equal(site!.name, 'Mill race');
    assert.equal(site!.notes, 'dense stand on the bank');
    assert.equal(site!.history[0]!.ranger, 'D. Ranger');
    const extent = site!.extent as Extract<SiteExtent, { type: 'polygon' }>;
    const ring = extent.coordinates[0]!;
    assert.equal(ring.length, 5);
    assert.deepEqual(ring[0], ring[4], 'the ring is closed');
    ring.slice(0, 4).forEach((position, i) => {
      const off = metresBetween(position, expected[i]!);
      assert.ok(off < 10, `stored corner ${i + 1}: ${position} is ${off.toFixed(2)} m from the clicked point ${expected[i]}`);
    });

    // On the map at once, coloured by its state: drawn at the polygon's middle.
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid=map]')?.dataset.sites === 'reported');
    const drawn = await map().evaluate(
      (element, point) =>
        new Promise<unknown[]>((resolve) => {
          const m = (element as HTMLElement & { stationMap: { map: import('maplibre-gl').Map } }).stationMap.map;
          m.once('idle', () => resolve(m.queryRenderedFeatures(m.project(point), { layers: ['sites-fill'] }).map((feature) => feature.properties)));
          m.triggerRepaint();
        }),
      [(expected[0]![0] + expected[2]![0]) / 2, (expected[0]![1] + expected[2]![1]) / 2] as [number, number],
    );
    assert.equal(drawn.length, 1, 'the new site is drawn on the map');
    assert.equal((drawn[0] as { state: string }).state, 'reported');
  });

  test('a point site: Enter on the map puts it at the crosshair, a click moves it, its radius is kept', async () => {
    await jumpTo(CENTRE, ZOOM);
    await startDrawing('point with a radius');
    await page.locator('[data-testid=map] canvas').focus();
    await page.keyboard.press('Enter');
    const [atCrosshair] = await shownCoordinates();
    assert.ok(metresBetween(atCrosshair!, CENTRE) < 1, `Enter puts the centre at the crosshair (${atCrosshair})`);
    const crosshairText = await page.getByTestId('draft-coordinates').innerText();
    const [expected] = await clickOffsets([[60, -40]]);
    await page.waitForFunction((before) => document.querySelector('[data-testid=draft-coordinates]')?.textContent?.trim() !== before, crosshairText);
    const [moved] = await shownCoordinates();
    assert.ok(metresBetween(moved!, expected!) < 10, `the click moved it (${moved})`);
    await page.getByTestId('draw-radius').fill('25');
    await page.getByTestId('draw-species').selectOption(SPECIES[0]!);
    await page.getByTestId('draw-create').click();
    await page.getByTestId('draw-message').filter({ hasText: `Site reported for ${SPECIES[0]}` }).waitFor();
    const site = sites().find((candidate) => candidate.extent.type === 'point')!;
    const extent = site.extent as Extract<SiteExtent, { type: 'point' }>;
    assert.equal(extent.radiusMetres, 25);
    const off = metresBetween([extent.longitude, extent.latitude], expected!);
    assert.ok(off < 10, `stored centre ${extent.latitude}, ${extent.longitude} is ${off.toFixed(2)} m from the click`);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid=map]')?.dataset.sites === 'reported,reported');
  });

  test('a bow-tie polygon is refused with the core\'s message and nothing is stored; Esc cancels the drawing', async () => {
    const before = sites().length;
    await jumpTo(CENTRE, ZOOM);
    await startDrawing('polygon');
    await clickOffsets([[-100, -80], [100, 80], [100, -80], [-100, 80]]);
    await draftVertices(4);
    await page.getByTestId('draw-finish').click();
    await page.getByTestId('draw-species').selectOption(SPECIES[0]!);
    await page.getByTestId('draw-create').click();
    await page.getByTestId('draw-error').filter({ hasText: 'crosses itself' }).waitFor();
    assert.match(await page.getByTestId('draw-error').innerText(), /The site's shape is not usable: Site extent: the outer ring crosses itself \(edges 1 and 3\)/);
    assert.equal(sites().length, before, 'nothing stored');
    assert.equal(server.station.library.events.ofType('site').length, before, 'no event either');
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'map-site-draw-bowtie.png') });
    await page.locator('[data-testid=map] canvas').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('draw-message').filter({ hasText: 'Drawing cancelled' }).waitFor();
    assert.equal(await page.getByTestId('draw-create').count(), 0);
  });

  test('axe-core finds no critical or serious violation on the map screen while a site is drawn', async () => {
    await startDrawing('polygon');
    await clickOffsets([[-50, -50], [50, -50]]);
    const found = await seriousAccessibilityViolations(page);
    assert.deepEqual(found, [], JSON.stringify(found, null, 1));
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  test('over the world outline alone clicking is not offered; typed corners and a typed point are stored as typed', async () => {
    await page.getByLabel('Basemap', { exact: true }).selectOption({ label: 'World outline only' });
    await page.locator('[data-testid=map][data-basemap-id=""]').waitFor();
    await jumpTo(CENTRE, 17);
    const before = sites().length;
    await startDrawing('polygon');
    assert.match(await page.getByTestId('draw-help').innerText(), /clicking is not offered/);
    assert.equal(await page.getByRole('button', { name: 'Corner at crosshair' }).count(), 0);
    await clickOffsets([[-60, -60], [60, -60], [60, 60]]);
    await page.getByTestId('draw-error').filter({ hasText: 'nothing to aim at' }).waitFor();
    assert.equal(await page.getByTestId('draft-coordinates').locator('li').count(), 0, 'clicks add no corner');

    await page.getByLabel('Corners ("latitude, longitude" per line) or pasted GeoJSON').fill('41.9951, -93.6405\n41.9956, -93.6398\n41.9948, -93.6391');
    await page.getByRole('button', { name: 'Use these coordinates' }).click();
    await page.getByText('Corners (3), closed').waitFor();
    await page.getByTestId('draw-species').selectOption(SPECIES[0]!);
    await page.getByTestId('draw-create').click();
    await page.getByTestId('draw-message').filter({ hasText: 'Site reported' }).waitFor();
    const polygon = sites().find((site) => site.extent.type === 'polygon' && site.extent.coordinates[0]![0]![1] === 41.9951)!;
    assert.deepEqual((polygon.extent as Extract<SiteExtent, { type: 'polygon' }>).coordinates, [[[-93.6405, 41.9951], [-93.6398, 41.9956], [-93.6391, 41.9948], [-93.6405, 41.9951]]]);

    await startDrawing('point with a radius');
    await page.getByLabel('Centre latitude').fill('41.9971');
    await page.getByLabel('Centre longitude').fill('-93.6402');
    await page.getByTestId('draw-radius').fill('12');
    await page.getByRole('button', { name: 'Use these coordinates' }).click();
    assert.equal(await page.getByTestId('draft-coordinates').innerText(), '41.997100, -93.640200');
    await page.getByTestId('draw-species').selectOption(SPECIES[1]!);
    await page.getByTestId('draw-create').click();
    await page.getByTestId('draw-message').filter({ hasText: `Site reported for ${SPECIES[1]}` }).waitFor();
    assert.equal(sites().length, before + 2);
    const point = sites().find((site) => site.extent.type === 'point' && site.extent.latitude === 41.9971)!;
    assert.deepEqual(point.extent, { type: 'point', latitude: 41.9971, longitude: -93.6402, radiusMetres: 12 });
  });
});
