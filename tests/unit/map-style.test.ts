import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createExpression, validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import type { MapPoint } from '../../main/api/contract.js';
import type { BasemapStatus } from '../../main/core/basemaps/tile-archive.js';
import { buildMapStyle, rasterBasemapCoversView, urlsInStyle } from '../../renderer/src/lib/map/map-style.js';
import { scaleBarFor } from '../../renderer/src/lib/map/scale-bar.js';
import { clusterProperties, majorityColourExpression, mapColour, photoCollection, speciesPalette } from '../../renderer/src/lib/map/photo-layers.js';
import { judgeClickPlacement, metresPerPixel, minimumPlacementZoom, parseTypedPosition } from '../../renderer/src/lib/map/placement.js';
import { graticule, worldOutline } from '../../renderer/src/lib/map/world-outline.js';

const ORIGIN = 'http://127.0.0.1:4321';
function basemap(overrides: Partial<BasemapStatus> = {}): BasemapStatus {
  return {
    id: 3, name: 'Park', format: 'pmtiles', tileType: 'png', fileName: 'x.pmtiles', contentHash: 'h', sourcePath: '/p.pmtiles', bounds: [-93.66, 41.98, -93.62, 42.01],
    minZoom: 0, maxZoom: 16, vectorLayers: null, attribution: null, byteSize: 1, addedAt: '', available: true, problem: null, ...overrides,
  };
}

test('every style the map can use is valid and names no URL outside the app (no glyph server, no sprite, no remote tiles)', () => {
  const styles = [
    buildMapStyle({ origin: ORIGIN, basemap: null }),
    buildMapStyle({ origin: ORIGIN, basemap: basemap() }),
    buildMapStyle({ origin: ORIGIN, basemap: basemap({ tileType: 'mvt', vectorLayers: ['earth', 'water', 'roads', 'places', 'mystery'] }) }),
    buildMapStyle({ origin: 'app://station', basemap: basemap({ format: 'mbtiles', tileType: 'jpeg' }) }),
  ];
  for (const style of styles) {
    assert.deepEqual(validateStyleMin(style as never), [], style.name);
    assert.equal(style.glyphs, undefined, 'labels are drawn from local fonts');
    assert.equal(style.sprite, undefined);
    for (const url of urlsInStyle(style)) assert.match(url, /^(http:\/\/127\.0\.0\.1:4321|app:\/\/station)\/tiles\/3\/\{z\}\/\{x\}\/\{y\}$/);
    assert.doesNotMatch(JSON.stringify(style), /https?:\/\/(?!127\.0\.0\.1)/, 'no remote address anywhere in the style');
  }
  assert.equal(urlsInStyle(styles[1]!).length, 1);
  assert.deepEqual(styles[1]!.sources.basemap, { type: 'raster', tileSize: 256, tiles: [`${ORIGIN}/tiles/3/{z}/{x}/{y}`], bounds: [-93.66, 41.98, -93.62, 42.01], minzoom: 0, maxzoom: 16 });
  assert.equal(styles[2]!.sources.basemap!.type, 'vector');
  assert.ok(styles[2]!.layers.some((layer) => layer.id === 'basemap-places-label'));
  assert.equal(buildMapStyle({ origin: ORIGIN, basemap: basemap({ available: false }) }).sources.basemap, undefined, 'an unavailable basemap is not drawn');
});

test('the world outline has the land and borders of Natural Earth and a 10-degree graticule', () => {
  const { land, borders } = worldOutline();
  assert.ok(land.features.length >= 1);
  const landVertices = JSON.stringify(land).length;
  assert.ok(landVertices > 100_000, 'coastlines at 1:50m are detailed');
  assert.equal(borders.features[0]!.geometry.type, 'MultiLineString');
  assert.ok(borders.features[0]!.geometry.coordinates.length > 100, 'hundreds of border lines');
  assert.equal(graticule(10).features.length, 37 + 17);
});

test('clusters are coloured by their majority species, from the counts MapLibre sums per cluster', () => {
  const points: MapPoint[] = [
    ...Array.from({ length: 5 }, (_, i) => ({ id: i + 1, lat: 1, lon: 1, species: 'A a', confirmed: true, unknown: false })),
    ...Array.from({ length: 3 }, (_, i) => ({ id: i + 10, lat: 1, lon: 1, species: 'B b', confirmed: false, unknown: false })),
    { id: 20, lat: 1, lon: 1, species: null, confirmed: false, unknown: false },
    { id: 21, lat: 1, lon: 1, species: 'B b', confirmed: false, unknown: true },
  ];
  const palette = speciesPalette(points);
  assert.deepEqual(palette, ['A a', 'B b']);
  const sums = clusterProperties(palette);
  assert.deepEqual(Object.keys(sums), ['s0', 's1', 'other', 'alerts']);
  const colour = createExpression(majorityColourExpression(palette) as never, 'layers[0].paint.circle-color', { type: 'color', 'property-type': 'data-driven', expression: { parameters: ['zoom', 'feature'] } } as never);
  assert.equal(colour.result, 'success');
  const evaluate = (properties: Record<string, number>) => {
    const value = (colour.value as { evaluate(g: unknown, f: unknown): { toString(): string } }).evaluate({ zoom: 10 }, { properties, type: 'Point' });
    return value.toString();
  };
  const rgbOf = (css: string) => {
    const probe = createExpression(['to-color', css] as never, 'layers[0].paint.circle-color').value as { evaluate(g: unknown): { toString(): string } };
    return probe.evaluate({ zoom: 0 }).toString();
  };
  assert.equal(evaluate({ s0: 7, s1: 2, other: 1, alerts: 0 }), rgbOf(mapColour('A a')));
  assert.equal(evaluate({ s0: 2, s1: 9, other: 1, alerts: 0 }), rgbOf(mapColour('B b')));
  assert.equal(evaluate({ s0: 1, s1: 1, other: 5, alerts: 0 }), rgbOf('#7a7a7a'), 'other species lead: grey');

  const all = photoCollection(points, palette, new Set([10]), { confirmed: true, predicted: true, unknowns: true });
  assert.equal(all.features.length, 10);
  assert.equal(all.features.find((feature) => feature.properties!.id === 21)!.properties!.unknown, true, 'an open-set unknown is drawn with the unknowns');
  assert.equal(all.features.find((feature) => feature.properties!.id === 10)!.properties!.alert, true);
  assert.equal(photoCollection(points, palette, new Set(), { confirmed: true, predicted: false, unknowns: false }).features.length, 5);
  assert.equal(photoCollection(points, palette, new Set(), { confirmed: false, predicted: false, unknowns: true }).features.length, 2);
});

