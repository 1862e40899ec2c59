/** A ranger's own map layer (a park boundary…) read from a GeoJSON file: lines and rings as lon/lat lists. */
export interface MapLayer {
  name: string;
  /** Each entry is one line or polygon ring, [lon, lat] pairs. */
  lines: [number, number][][];
  closed: boolean[];
}

type Position = number[];

function collect(geometry: { type?: string; coordinates?: unknown; geometries?: unknown[] } | null, layer: MapLayer): void {
  if (!geometry) return;
  const add = (positions: Position[], closed: boolean) => {
    layer.lines.push(positions.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1])).map((p) => [p[0]!, p[1]!]));
    layer.closed.push(closed);
  };
  const c = geometry.coordinates as unknown;
  switch (geometry.type) {
    case 'LineString': add(c as Position[], false); break;
    case 'MultiLineString': for (const line of c as Position[][]) add(line, false); break;
    case 'Polygon': for (const ring of c as Position[][]) add(ring, true); break;
    case 'MultiPolygon': for (const polygon of c as Position[][][]) for (const ring of polygon) add(ring, true); break;
    case 'GeometryCollection': for (const part of geometry.geometries ?? []) collect(part as never, layer); break;
    default: break; // points of a boundary file carry no outline
  }
}

/** Parses a FeatureCollection, Feature or bare geometry; throws with a readable message otherwise. */
export function readGeoJsonLayer(name: string, text: string): MapLayer {
  let data: { type?: string; features?: { geometry: never }[]; geometry?: never };
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON; choose a .geojson file.`);
  }
  const layer: MapLayer = { name, lines: [], closed: [] };
  if (data.type === 'FeatureCollection') for (const feature of data.features ?? []) collect(feature.geometry, layer);
  else if (data.type === 'Feature') collect(data.geometry ?? null, layer);
  else collect(data as never, layer);
  if (layer.lines.length === 0) throw new Error(`${name} holds no lines or polygons to draw.`);
  return layer;
}
