import type { LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { GeoJSONSource, Map as MapLibreMap } from './maplibre.js';
import { type SiteDraft, draftPreview } from './site-drawing.js';

const SOURCE = 'site-draft';
const DRAFT_COLOUR = '#e0a100';

const LAYERS: LayerSpecification[] = [
  { id: 'site-draft-fill', type: 'fill', source: SOURCE, filter: ['==', ['get', 'role'], 'area'], paint: { 'fill-color': DRAFT_COLOUR, 'fill-opacity': 0.25 } },
  { id: 'site-draft-area-line', type: 'line', source: SOURCE, filter: ['==', ['get', 'role'], 'area'], paint: { 'line-color': DRAFT_COLOUR, 'line-width': 1, 'line-dasharray': [2, 2] } },
  { id: 'site-draft-outline', type: 'line', source: SOURCE, filter: ['==', ['get', 'role'], 'outline'], paint: { 'line-color': DRAFT_COLOUR, 'line-width': 2.5 } },
  {
    id: 'site-draft-corners',
    type: 'circle',
    source: SOURCE,
    filter: ['==', ['get', 'role'], 'corner'],
    paint: { 'circle-radius': 5, 'circle-color': '#ffffff', 'circle-stroke-color': DRAFT_COLOUR, 'circle-stroke-width': 2.5 },
  },
];

/**
 * The site being drawn, drawn over every other layer of the station map (its own source and
 * layers, added when first shown and removed when the drawing ends).
 */
export class SiteDraftLayer {
  constructor(private readonly map: MapLibreMap) {}

  show(draft: SiteDraft): void {
    const data = draftPreview(draft);
    const source = this.map.getSource(SOURCE) as GeoJSONSource | undefined;
    if (source) {
      source.setData(data);
      // Layers added since (a rebuilt photo source) would hide the drawing: keep it on top.
      for (const layer of LAYERS) this.map.moveLayer(layer.id);
      return;
    }
    this.map.addSource(SOURCE, { type: 'geojson', data });
    for (const layer of LAYERS) this.map.addLayer(layer);
  }

  remove(): void {
    for (const layer of LAYERS) if (this.map.getLayer(layer.id)) this.map.removeLayer(layer.id);
    if (this.map.getSource(SOURCE)) this.map.removeSource(SOURCE);
  }
}