test('a click places only over the park basemap at a zoom where a pixel is at most 10 m; the uncertainty follows the zoom', () => {
  const bounds = [-93.66, 41.98, -93.62, 42.01] as const;
  assert.ok(Math.abs(metresPerPixel(0, 0) - 78_271.5) < 1, 'zoom 0 at the equator: 78 km per pixel (512 px world)');
  const minZoom = minimumPlacementZoom(42);
  assert.ok(Math.abs(metresPerPixel(42, minZoom) - 10) < 1e-9);
  const over = judgeClickPlacement({ latitude: 41.99, longitude: -93.64, zoom: minZoom + 0.01, basemapBounds: bounds });
  assert.equal(over.ok, true);
  assert.ok(over.ok && over.uncertaintyMetres > 25 && over.uncertaintyMetres <= 30);
  const close = judgeClickPlacement({ latitude: 41.99, longitude: -93.64, zoom: 18, basemapBounds: bounds });
  assert.ok(close.ok && close.uncertaintyMetres >= 1 && close.uncertaintyMetres < 2);
  assert.match((judgeClickPlacement({ latitude: 41.99, longitude: -93.64, zoom: minZoom - 0.1, basemapBounds: bounds }) as { reason: string }).reason, /Zoom in/);
  assert.match((judgeClickPlacement({ latitude: 41.99, longitude: -93.64, zoom: 18, basemapBounds: null }) as { reason: string }).reason, /nothing to aim at/);
  assert.match((judgeClickPlacement({ latitude: 40, longitude: -93.64, zoom: 18, basemapBounds: bounds }) as { reason: string }).reason, /outside the park basemap/);
});

test('typed coordinates are checked and keep their uncertainty', () => {
  assert.deepEqual(parseTypedPosition('41,9971', '-93.6402', '12'), { ok: true, latitude: 41.9971, longitude: -93.6402, uncertaintyMetres: 12 });
  assert.equal((parseTypedPosition('41.9', '-93.6') as { uncertaintyMetres: number }).uncertaintyMetres, 30);
  assert.match((parseTypedPosition('95', '10') as { reason: string }).reason, /Latitude "95"/);
  assert.match((parseTypedPosition('45', '') as { reason: string }).reason, /Longitude/);
  assert.match((parseTypedPosition('45', '10', '-3') as { reason: string }).reason, /Uncertainty/);
});

test('a raster park basemap covers the view only inside its bounds, at its zooms; a vector one never (its sea and gaps show the ground)', () => {
  const inside = { west: -93.65, south: 41.99, east: -93.63, north: 42.0 };
  assert.equal(rasterBasemapCoversView(basemap(), inside, 14), true);
  assert.equal(rasterBasemapCoversView(basemap({ minZoom: 15 }), inside, 14), false, 'below its zooms the world outline shows');
  assert.equal(rasterBasemapCoversView(basemap(), { ...inside, west: -93.7 }, 14), false, 'a view reaching past its western edge');
  assert.equal(rasterBasemapCoversView(basemap(), { ...inside, north: 42.02 }, 14), false, 'a view reaching past its northern edge');
  assert.equal(rasterBasemapCoversView(basemap({ tileType: 'mvt', vectorLayers: ['earth'] }), inside, 14), false);
  assert.equal(rasterBasemapCoversView(basemap({ available: false }), inside, 14), false);
  assert.equal(rasterBasemapCoversView(null, inside, 14), false);
});

test('the raster basemap appears without a fade (each fading frame repaints the map in software WebGL)', () => {
  const layer = buildMapStyle({ origin: ORIGIN, basemap: basemap() }).layers.find((entry) => entry.id === 'basemap')!;
  assert.equal((layer as { paint?: Record<string, unknown> }).paint?.['raster-fade-duration'], 0);
});

test('the scale bar shows the longest round distance (1, 2, 3, 5 x 10^n) that fits, with its width in whole pixels', () => {
  assert.deepEqual(scaleBarFor(1140, 120), { widthPx: 105, label: '1\u00a0km' });
  assert.deepEqual(scaleBarFor(4800, 120), { widthPx: 75, label: '3\u00a0km' });
  assert.deepEqual(scaleBarFor(12.5, 120), { widthPx: 96, label: '10\u00a0m' });
  assert.deepEqual(scaleBarFor(0.74, 120), { widthPx: 81, label: '0.5\u00a0m' });
  assert.deepEqual(scaleBarFor(2_300_000, 120), { widthPx: 104, label: '2000\u00a0km' });
});
