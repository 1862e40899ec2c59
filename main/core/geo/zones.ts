import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { StationError } from '../errors.js';
import type { BoundingBox, Library, NewZone, ZoneGeometry, ZoneKind, ZoneRow } from '../library/index.js';
import { readTextFile } from './read-text-file.js';

/** Where a point lies: its management zone (if any) and whether it is inside the park. */
export interface PlaceOfPoint {
  zone: { id: number; name: string } | null;
  /** null when no park boundary is loaded. */
  insidePark: boolean | null;
  /** What a person reads: the zone's name, "in the park, no zone", "outside the park" (only with a park boundary), "outside the management zones" or "no zone". */
  label: string;
}

export const OUTSIDE_THE_PARK = 'outside the park';
export const IN_THE_PARK_NO_ZONE = 'in the park, no zone';
/** No park boundary is loaded and the point is in none of the management zones. */
export const OUTSIDE_THE_ZONES = 'outside the management zones';
/** Neither a park boundary nor zones are loaded. */
export const NO_ZONE = 'no zone';

function invalid(source: string, what: string): StationError {
  return new StationError('GEOJSON_INVALID', `${source}: ${what}`);
}

function checkPosition(position: unknown, where: () => string, source: string): void {
  if (!Array.isArray(position) || position.length < 2 || !position.every((value) => typeof value === 'number' && Number.isFinite(value))) {
    throw invalid(source, `${where()} has a position that is not [longitude, latitude] numbers.`);
  }
  const [longitude, latitude] = position as number[];
  if (Math.abs(longitude!) > 180 || Math.abs(latitude!) > 90) {
    throw invalid(
      source,
      `${where()} has the position [${longitude}, ${latitude}], outside WGS84 longitude/latitude: the file looks projected ` +
        '(e.g. a national grid); export it as WGS84 (EPSG:4326) GeoJSON.',
    );
  }
}

function checkPolygon(rings: unknown, where: string, source: string): void {
  if (!Array.isArray(rings) || rings.length === 0) throw invalid(source, `${where} has no rings.`);
  rings.forEach((ring: unknown, ringIndex) => {
    const ringName = () => `${where}, ${ringIndex === 0 ? 'outer ring' : `hole ${ringIndex}`}`;
    if (!Array.isArray(ring) || ring.length < 4) {
      throw invalid(source, `${ringName()} has ${Array.isArray(ring) ? ring.length : 0} positions; a closed ring needs at least 4.`);
    }
    ring.forEach((position, index) => checkPosition(position, () => `${ringName()}, position ${index}`, source));
    const first = ring[0] as number[];
    const last = ring[ring.length - 1] as number[];
    if (first[0] !== last[0] || first[1] !== last[1]) {
      throw invalid(source, `${ringName()} is not closed: its last position must repeat the first ${JSON.stringify(first)}.`);
    }
  });
}

const GEOJSON_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection', 'Feature', 'FeatureCollection']);

/** A GeoJSON type name for a message; anything else is not repeated (an error never quotes the file). */
function typeName(type: unknown): string {
  return typeof type === 'string' && GEOJSON_TYPES.has(type) ? type : 'geometry of no GeoJSON type';
}

function checkGeometry(geometry: unknown, where: string, source: string): ZoneGeometry {
  const candidate = geometry as { type?: unknown; coordinates?: unknown } | null;
  if (!candidate || typeof candidate !== 'object') throw invalid(source, `${where} has no geometry.`);
  if (candidate.type === 'Polygon') {
    checkPolygon(candidate.coordinates, where, source);
  } else if (candidate.type === 'MultiPolygon') {
    if (!Array.isArray(candidate.coordinates) || candidate.coordinates.length === 0) throw invalid(source, `${where} is an empty MultiPolygon.`);
    candidate.coordinates.forEach((polygon: unknown, index) => checkPolygon(polygon, `${where}, polygon ${index}`, source));
  } else {
    throw invalid(source, `${where} is a ${typeName(candidate.type)}; zones must be Polygon or MultiPolygon geometries.`);
  }
  return { type: candidate.type, coordinates: candidate.coordinates } as ZoneGeometry;
}

function boundingBoxOf(geometry: ZoneGeometry): BoundingBox {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const box: BoundingBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polygon of polygons) {
    for (const [longitude, latitude] of polygon[0]!) {
      box[0] = Math.min(box[0], longitude!);
      box[1] = Math.min(box[1], latitude!);
      box[2] = Math.max(box[2], longitude!);
      box[3] = Math.max(box[3], latitude!);
    }
  }
  return box;
}

/**
 * Reads zones from GeoJSON text (FeatureCollection, Feature, Polygon or MultiPolygon, RFC 7946
 * WGS84 [longitude, latitude]), validating every ring. Names come from the `nameProperty`
 * (default "name"). For the park boundary every polygon becomes part of one zone named "park".
 */
