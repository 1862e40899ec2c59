import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { basemapStoreDir } from '../../main/core/settings.js';
import { startServer, type RunningServer } from '../../main/server/server.js';
import { writeRasterMbtiles, writeRasterPmtiles, writeVectorMbtiles, writeVectorPmtiles } from '../fixtures/make-basemaps.js';
import { SCREENSHOTS_DIR, chromiumSkipReason } from '../helpers/browser.js';
import { jumpMapTo, metresBetween, unprojectOffset } from '../helpers/map-view.js';
import { runCli } from '../helpers/run-cli.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The map in Debian's Chromium (WebGL in software): park basemaps made by the test (raster
 * MBTiles and PMTiles, tiles drawn with sharp) are added, served and drawn (screenshot pixels
 * show the tiles' colours); a click at a known screen point places a photo where Web Mercator
 * says it should (within 10 m); the world outline stands in when there is no basemap or its
 * file is gone; and no request leaves 127.0.0.1.
 */

const PARK: [number, number, number, number] = [-93.66, 41.98, -93.62, 42.01];
const GREEN: [number, number, number] = [40, 160, 60];
const ORANGE: [number, number, number] = [230, 120, 20];
/** The world outline's land and sea (map-style.ts). */
const LAND: [number, number, number] = [0xf3, 0xf1, 0xe8];
const SEA: [number, number, number] = [0xb9, 0xd3, 0xe6];
const SPECIES = ['Ailanthus altissima', 'Robinia pseudoacacia'];
/** The vector style's colour for a `park` source layer (map-style.ts). */
const PARK_FILL: [number, number, number] = [0xd4, 0xe6, 0xc3];
/** The vector style's colour for a `roads` source layer. */
const ROAD: [number, number, number] = [0xb8, 0xa8, 0x8f];

describe('map with park basemaps in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-map-e2e-');
  const rendererDir = path.join(dir, 'renderer');
  const db = path.join(dir, 'library.sqlite');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const photoIds: number[] = [];
  let unplacedId = 0;

  /** Share of the map's pixels within 6 levels of `colour`. */
  async function shareOfColour(colour: [number, number, number]): Promise<number> {
    const png = await page.getByTestId('map').screenshot();
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let hits = 0;
    for (let i = 0; i < data.length; i += 3) {
      if (Math.abs(data[i]! - colour[0]) <= 6 && Math.abs(data[i + 1]! - colour[1]) <= 6 && Math.abs(data[i + 2]! - colour[2]) <= 6) hits++;
    }
    return hits / (info.width * info.height);
  }
  /** The map's pixels (RGB) as the screen shows them, with the element's size. */
  async function mapPixels(): Promise<{ data: Buffer; width: number; height: number }> {
    const png = await page.getByTestId('map').screenshot();
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  }
  const jumpTo = (center: [number, number], zoom: number) => jumpMapTo(page, center, zoom);
  async function waitForIdle(): Promise<void> {
    await page.getByTestId('map').evaluate(
      (element) =>
        new Promise<void>((resolve) => {
          const map = (element as HTMLElement & { stationMap: { map: { loaded(): boolean; once(e: string, f: () => void): void; triggerRepaint(): void } } }).stationMap.map;
          map.once('idle', () => resolve());
          map.triggerRepaint();
        }),
    );
  }
  async function openMap(url: string): Promise<void> {
    await page.goto(url);
    await page.locator('[data-testid=map][data-ready=true]').waitFor({ timeout: 60_000 });
  }

  before(async () => {
    await writeRasterMbtiles(path.join(dir, 'park.mbtiles'), { bounds: PARK, minZoom: 0, maxZoom: 15, colour: GREEN, name: 'Green park (MBTiles)' });
    await writeRasterPmtiles(path.join(dir, 'park.pmtiles'), { bounds: PARK, minZoom: 0, maxZoom: 15, colour: ORANGE, name: 'Orange park (PMTiles)' });
    ({ server, browser, page } = await openStationInBrowser({ databasePath: db, rendererDir, pageOptions: { viewport: { width: 1280, height: 860 } } }));
    const library = server.station.library;
    const model = library.models.add({ name: 'm', version: '1', contentHash: 'c'.repeat(64), format: 'onnx', sourcePath: dir, labels: SPECIES, preprocessing: {} });
    library.models.setActive(model.id);
    const places: ([number, number] | null)[] = [[-93.645, 41.995], [-93.635, 42.0], [-93.63, 41.99], null];
    places.forEach((place, n) => {
      const id = library.photos.insert({
        sha256: String(n + 1).repeat(64), byteSize: 10, importId: null, format: 'jpeg', width: 10, height: 10, orientation: 1,
        capturedAt: `2026-06-0${n + 1}T10:00:00`, latitude: place?.[1] ?? null, longitude: place?.[0] ?? null, altitude: null,
        cameraMake: null, cameraModel: null, exifWarning: null,
      });
      library.photos.recordPath(id, path.join(dir, `photo-${n}.jpg`), null);
      library.predictions.save({ photoId: id, modelId: model.id, labels: SPECIES, probabilities: Float32Array.from(n % 2 ? [0.2, 0.8] : [0.9, 0.1]), topK: 2 });
      if (place) photoIds.push(id);
      else unplacedId = id;
    });
    page.on('request', (request) => requested.push(request.url()));
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('a raster MBTiles added from the map screen is served and drawn (its tiles colour the screenshot)', async () => {
    await openMap(`${server.url}#/map`);
    await page.getByText('Basemaps and zones').click();
    // Uploaded through the page (it never names a path on the station).
    await page.getByLabel('Basemap file (.mbtiles, .pmtiles)').setInputFiles(path.join(dir, 'park.mbtiles'));
    await page.getByTestId('chosen-file').filter({ hasText: 'park.mbtiles' }).waitFor();
    await page.getByRole('button', { name: 'Add basemap' }).click();
    await page.getByTestId('map-message').filter({ hasText: 'Basemap "Green park (MBTiles)" added' }).waitFor();
    await page.locator('[data-testid=map][data-basemap-id="1"]').waitFor();
    await jumpTo([-93.64, 41.995], 14);
    const green = await shareOfColour(GREEN);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'map-basemap-mbtiles.png') });
    assert.ok(green > 0.3, `the park's tiles cover the view (${(green * 100).toFixed(1)}% green pixels)`);
    assert.ok(fs.existsSync(path.join(basemapStoreDir(db), server.station.library.basemaps.get(1)!.fileName)), 'the file is kept with the library');
  });

  test('a raster PMTiles basemap is drawn when chosen', async () => {
    await server.station.basemaps.add(path.join(dir, 'park.pmtiles'));
    await page.reload();
    await page.locator('[data-testid=map][data-ready=true]').waitFor();
    await page.getByLabel('Basemap', { exact: true }).selectOption({ label: 'Orange park (PMTiles)' });
    await page.locator('[data-testid=map][data-basemap-id="2"]').waitFor();
    await jumpTo([-93.64, 41.995], 15);
    const orange = await shareOfColour(ORANGE);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'map-basemap-pmtiles.png') });
    assert.ok(orange > 0.3, `the PMTiles tiles cover the view (${(orange * 100).toFixed(1)}% orange pixels)`);
    assert.equal(await shareOfColour(GREEN) < 0.01, true, 'the other basemap is no longer drawn');

    // Under a raster basemap that fills the view the world outline is not drawn (software WebGL
    // pays for every layer); once the view reaches past the basemap it is drawn again.
    const worldLandVisibility = () =>
      page.getByTestId('map').evaluate((element) => (element as HTMLElement & { stationMap: { map: import('maplibre-gl').Map } }).stationMap.map.getLayoutProperty('world-land', 'visibility'));
    assert.equal(await worldLandVisibility(), 'none');
    await jumpTo([-95, 40], 2);
    await waitForIdle();
    assert.equal(await worldLandVisibility(), 'visible');
    const [land, sea] = [await shareOfColour(LAND), await shareOfColour(SEA)];
    assert.ok(land > 0.1 && sea > 0.1, `zoomed out past the park the world outline is back: land ${(land * 100).toFixed(1)}%, sea ${(sea * 100).toFixed(1)}%`);
  });

  test('a click at a known screen point over the park basemap places the photo there (within 10 m), after showing the coordinates; undo removes it', async () => {
    const centre: [number, number] = [-93.64, 41.995];
    await page.locator(`[data-testid=unplaced-photo][data-photo-id="${unplacedId}"]`).click();
    await jumpTo(centre, 16.5);
    const size = await page.getByTestId('map').evaluate((element) => [element.clientWidth, element.clientHeight]);
    const [dx, dy] = [120, -70];
    await page.getByTestId('map').click({ position: { x: size[0]! / 2 + dx, y: size[1]! / 2 + dy } });
    const expected = unprojectOffset(centre, 16.5, dx, dy);
    const shown = (await page.getByTestId('pending-coordinates').innerText()).split(',').map(Number) as [number, number];
    assert.ok(metresBetween([shown[1], shown[0]], expected) < 10, `shown before confirming: ${shown.join(', ')} vs ${expected.reverse().join(', ')}`);
    expected.reverse();
    assert.equal(server.station.library.positions.get(unplacedId), null, 'nothing stored before confirming');
    await page.getByRole('button', { name: 'Confirm placement' }).click();
    await page.getByTestId('map-message').filter({ hasText: `Photo ${unplacedId} placed` }).waitFor();
    const stored = server.station.library.positions.get(unplacedId)!;
    const off = metresBetween([stored.longitude, stored.latitude], expected);
    assert.ok(off < 10, `stored ${stored.latitude}, ${stored.longitude}: ${off.toFixed(2)} m from the clicked point`);
    assert.ok(stored.uncertaintyMetres! > 0 && stored.uncertaintyMetres! <= 30, `uncertainty from the zoom: ${stored.uncertaintyMetres} m`);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'map-placed.png') });

    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByTestId('map-message').filter({ hasText: 'undone' }).waitFor();
    assert.equal(server.station.library.positions.get(unplacedId), null);

    // The keyboard: Enter proposes the point under the crosshair (the view's centre).
    await page.locator(`[data-testid=unplaced-photo][data-photo-id="${unplacedId}"]`).click();
    await jumpTo(centre, 17);
    await page.locator('[data-testid=map] canvas').focus();
    await page.keyboard.press('Enter');
    const atCentre = (await page.getByTestId('pending-coordinates').innerText()).split(',').map(Number) as [number, number];
    assert.ok(metresBetween([atCentre[1], atCentre[0]], centre) < 1, `Enter proposes the crosshair's point (${atCentre.join(', ')})`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.getByTestId('pending-placement').count(), 0);
  });

  test('clicks do not place when zoomed out or over the world outline alone; typed coordinates do', async () => {
    await page.locator(`[data-testid=unplaced-photo][data-photo-id="${unplacedId}"]`).click();
    await jumpTo([-93.64, 41.995], 11);
    const size = await page.getByTestId('map').evaluate((element) => [element.clientWidth, element.clientHeight]);
    await page.getByTestId('map').click({ position: { x: size[0]! / 2 + 10, y: size[1]! / 2 + 10 } });
    await page.getByTestId('map-message').filter({ hasText: 'Zoom in to place by clicking' }).waitFor();
    assert.equal(await page.getByTestId('pending-placement').count(), 0);

    await page.getByLabel('Basemap', { exact: true }).selectOption({ label: 'World outline only' });
    await page.locator('[data-testid=map][data-basemap-id=""]').waitFor();
    await jumpTo([-93.64, 41.995], 17);
    await page.getByTestId('map').click({ position: { x: 300, y: 200 } });
    await page.getByTestId('map-message').filter({ hasText: 'nothing to aim at' }).waitFor();

    await page.getByLabel('Latitude').fill('41.9971');
    await page.getByLabel('Longitude').fill('-93.6402');
    await page.getByLabel('Uncertainty (m)').fill('25');
    await page.getByRole('button', { name: 'Show on the map' }).click();
    assert.equal(await page.getByTestId('pending-coordinates').innerText(), '41.997100, -93.640200');
    await page.getByRole('button', { name: 'Confirm placement' }).click();
    await page.getByTestId('map-message').filter({ hasText: `Photo ${unplacedId} placed` }).waitFor();
    const stored = server.station.library.positions.get(unplacedId)!;
    assert.deepEqual([stored.latitude, stored.longitude, stored.uncertaintyMetres], [41.9971, -93.6402, 25]);
  });

  test('the world outline (land, sea, borders, graticule) is drawn without a basemap', async () => {
    await jumpTo([-95, 40], 2);
    await waitForIdle();
    const [land, sea] = [await shareOfColour(LAND), await shareOfColour(SEA)];
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'map-world-outline.png') });
    assert.ok(land > 0.1 && sea > 0.1, `land ${(land * 100).toFixed(1)}%, sea ${(sea * 100).toFixed(1)}%`);
  });

  test('on software WebGL a ranger\'s drag is drawn at half resolution and the map is sharp again once it settles; programmatic moves stay sharp', async () => {
    await jumpTo([-95, 40], 4);
    await waitForIdle();
    const widths = await page.getByTestId('map').evaluate(async (element) => {
      const map = (element as HTMLElement & { stationMap: { map: import('maplibre-gl').Map } }).stationMap.map;
      const canvas = map.getCanvas();
      const atRest = canvas.width;
      map.panBy([30, 10], { duration: 0 });
      const programmatic = canvas.width;
      // The moves of a drag carry their input event, as MapLibre's drag handler fires them.
      map.panBy([40, 20], { duration: 0 }, { originalEvent: new MouseEvent('mousemove') });
      map.panBy([40, 20], { duration: 0 }, { originalEvent: new MouseEvent('mousemove') });
      const dragging = canvas.width;
      await new Promise((resolve) => setTimeout(resolve, 600));
      return { atRest, programmatic, dragging, settled: canvas.width, cssWidth: canvas.clientWidth, renderer: (() => {
        const gl = document.createElement('canvas').getContext('webgl');
        const info = gl?.getExtension('WEBGL_debug_renderer_info');
        return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
      })() };
    });
    assert.match(widths.renderer, /swiftshader/i, 'CI draws WebGL in software');
    assert.equal(widths.atRest, widths.cssWidth);
    assert.equal(widths.programmatic, widths.cssWidth);
    assert.equal(widths.dragging, Math.floor(widths.cssWidth / 2));
    assert.equal(widths.settled, widths.cssWidth);
  });

  test('the photo view reuses one mini-map for every photo', async () => {
    await page.goto(`${server.origin}/#/photo/${photoIds[0]}`);
    await page.getByTestId('mini-map').waitFor();
    await page.evaluate((id) => (location.hash = `#/photo/${id}`), photoIds[1]);
    await page.waitForFunction((id) => document.querySelector('[data-testid=photo-detail]')?.getAttribute('data-photo-id') === String(id), photoIds[1]);
    await page.evaluate((id) => (location.hash = `#/photo/${id}`), photoIds[2]);
    await page.waitForFunction((id) => document.querySelector('[data-testid=photo-detail]')?.getAttribute('data-photo-id') === String(id), photoIds[2]);
    // The mini-map is attached once the photo has been painted.
    await page.locator('[data-testid=mini-map][data-map-creations]').waitFor();
    assert.equal(await page.getByTestId('mini-map').getAttribute('data-map-creations'), '1');
    assert.equal(await page.locator('[data-testid=mini-map] canvas').count(), 1);
    await page.getByRole('button', { name: 'open on the map' }).click();
    await page.locator('[data-testid=map][data-ready=true]').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=map]')?.getAttribute('data-zoom')) >= 16);
    const centre = await page.getByTestId('map').evaluate((element) => {
      const map = (element as HTMLElement & { stationMap: { map: import('maplibre-gl').Map } }).stationMap.map;
      return [map.getCenter().lng, map.getCenter().lat] as [number, number];
    });
    const photo = server.station.library.photos.get(photoIds[2]!)!;
    assert.ok(metresBetween(centre, [photo.longitude!, photo.latitude!]) < 1, 'the map opens zoomed to the photo');
  });

  test('a vector MBTiles basemap (gzipped Mapbox Vector Tiles) is drawn with the built-in vector style, labels from local fonts', async () => {
    const [w, south, e, north] = PARK;
    const meadow = { type: 'Feature' as const, properties: { name: 'Meadow' }, geometry: { type: 'Polygon' as const, coordinates: [[[w, south], [e, south], [e, north], [w, north], [w, south]]] } };
    const label = { type: 'Feature' as const, properties: { name: 'Ranger station' }, geometry: { type: 'Point' as const, coordinates: [-93.64, 41.995] } };
    const file = path.join(dir, 'park-vector.mbtiles');
    await writeVectorMbtiles(file, { bounds: PARK, minZoom: 0, maxZoom: 14, name: 'Vector park', layers: { park: { type: 'FeatureCollection', features: [meadow] }, places: { type: 'FeatureCollection', features: [label] } } });
    const added = await server.station.basemaps.add(file);
    assert.deepEqual([added.tileType, added.vectorLayers], ['mvt', ['park', 'places']]);
    // Added behind the page's back: a reload lists it.
    await page.goto(`${server.origin}/#/map`);
    await page.reload();
    await page.locator('[data-testid=map][data-ready=true]').waitFor();
    await page.getByLabel('Basemap', { exact: true }).selectOption({ label: 'Vector park' });
    await page.locator(`[data-testid=map][data-basemap-id="${added.id}"]`).waitFor();
    await jumpTo([-93.64, 41.995], 14);
    const share = await shareOfColour(PARK_FILL);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'map-basemap-vector.png') });
    assert.ok(share > 0.3, `the vector park polygon fills the view (${(share * 100).toFixed(1)}%)`);
  });

  test('a vector PMTiles added with `invasives basemap add` is drawn in Chromium: its fill, its road line and its place label (glyphs drawn locally) where Web Mercator puts them', async () => {
    const centre: [number, number] = [-93.5, 42.1];
    const zoom = 14;
    const at = (dx: number, dy: number) => unprojectOffset(centre, zoom, dx, dy);
    const bounds: [number, number, number, number] = [-93.56, 42.06, -93.44, 42.14];
    const [west, south, east, north] = bounds;
    // The park polygon ends 150 px west of the centre; the road runs north-south 150 px east of it; the label sits 350 px east.
    const edge = at(-150, 0)[0];
    const road = at(150, 0)[0];
    const file = path.join(dir, 'park-vector.pmtiles');
    await writeVectorPmtiles(file, {
      bounds, minZoom: 0, maxZoom: zoom, name: 'Vector park (PMTiles)',
      layers: {
        park: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Wood' }, geometry: { type: 'Polygon', coordinates: [[[west, south], [edge, south], [edge, north], [west, north], [west, south]]] } }] },
        roads: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Fire road' }, geometry: { type: 'LineString', coordinates: [[road, south + 0.01], [road, north - 0.01]] } }] },
        places: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Ranger station' }, geometry: { type: 'Point', coordinates: at(350, 0) } }] },
      },
    });
    const added = await runCli(['basemap', 'add', file, '--json', '--db', db], { exactArgs: true });
    assert.equal(added.code, 0, added.stderr);
    const row = JSON.parse(added.stdout) as { id: number; format: string; tileType: string; vectorLayers: string[] };
    assert.deepEqual([row.format, row.tileType, row.vectorLayers], ['pmtiles', 'mvt', ['park', 'roads', 'places']]);

    // Added by another process: a reload of the page lists it.
    await page.goto(`${server.origin}/#/map`);
    await page.reload();
    await page.locator('[data-testid=map][data-ready=true]').waitFor();
    await page.getByLabel('Basemap', { exact: true }).selectOption({ label: 'Vector park (PMTiles)' });
    await page.locator(`[data-testid=map][data-basemap-id="${row.id}"]`).waitFor();
    await jumpTo(centre, zoom);
    await waitForIdle();
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'map-basemap-vector-pmtiles.png') });
    const shot = await mapPixels();
    const [cx, cy] = [Math.round(shot.width / 2), Math.round(shot.height / 2)];
    const pixel = (x: number, y: number) => [shot.data[(y * shot.width + x) * 3]!, shot.data[(y * shot.width + x) * 3 + 1]!, shot.data[(y * shot.width + x) * 3 + 2]!];
    const near = (rgb: number[], colour: readonly number[], tolerance: number) => rgb.every((value, c) => Math.abs(value - colour[c]!) <= tolerance);
    const shareIn = (x0: number, x1: number, y0: number, y1: number, test: (rgb: number[]) => boolean) => {
      let hits = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (test(pixel(x, y))) hits++;
      return hits / ((x1 - x0) * (y1 - y0));
    };
    /** Rows of a band of columns where some pixel is darker than the ground, towards the road's colour (a 1 px line is antialiased). */
    const roadLike = (rgb: number[]) => rgb.every((value, c) => value <= LAND[c]! - 12 && value >= ROAD[c]! - 12);
    const rowsWithRoad = (x0: number, x1: number) => {
      let rows = 0;
      for (let y = cy - 150; y < cy + 150; y++) {
        let found = false;
        for (let x = x0; x <= x1 && !found; x++) found = roadLike(pixel(x, y));
        if (found) rows++;
      }
      return rows / 300;
    };
    const darkIn = (x0: number, x1: number, y0: number, y1: number) => shareIn(x0, x1, y0, y1, (rgb) => Math.max(...rgb) < 140);

    const fillWest = shareIn(cx - 400, cx - 200, cy - 100, cy + 100, (rgb) => near(rgb, PARK_FILL, 6));
    const fillEast = shareIn(cx + 20, cx + 100, cy - 100, cy + 100, (rgb) => near(rgb, PARK_FILL, 6));
    assert.ok(fillWest > 0.9, `the park polygon fills the view west of its edge (${(fillWest * 100).toFixed(1)}%)`);
    assert.ok(fillEast < 0.05, `and stops at its edge, 150 px west of the centre (${(fillEast * 100).toFixed(1)}% east of it)`);
    const onRoad = rowsWithRoad(cx + 147, cx + 153);
    const offRoad = rowsWithRoad(cx + 60, cx + 66);
    assert.ok(onRoad > 0.9, `the road is drawn 150 px east of the centre (${(onRoad * 100).toFixed(1)}% of rows)`);
    assert.ok(offRoad < 0.05, `and nowhere else (${(offRoad * 100).toFixed(1)}% of rows 90 px west of it)`);
    const label = darkIn(cx + 280, cx + 420, cy - 14, cy + 14);
    assert.ok(label > 0.01, `the label's letters are drawn around its point (${(label * 100).toFixed(1)}% dark pixels)`);
    assert.ok(darkIn(cx - 420, cx - 280, cy - 14, cy + 14) < 0.002, 'no dark pixels where there is no label');

    // The dark pixels are the label layer's text: without that layer they are gone.
    await page.getByTestId('map').evaluate(
      (element) =>
        new Promise<void>((resolve) => {
          const map = (element as HTMLElement & { stationMap: { map: import('maplibre-gl').Map } }).stationMap.map;
          map.setLayoutProperty('basemap-places-label', 'visibility', 'none');
          map.once('idle', () => resolve());
        }),
    );
    const withoutLabels = await mapPixels();
    let dark = 0;
    for (let y = cy - 14; y < cy + 14; y++) {
      for (let x = cx + 280; x < cx + 420; x++) if (Math.max(...[0, 1, 2].map((c) => withoutLabels.data[(y * withoutLabels.width + x) * 3 + c]!)) < 140) dark++;
    }
    assert.equal(dark, 0, 'without the label layer no letter is drawn there');
  });

  test('a file that is not tiles, uploaded as a basemap, is refused with a message naming it; nothing is added and the world outline is still drawn', async () => {
    const before = server.station.library.basemaps.list().length;
    const notes = path.join(dir, 'notes.pmtiles');
    fs.writeFileSync(notes, 'field notes, not tiles\n'.repeat(20));
    await page.goto(`${server.origin}/#/map`);
    await page.reload();
    await page.locator('[data-testid=map][data-ready=true]').waitFor();
    await page.getByText('Basemaps and zones').click();
    await page.getByLabel('Basemap file (.mbtiles, .pmtiles)').setInputFiles(notes);
    await page.getByTestId('chosen-file').filter({ hasText: 'notes.pmtiles' }).waitFor();
    await page.getByRole('button', { name: 'Add basemap' }).click();
    await page.getByTestId('map-message').filter({ hasText: 'notes.pmtiles' }).waitFor();
    assert.match(await page.getByTestId('map-message').innerText(), /notes\.pmtiles.*(neither MBTiles nor PMTiles|not a readable)/s);
    assert.equal(server.station.library.basemaps.list().length, before, 'nothing added');
    await page.getByLabel('Basemap', { exact: true }).selectOption({ label: 'World outline only' });
    await page.locator('[data-testid=map][data-basemap-id=""]').waitFor();
    await jumpTo([-95, 40], 2);
    assert.ok((await shareOfColour(LAND)) > 0.1, 'the world outline is still drawn');
  });

  test('a basemap whose file is gone after a restart gets a clear message and the world outline', async () => {
    await server.close();
    for (const file of fs.readdirSync(basemapStoreDir(db))) fs.rmSync(path.join(basemapStoreDir(db), file));
    server = await startServer({ databasePath: db, rendererDir });
    await openMap(`${server.url}#/map`);
    await page.getByTestId('basemap-problem').filter({ hasText: 'is gone' }).waitFor();
    assert.match(await page.getByTestId('basemap-problem').innerText(), /basemap add .*park\.(mbtiles|pmtiles).*world outline is shown/s);
    await jumpTo([-95, 40], 2);
    assert.ok((await shareOfColour(LAND)) > 0.1, 'the world outline is still drawn');
  });

  test('no request left 127.0.0.1', () => {
    assert.ok(requested.length > 20);
    const foreign = requested.filter((url) => !/^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/.test(url));
    assert.deepEqual(foreign, []);
  });
});
