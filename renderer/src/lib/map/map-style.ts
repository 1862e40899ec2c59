import type { LayerSpecification, SourceSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { BasemapStatus } from '../../../../main/api/contract.js';
import { graticule, worldOutline } from './world-outline.js';

/**
 * The map's style, built here rather than downloaded: the world outline and graticule as
 * inline GeoJSON, and the chosen park basemap as tiles from the app's own origin
 * (`tiles/<id>/{z}/{x}/{y}`). There is no glyphs or sprite URL: MapLibre draws the few
 * labels (cluster counts, place names) itself from the computer's fonts, so nothing in a
 * style points anywhere but this app.
 */
export const FONT_STACK = ['DejaVu Sans', 'sans-serif'];

export function tileUrlTemplate(origin: string, basemapId: number): string {
  return `${origin}/tiles/${basemapId}/{z}/{x}/{y}`;
}

export const WATER = '#b9d3e6';
export const LAND = '#f3f1e8';
/** The world outline's layers drawn under a park basemap (the graticule over it, 'graticule-over', stays). */
export const WORLD_UNDER_BASEMAP = ['world-land', 'world-coast', 'world-borders', 'graticule'];

function worldLayers(): { sources: Record<string, SourceSpecification>; layers: LayerSpecification[] } {
  const { land, borders } = worldOutline();
  return {
    sources: {
      'world-land': { type: 'geojson', data: land, tolerance: 0.6 },
      'world-borders': { type: 'geojson', data: borders, tolerance: 0.6 },
      graticule: { type: 'geojson', data: graticule(10) },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': WATER } },
      { id: 'world-land', type: 'fill', source: 'world-land', paint: { 'fill-color': LAND } },
      { id: 'world-coast', type: 'line', source: 'world-land', paint: { 'line-color': '#6f8fa6', 'line-width': 0.8 } },
      { id: 'world-borders', type: 'line', source: 'world-borders', paint: { 'line-color': '#9a8f86', 'line-width': 0.7, 'line-dasharray': [3, 2] } },
      { id: 'graticule', type: 'line', source: 'graticule', paint: { 'line-color': '#7c8a96', 'line-opacity': 0.35, 'line-width': 0.6 } },
    ],
  };
}

/** Colours for the source layers of common vector basemaps (Protomaps, OpenMapTiles); others get a neutral line. */
const VECTOR_LAYER_PAINT: Record<string, { fill?: string; line?: string }> = {
  earth: { fill: LAND },
  water: { fill: WATER },
  ocean: { fill: WATER },
  waterway: { line: '#8fb6d6' },
  landcover: { fill: '#dfe9d2' },
  landuse: { fill: '#e6ead8' },
  natural: { fill: '#dbe7cc' },
  park: { fill: '#d4e6c3' },
  buildings: { fill: '#d9d0c7' },
  building: { fill: '#d9d0c7' },
  roads: { line: '#b8a88f' },
  transportation: { line: '#b8a88f' },
  boundaries: { line: '#8a7f99' },
  boundary: { line: '#8a7f99' },
};
const LABEL_LAYERS = new Set(['places', 'place', 'pois', 'poi', 'water_name', 'transportation_name', 'mountain_peak']);

function vectorBasemapLayers(vectorLayers: readonly string[]): LayerSpecification[] {
  const layers: LayerSpecification[] = [];
  for (const sourceLayer of vectorLayers) {
    if (LABEL_LAYERS.has(sourceLayer)) continue;
    const paint = VECTOR_LAYER_PAINT[sourceLayer] ?? { line: '#a7a39a' };
    if (paint.fill) {
      layers.push({ id: `basemap-${sourceLayer}-fill`, type: 'fill', source: 'basemap', 'source-layer': sourceLayer, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': paint.fill } });
    }
    layers.push({
      id: `basemap-${sourceLayer}-line`,
      type: 'line',
      source: 'basemap',
      'source-layer': sourceLayer,
      filter: paint.fill ? ['==', ['geometry-type'], 'LineString'] : ['!=', ['geometry-type'], 'Point'],
      paint: { 'line-color': paint.line ?? paint.fill!, 'line-width': 1 },
    });
  }
  for (const sourceLayer of vectorLayers.filter((name) => LABEL_LAYERS.has(name))) {
    layers.push({
      id: `basemap-${sourceLayer}-label`,
      type: 'symbol',
      source: 'basemap',
      'source-layer': sourceLayer,
      layout: { 'text-field': ['coalesce', ['get', 'name'], ''], 'text-font': FONT_STACK, 'text-size': 11 },
      paint: { 'text-color': '#4a4a4a', 'text-halo-color': '#ffffff', 'text-halo-width': 1 },
    });
  }
  return layers;
}

export interface StyleOptions {
  /** The page's origin (http://127.0.0.1:PORT or app://station): tiles come from there only. */
  origin: string;
  /** The park basemap to draw over the world outline; null: the world outline alone. */
  basemap: BasemapStatus | null;
}

export function buildMapStyle({ origin, basemap }: StyleOptions): StyleSpecification {
  const world = worldLayers();
  const sources: Record<string, SourceSpecification> = { ...world.sources };
  const layers: LayerSpecification[] = [...world.layers];
  if (basemap?.available) {
    const common = { tiles: [tileUrlTemplate(origin, basemap.id)], bounds: basemap.bounds, minzoom: basemap.minZoom, maxzoom: basemap.maxZoom };
    if (basemap.tileType === 'mvt') {
      sources.basemap = { type: 'vector', ...common };
      layers.push(...vectorBasemapLayers(basemap.vectorLayers ?? []));
    } else {
      sources.basemap = { type: 'raster', tileSize: 256, ...common };
      // No fade-in: in software WebGL each fading frame repaints the whole map.
      layers.push({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-fade-duration': 0 } });
    }
    // The graticule stays visible over the park's map, faintly.
    layers.push({ id: 'graticule-over', type: 'line', source: 'graticule', paint: { 'line-color': '#555', 'line-opacity': 0.15, 'line-width': 0.5 } });
  }
  return { version: 8, name: basemap ? `Park basemap: ${basemap.name}` : 'World outline', sources, layers };
}

/**
 * Whether a raster park basemap hides the whole view: the view lies inside its declared bounds,
 * at a zoom it has tiles for. The world outline under it is then not drawn (each full-map layer
 * costs a pass over every pixel in software WebGL; 1:50m coastlines add nothing over the park's
 * own map). Vector basemaps leave gaps (sea, land without an `earth` polygon): never.
 */
export function rasterBasemapCoversView(basemap: BasemapStatus | null, view: { west: number; south: number; east: number; north: number }, zoom: number): boolean {
  if (!basemap?.available || basemap.tileType === 'mvt') return false;
  const [west, south, east, north] = basemap.bounds;
  return zoom >= basemap.minZoom && view.west >= west && view.east <= east && view.south >= south && view.north <= north;
}

/** Every URL a style would make the browser load (tiles, glyphs, sprites, GeoJSON by URL), for checking that all stay local. */
export function urlsInStyle(style: StyleSpecification): string[] {
  const urls: string[] = [];
  if (style.glyphs) urls.push(style.glyphs);
  if (style.sprite) urls.push(...(typeof style.sprite === 'string' ? [style.sprite] : style.sprite.map((entry) => entry.url)));
  for (const source of Object.values(style.sources)) {
    const record = source as { url?: unknown; tiles?: unknown; data?: unknown; urls?: unknown };
    if (typeof record.url === 'string') urls.push(record.url);
    if (Array.isArray(record.tiles)) urls.push(...(record.tiles as string[]));
    if (Array.isArray(record.urls)) urls.push(...(record.urls as string[]));
    if (typeof record.data === 'string') urls.push(record.data);
  }
  return urls;
}