export function parseZonesGeoJson(text: string, source: string, kind: ZoneKind, nameProperty = 'name'): NewZone[] {
  let document: { type?: unknown; features?: unknown; geometry?: unknown; properties?: unknown };
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    // JSON.parse's message quotes the text it choked on: never echoed (the file may not be GeoJSON at all).
    throw invalid(source, 'not valid JSON; save the zones as a GeoJSON file (UTF-8).');
  }
  let features: { geometry?: unknown; properties?: Record<string, unknown> | null }[];
  if (document?.type === 'FeatureCollection') {
    if (!Array.isArray(document.features)) throw invalid(source, 'a FeatureCollection without a "features" array.');
    features = document.features as typeof features;
  } else if (document?.type === 'Feature') {
    features = [document as (typeof features)[number]];
  } else if (document?.type === 'Polygon' || document?.type === 'MultiPolygon') {
    features = [{ geometry: document, properties: null }];
  } else {
    throw invalid(source, `a ${typeName(document?.type)}; expected a GeoJSON FeatureCollection of Polygon or MultiPolygon features.`);
  }
  if (features.length === 0) throw invalid(source, 'the FeatureCollection has no features.');
  const zones = features.map((feature, index) => {
    const rawName = feature?.properties?.[nameProperty];
    const name = typeof rawName === 'string' && rawName.trim() ? rawName.trim() : typeof rawName === 'number' ? String(rawName) : null;
    const where = `feature ${index}`;
    const geometry = checkGeometry(feature?.geometry, where, source);
    return { kind, name: name ?? `zone ${index + 1}`, geometry, bbox: boundingBoxOf(geometry) };
  });
  if (kind === 'park') {
    const polygons = zones.flatMap((zone) => (zone.geometry.type === 'Polygon' ? [zone.geometry.coordinates] : zone.geometry.coordinates));
    const geometry: ZoneGeometry = polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons };
    return [{ kind, name: zones.length === 1 && zones[0]!.name !== 'zone 1' ? zones[0]!.name : 'park', geometry, bbox: boundingBoxOf(geometry) }];
  }
  const seen = new Map<string, number>();
  zones.forEach((zone, index) => {
    const first = seen.get(zone.name);
    if (first !== undefined) {
      throw invalid(source, `features ${first} and ${index} have the same name; give each zone its own "${nameProperty}" (or merge them into one MultiPolygon).`);
    }
    seen.set(zone.name, index);
  });
  return zones;
}

/** Loads a GeoJSON file as the park boundary or the management zones, replacing the previous ones. */
export function loadZonesFile(library: Library, filePath: string, kind: ZoneKind, nameProperty = 'name'): ZoneRow[] {
  const { resolved, text } = readTextFile(filePath);
  return library.zones.replace(kind, parseZonesGeoJson(text, resolved, kind, nameProperty), resolved);
}

function inBox(box: BoundingBox, longitude: number, latitude: number): boolean {
  return longitude >= box[0] && longitude <= box[2] && latitude >= box[1] && latitude <= box[3];
}

/** Point-in-polygon lookups over the loaded zones (holes respected; bounding boxes checked first). */
export class ZoneIndex {
  private readonly park: ZoneRow[];
  private readonly zones: ZoneRow[];

  constructor(rows: readonly ZoneRow[]) {
    this.park = rows.filter((row) => row.kind === 'park');
    this.zones = rows.filter((row) => row.kind === 'zone');
  }

  static of(library: Library): ZoneIndex {
    return new ZoneIndex(library.zones.list());
  }

  get hasZones(): boolean {
    return this.zones.length > 0 || this.park.length > 0;
  }

  zoneRows(): readonly ZoneRow[] {
    return this.zones;
  }

  locate(latitude: number, longitude: number): PlaceOfPoint {
    const point = [longitude, latitude];
    const contains = (row: ZoneRow, ignoreBoundary: boolean) =>
      inBox(row.bbox, longitude, latitude) && booleanPointInPolygon(point, row.geometry, { ignoreBoundary });
    // A point exactly on a border shared by two zones belongs to the first that holds it strictly,
    // else to the first whose border it is on.
    const zone = this.zones.find((row) => contains(row, true)) ?? this.zones.find((row) => contains(row, false)) ?? null;
    const insidePark = this.park.length === 0 ? null : this.park.some((row) => contains(row, false));
    // "Outside the park" only when a park boundary says so; without one, the zones are all we know.
    const label = zone ? zone.name : insidePark === true ? IN_THE_PARK_NO_ZONE : insidePark === false ? OUTSIDE_THE_PARK : this.zones.length > 0 ? OUTSIDE_THE_ZONES : NO_ZONE;
    return { zone: zone ? { id: zone.id, name: zone.name } : null, insidePark, label };
  }
}
