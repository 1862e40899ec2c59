import type { FeatureCollection, LineString, MultiLineString, MultiPolygon, Polygon } from 'geojson';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries50m from 'world-atlas/countries-50m.json' with { type: 'json' };

/**
 * The map's ground when the park has no basemap: land (coastlines) and country borders from
 * Natural Earth 1:50m (public domain, via the world-atlas package), and a graticule. Bundled
 * with the app: nothing is fetched.
 */
export interface WorldOutline {
  land: FeatureCollection<Polygon | MultiPolygon>;
  borders: FeatureCollection<MultiLineString>;
}

let cached: WorldOutline | null = null;

export function worldOutline(): WorldOutline {
  if (cached) return cached;
  const topology = countries50m as unknown as Topology<{ land: GeometryCollection; countries: GeometryCollection }>;
  const land = feature(topology, topology.objects.land) as unknown as FeatureCollection<Polygon | MultiPolygon>;
  // Shared arcs only: a border between two countries, not the coastline again.
  const borders = mesh(topology, topology.objects.countries, (a, b) => a !== b);
  cached = { land, borders: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: borders }] } };
  return cached;
}

/** Meridians and parallels every `stepDegrees`, with vertices every degree so they stay curved-right in Mercator. */
export function graticule(stepDegrees = 10): FeatureCollection<LineString> {
  const features: FeatureCollection<LineString>['features'] = [];
  for (let lon = -180; lon <= 180; lon += stepDegrees) {
    const coordinates: [number, number][] = [];
    for (let lat = -85; lat <= 85; lat += 1) coordinates.push([lon, lat]);
    features.push({ type: 'Feature', properties: { kind: 'meridian', value: lon }, geometry: { type: 'LineString', coordinates } });
  }
  for (let lat = -80; lat <= 80; lat += stepDegrees) {
    const coordinates: [number, number][] = [];
    for (let lon = -180; lon <= 180; lon += 1) coordinates.push([lon, lat]);
    features.push({ type: 'Feature', properties: { kind: 'parallel', value: lat }, geometry: { type: 'LineString', coordinates } });
  }
  return { type: 'FeatureCollection', features };
}
