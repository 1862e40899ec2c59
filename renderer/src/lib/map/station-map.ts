import type { FeatureCollection, MultiLineString, MultiPolygon, Polygon } from 'geojson';
import { drawCoarserDuringGestures, isSoftwareRenderer, webGlRendererName } from './motion-resolution.js';
import type { LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { MapPoint } from '../../../../main/api/contract.js';
import type { BasemapStatus } from '../../../../main/api/contract.js';
import type { SiteListItem, ZoneRow } from '../../../../main/api/contract.js';
import { SITE_LAYERS, SITE_SOURCE, siteCollection } from './site-layers.js';
import { type GeoJSONSource, Map as MapLibreMap, NavigationControl, pageOrigin } from './maplibre.js';
import { RestingScaleBar } from './scale-bar.js';
import { FONT_STACK, LAND, WATER, WORLD_UNDER_BASEMAP, buildMapStyle, rasterBasemapCoversView } from './map-style.js';
import {
  IS_CLUSTER,
  IS_SINGLE,
  PHOTO_SOURCE,
  type PhotoLayerFilter,
  clusterProperties,
  majorityColourExpression,
  photoCollection,
  speciesPalette,
} from './photo-layers.js';

/** Layers a ranger can switch on and off, by group. */
export type LayerGroup = 'zones' | 'park' | 'alerts' | 'sites' | 'basemap';
const GROUP_LAYERS: Record<Exclude<LayerGroup, 'basemap'>, string[]> = {
  zones: ['zones-fill', 'zones-line', 'zones-label'],
  park: ['park-line'],
  alerts: ['alerts-halo', 'clusters-alert'],
  sites: SITE_LAYERS.map((layer) => layer.id),
};
/** Layers drawn from each data source other than the photos': hidden while the source is empty. */
const SOURCE_LAYERS: Record<'zones' | 'overlay' | typeof SITE_SOURCE, string[]> = {
  zones: ['zones-fill', 'zones-line', 'park-line', 'zones-label'],
  overlay: ['overlay-line'],
  [SITE_SOURCE]: SITE_LAYERS.map((layer) => layer.id),
};
/**
 * Why a layer is not drawn: the ranger switched its group off, its source has nothing in it,
 * or the park's raster basemap covers it. Software WebGL pays for every drawn layer over the
 * whole map (and a stencil pass per source), even an empty one.
 */
type HiddenReason = 'switched-off' | 'empty' | 'under-basemap';

export interface StationMapOptions {
  container: HTMLElement;
  interactive?: boolean;
  /** Clusters off (the mini-map shows a few photos around one). */
  cluster?: boolean;
  scale?: boolean;
}

/**
 * One MapLibre map with the station's layers: the world outline (always), the chosen park
 * basemap, zones and park boundary, photos (clustered) and alert halos. The screens hand it
 * data; it owns the sources and layers.
 */
export class StationMap {
  readonly map: MapLibreMap;
  private readonly ready: Promise<void>;
  private basemap: BasemapStatus | null = null;
  private palette: string[] = [];
  private readonly cluster: boolean;
  private points: readonly MapPoint[] = [];
  private alertIds: ReadonlySet<number> = new Set();
  private filter: PhotoLayerFilter = { confirmed: true, predicted: true, unknowns: true };
  private readonly hidden = new Map<string, Set<HiddenReason>>();
  private worldUnderBasemap = false;
  private basemapSwitchedOff = false;

  constructor(options: StationMapOptions) {
    this.cluster = options.cluster ?? true;
    this.map = new MapLibreMap({
      container: options.container,
      style: buildMapStyle({ origin: pageOrigin(), basemap: null }),
      center: [0, 20],
      zoom: 1,
      interactive: options.interactive ?? true,
      attributionControl: { compact: true },
      fadeDuration: 0,
    });
    if (options.interactive ?? true) this.map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    if ((options.interactive ?? true) && isSoftwareRenderer(webGlRendererName())) drawCoarserDuringGestures(this.map);
    if (options.scale ?? true) this.map.addControl(new RestingScaleBar(120), 'bottom-left');
    this.ready = new Promise((resolve) => this.map.once('load', () => resolve()));
    void this.ready.then(() => {
      this.addDataLayers();
      this.map.on('move', () => this.updateWorldUnderBasemap());
    });
  }

  /** Shows or hides a layer for one reason; it is drawn when no reason is left. */
  private setHidden(layerId: string, reason: HiddenReason, hidden: boolean): void {
    const reasons = this.hidden.get(layerId) ?? new Set<HiddenReason>();
    if (hidden) reasons.add(reason);
    else reasons.delete(reason);
    this.hidden.set(layerId, reasons);
    this.applyVisibility(layerId);
  }

  private applyVisibility(layerId: string): void {
    if (!this.map.getLayer(layerId)) return;
    const visibility = this.hidden.get(layerId)?.size ? 'none' : 'visible';
    // MapLibre reloads a source's tiles on every visibility change: only when it really changes.
    if (this.map.getLayoutProperty(layerId, 'visibility') !== visibility) this.map.setLayoutProperty(layerId, 'visibility', visibility);
  }

  /** The world outline under a raster park basemap that fills the view is hidden (the ground colour stays for transparent tiles). */
  private updateWorldUnderBasemap(): void {
    const view = this.map.getBounds();
    const covered = rasterBasemapCoversView(this.basemapDrawn(), { west: view.getWest(), south: view.getSouth(), east: view.getEast(), north: view.getNorth() }, this.map.getZoom());
    if (covered === this.worldUnderBasemap) return;
    this.worldUnderBasemap = covered;
    for (const id of WORLD_UNDER_BASEMAP) this.setHidden(id, 'under-basemap', covered);
    this.map.setPaintProperty('sea', 'background-color', covered ? LAND : WATER);
  }

  /** The basemap when its layers are switched on. */
  private basemapDrawn(): BasemapStatus | null {
    return this.basemapSwitchedOff ? null : this.basemap;
  }

  private setSourceEmpty(source: keyof typeof SOURCE_LAYERS, empty: boolean): void {
    for (const id of SOURCE_LAYERS[source]) this.setHidden(id, 'empty', empty);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  get basemapShown(): BasemapStatus | null {
    return this.basemap;
  }

  private addDataLayers(): void {
    const map = this.map;
    map.addSource('zones', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addSource('overlay', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    const layers: LayerSpecification[] = [
      { id: 'zones-fill', type: 'fill', source: 'zones', filter: ['==', ['get', 'kind'], 'zone'], paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.12 } },
      { id: 'zones-line', type: 'line', source: 'zones', filter: ['==', ['get', 'kind'], 'zone'], paint: { 'line-color': ['get', 'colour'], 'line-width': 1.2 } },
      { id: 'park-line', type: 'line', source: 'zones', filter: ['==', ['get', 'kind'], 'park'], paint: { 'line-color': '#1f3a28', 'line-width': 2.5 } },
      {
        id: 'zones-label',
        type: 'symbol',
        source: 'zones',
        filter: ['==', ['get', 'kind'], 'zone'],
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT_STACK, 'text-size': 11 },
        paint: { 'text-color': '#1f3a28', 'text-halo-color': '#fff', 'text-halo-width': 1 },
      },
      { id: 'overlay-line', type: 'line', source: 'overlay', paint: { 'line-color': '#2f6b3f', 'line-width': 1.5, 'line-dasharray': [3, 2] } },
    ];
    for (const layer of layers) map.addLayer(layer);
    map.addSource(SITE_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    for (const layer of SITE_LAYERS) map.addLayer(layer);
    for (const source of Object.keys(SOURCE_LAYERS) as (keyof typeof SOURCE_LAYERS)[]) this.setSourceEmpty(source, true);
    this.addPhotoSource();
  }

  /** The photo source is rebuilt when the species palette changes (cluster sums are fixed at creation). */
  private addPhotoSource(): void {
    const map = this.map;
    for (const id of ['clusters-alert', 'clusters', 'cluster-count', 'alerts-halo', 'photos-unknown', 'photos-predicted', 'photos-confirmed']) {
      if (map.getLayer(id)) map.removeLayer(id);
    }
    if (map.getSource(PHOTO_SOURCE)) map.removeSource(PHOTO_SOURCE);
    map.addSource(PHOTO_SOURCE, {
      type: 'geojson',
      data: photoCollection(this.points, this.palette, this.alertIds, this.filter),
      cluster: this.cluster,
      clusterRadius: 36,
      clusterMaxZoom: 17,
      clusterProperties: clusterProperties(this.palette),
    });
    const single = (extra: unknown[]) => ['all', IS_SINGLE, ...extra] as never;
    const layers: LayerSpecification[] = [
      {
        id: 'clusters-alert',
        type: 'circle',
        source: PHOTO_SOURCE,
        filter: ['all', IS_CLUSTER, ['>', ['get', 'alerts'], 0]],
        paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': ['+', 5, ['step', ['get', 'point_count'], 12, 10, 15, 100, 19, 1000, 24]], 'circle-stroke-color': '#d0021b', 'circle-stroke-width': 2.5 },
      },
      {
        id: 'clusters',
        type: 'circle',
        source: PHOTO_SOURCE,
        filter: IS_CLUSTER,
        paint: {
          'circle-color': majorityColourExpression(this.palette),
          'circle-radius': ['step', ['get', 'point_count'], 12, 10, 15, 100, 19, 1000, 24],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
          'circle-opacity': 0.9,
        },
      },
      {
        id: 'cluster-count',
        type: 'symbol',
        source: PHOTO_SOURCE,
        filter: IS_CLUSTER,
        layout: { 'text-field': ['get', 'point_count_abbreviated'], 'text-font': FONT_STACK, 'text-size': 12, 'text-allow-overlap': true },
        paint: { 'text-color': '#ffffff', 'text-halo-color': 'rgba(0,0,0,0.45)', 'text-halo-width': 1 },
      },
      { id: 'alerts-halo', type: 'circle', source: PHOTO_SOURCE, filter: single([['get', 'alert']]), paint: { 'circle-color': 'rgba(208,2,27,0.18)', 'circle-radius': 12, 'circle-stroke-color': '#d0021b', 'circle-stroke-width': 1.5 } },
      { id: 'photos-unknown', type: 'circle', source: PHOTO_SOURCE, filter: single([['get', 'unknown']]), paint: { 'circle-color': '#bdbdbd', 'circle-radius': 5, 'circle-stroke-color': '#444', 'circle-stroke-width': 1.5 } },
      {
        id: 'photos-predicted',
        type: 'circle',
        source: PHOTO_SOURCE,
        filter: single([['!', ['get', 'unknown']], ['!', ['get', 'confirmed']]]),
        paint: { 'circle-color': '#ffffff', 'circle-radius': 5, 'circle-stroke-color': ['get', 'colour'], 'circle-stroke-width': 3 },
      },
      {
        id: 'photos-confirmed',
        type: 'circle',
        source: PHOTO_SOURCE,
        filter: single([['!', ['get', 'unknown']], ['get', 'confirmed']]),
        paint: { 'circle-color': ['get', 'colour'], 'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
      },
    ];
    for (const layer of layers) {
      map.addLayer(layer);
      this.applyVisibility(layer.id);
    }
  }

  /** Shows this basemap over the world outline (null: the world outline alone). */
  async setBasemap(basemap: BasemapStatus | null): Promise<void> {
    await this.ready;
    const map = this.map;
    const usable = basemap?.available ? basemap : null;
    if (usable?.id === this.basemap?.id && usable?.fileName === this.basemap?.fileName) return;
    for (const layer of [...map.getStyle().layers]) if (layer.id.startsWith('basemap') || layer.id === 'graticule-over') map.removeLayer(layer.id);
    if (map.getSource('basemap')) map.removeSource('basemap');
    this.basemap = usable;
    if (usable) {
      const style = buildMapStyle({ origin: pageOrigin(), basemap: usable });
      map.addSource('basemap', style.sources.basemap!);
      const firstDataLayer = map.getLayer('zones-fill') ? 'zones-fill' : undefined;
      for (const layer of style.layers) {
        if (!layer.id.startsWith('basemap') && layer.id !== 'graticule-over') continue;
        map.addLayer(layer, firstDataLayer);
        if (layer.id.startsWith('basemap')) this.setHidden(layer.id, 'switched-off', this.basemapSwitchedOff);
      }
    }
    this.updateWorldUnderBasemap();
  }


  async setPhotos(points: readonly MapPoint[], alertPhotoIds: ReadonlySet<number>, filter: PhotoLayerFilter): Promise<void> {
    await this.ready;
    this.points = points;
    this.alertIds = alertPhotoIds;
    this.filter = filter;
    const palette = speciesPalette(points);
    if (palette.join('\n') !== this.palette.join('\n') || !this.map.getSource(PHOTO_SOURCE)) {
      this.palette = palette;
      this.addPhotoSource();
    } else {
      (this.map.getSource(PHOTO_SOURCE) as GeoJSONSource).setData(photoCollection(points, palette, alertPhotoIds, filter));
    }
  }

  get speciesInClusters(): readonly string[] {
    return this.palette;
  }

  async setZones(zones: readonly ZoneRow[], colourOf: (name: string) => string): Promise<void> {
    await this.ready;
    const data: FeatureCollection<Polygon | MultiPolygon> = {
      type: 'FeatureCollection',
      features: zones.map((zone) => ({ type: 'Feature', geometry: zone.geometry, properties: { kind: zone.kind, name: zone.name, colour: colourOf(zone.name) } })),
    };
    (this.map.getSource('zones') as GeoJSONSource).setData(data);
    this.setSourceEmpty('zones', data.features.length === 0);
  }

  /** Treatment sites coloured by their state as of today. */
  async setSites(items: readonly SiteListItem[]): Promise<void> {
    await this.ready;
    (this.map.getSource(SITE_SOURCE) as GeoJSONSource).setData(siteCollection(items));
    this.setSourceEmpty(SITE_SOURCE, items.length === 0);
  }

  /** The ranger's own outline layers (GeoJSON files opened in the browser, never sent to the core). */
  async setOverlay(lines: readonly (readonly [number, number][])[]): Promise<void> {
    await this.ready;
    const data: FeatureCollection<MultiLineString> = {
      type: 'FeatureCollection',
      features: lines.length ? [{ type: 'Feature', properties: {}, geometry: { type: 'MultiLineString', coordinates: lines.map((line) => line.map(([lon, lat]) => [lon, lat])) } }] : [],
    };
    (this.map.getSource('overlay') as GeoJSONSource).setData(data);
    this.setSourceEmpty('overlay', data.features.length === 0);
  }

  async setGroupVisible(group: LayerGroup, visible: boolean): Promise<void> {
    await this.ready;
    if (group === 'basemap') this.basemapSwitchedOff = !visible;
    const ids = group === 'basemap' ? this.map.getStyle().layers.filter((layer) => layer.id.startsWith('basemap')).map((layer) => layer.id) : GROUP_LAYERS[group];
    for (const id of ids) this.setHidden(id, 'switched-off', !visible);
    if (group === 'basemap') this.updateWorldUnderBasemap();
  }

  destroy(): void {
    this.map.remove();
  }
}
