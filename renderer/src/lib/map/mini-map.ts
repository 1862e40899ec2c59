import type { MapPoint } from '../../../../main/api/contract.js';
import type { BasemapStatus } from '../../../../main/api/contract.js';
import { Marker } from './maplibre.js';
import { StationMap } from './station-map.js';

/**
 * The photo view's small map: ONE MapLibre map for the whole session, moved between photo
 * views (its element is re-attached, its marker and view updated), so paging through
 * thousands of photos never creates a WebGL context per photo.
 */
let shared: { element: HTMLDivElement; map: StationMap; marker: Marker; created: number } | null = null;
let creations = 0;

export interface MiniMapView {
  lat: number;
  lon: number;
  points: readonly MapPoint[];
  basemap: BasemapStatus | null;
}

export function attachMiniMap(host: HTMLElement): StationMap {
  if (!shared) {
    const element = document.createElement('div');
    element.className = 'mini-map-canvas';
    element.style.width = '100%';
    element.style.height = '100%';
    host.appendChild(element);
    const map = new StationMap({ container: element, cluster: false, scale: true });
    const marker = new Marker({ color: '#c0392b', scale: 0.7 });
    creations += 1;
    shared = { element, map, marker, created: creations };
  } else {
    host.appendChild(shared.element);
    shared.map.map.resize();
  }
  return shared.map;
}

export function showOnMiniMap(view: MiniMapView): void {
  if (!shared) return;
  const { map, marker } = shared;
  void map.setBasemap(view.basemap);
  void map.setPhotos(view.points, new Set(), { confirmed: true, predicted: true, unknowns: true });
  marker.setLngLat([view.lon, view.lat]).addTo(map.map);
  map.map.jumpTo({ center: [view.lon, view.lat], zoom: Math.max(14, Math.min(map.map.getZoom(), 17)) });
}

/** Takes the map's element out of the page (kept for the next photo view). */
export function detachMiniMap(): void {
  shared?.element.remove();
}

/** How many maps the mini-map has created in this page (tests: must stay 1). */
export function miniMapCreations(): number {
  return creations;
}
