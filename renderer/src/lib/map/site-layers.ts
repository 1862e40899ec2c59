import type { FeatureCollection, Point, Polygon } from 'geojson';
import type { LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { SiteListItem } from '../../../../main/api/contract.js';

export const SITE_SOURCE = 'sites';

/** Site colours by state as of today: red where work is waiting, green where it is done. */
export const SITE_STATE_COLOURS: Record<SiteListItem['displayState'], string> = {
  reported: '#e67e22',
  confirmed: '#d35400',
  'treatment-planned': '#c0392b',
  treated: '#2980b9',
  'recheck-due': '#8e44ad',
  regrowth: '#b71c1c',
  clean: '#27ae60',
  eradicated: '#1e5631',
};

/** Polygon sites as polygons, point sites as their centre (the radius as a property). */
export function siteCollection(items: readonly SiteListItem[]): FeatureCollection<Point | Polygon> {
  return {
    type: 'FeatureCollection',
    features: items.map((item) => ({
      type: 'Feature',
      geometry: item.site.extent.type === 'polygon' ? { type: 'Polygon', coordinates: item.site.extent.coordinates } : { type: 'Point', coordinates: [item.longitude, item.latitude] },
      properties: { id: item.site.id, species: item.site.species, state: item.displayState, colour: SITE_STATE_COLOURS[item.displayState] },
    })),
  };
}

export const SITE_LAYERS: LayerSpecification[] = [
  { id: 'sites-fill', type: 'fill', source: SITE_SOURCE, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.3 } },
  { id: 'sites-line', type: 'line', source: SITE_SOURCE, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'line-color': ['get', 'colour'], 'line-width': 2 } },
  {
    id: 'sites-point',
    type: 'circle',
    source: SITE_SOURCE,
    filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 9, 'circle-color': ['get', 'colour'], 'circle-opacity': 0.35, 'circle-stroke-color': ['get', 'colour'], 'circle-stroke-width': 2 },
  },
];
