import type { Feature, FeatureCollection, LineString, Point, Polygon } from 'geojson';
import { MAX_CLICK_METRES_PER_PIXEL, metresPerPixel, minimumPlacementZoom } from './placement.js';

/**
 * The rules of drawing a new site on the map (issue 15), kept out of the screen so they can be
 * tested: a point with a radius or a polygon's corners, clicked only where placements may be
 * clicked (over the park basemap, a pixel 10 m or less), or typed (a point, a list of
 * corners, pasted GeoJSON). The core checks the extent again (crossing edges, closed rings)
 * and its message is what the ranger sees.
 */
export type DrawMode = 'point' | 'polygon';
/** [longitude, latitude], as GeoJSON orders them. */
export type LonLat = [number, number];

export interface SiteDraft {
  mode: DrawMode;
  /** A point site: at most one position; a polygon: its corners in drawing order (not repeated at the end). */
  vertices: LonLat[];
  /** A polygon the ranger finished (double-click or Finish): no more corners are added. */
  closed: boolean;
  radiusMetres: number;
}

/** The extent as the contract's `sites:create` takes it. */
export type DrawnExtent =
  | { type: 'point'; latitude: number; longitude: number; radiusMetres: number }
  | { type: 'polygon'; coordinates: number[][][] };

export const DEFAULT_SITE_RADIUS_METRES = 10;
/** Stored coordinates keep 7 decimals (about 1 cm), as placements do. */
const STORED_DECIMALS = 7;
/** A click this many pixels from the last corner adds nothing (the two clicks of a double-click). */
export const SAME_CORNER_PIXELS = 4;

export function newDraft(mode: DrawMode, radiusMetres = DEFAULT_SITE_RADIUS_METRES): SiteDraft {
  return { mode, vertices: [], closed: false, radiusMetres };
}

export function roundCoordinate(value: number): number {
  return Number(value.toFixed(STORED_DECIMALS));
}

function metresBetween([lon1, lat1]: LonLat, [lon2, lat2]: LonLat): number {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}

/**
 * Adds a clicked position: a point site moves to it; a polygon gets a new corner unless it is
 * finished or the position is within `sameCornerMetres` of the last corner (a double-click's clicks).
 */
export function addVertex(draft: SiteDraft, position: LonLat, sameCornerMetres = 0): SiteDraft {
  const rounded: LonLat = [roundCoordinate(position[0]), roundCoordinate(position[1])];
  if (draft.mode === 'point') return { ...draft, vertices: [rounded] };
  if (draft.closed) return draft;
  const last = draft.vertices.at(-1);
  if (last && metresBetween(last, rounded) <= sameCornerMetres) return draft;
  return { ...draft, vertices: [...draft.vertices, rounded] };
}

/** Backspace / undo: the last corner goes (a finished polygon opens again first). */
export function removeLastVertex(draft: SiteDraft): SiteDraft {
  if (draft.closed) return { ...draft, closed: false };
  return { ...draft, vertices: draft.vertices.slice(0, -1) };
}

export type CloseResult = { ok: true; draft: SiteDraft } | { ok: false; reason: string };

export function closePolygon(draft: SiteDraft): CloseResult {
  if (draft.mode !== 'polygon') return { ok: false, reason: 'Only a polygon is finished; a point site needs its centre and radius.' };
  if (draft.vertices.length < 3) return { ok: false, reason: `A polygon needs at least 3 corners (${draft.vertices.length} so far).` };
  return { ok: true, draft: { ...draft, closed: true } };
}

/** The extent to create, or null while the drawing is not complete (no point yet, polygon not finished). */
export function draftExtent(draft: SiteDraft): DrawnExtent | null {
  if (draft.mode === 'point') {
    const [centre] = draft.vertices;
    return centre ? { type: 'point', latitude: centre[1], longitude: centre[0], radiusMetres: draft.radiusMetres } : null;
  }
  if (!draft.closed || draft.vertices.length < 3) return null;
  return { type: 'polygon', coordinates: [[...draft.vertices, draft.vertices[0]!]] };
}

export interface DrawClickContext {
  latitude: number;
  longitude: number;
  zoom: number;
  /** Bounds [west, south, east, north] of the park basemap shown, or null when only the world outline is. */
  basemapBounds: readonly [number, number, number, number] | null;
}

export type DrawClickVerdict = { ok: true } | { ok: false; reason: string };

/** The placement rule, for drawing: clicks count only over the park basemap at a pixel of 10 m or less. */
export function judgeDrawClick({ latitude, longitude, zoom, basemapBounds }: DrawClickContext): DrawClickVerdict {
  if (!basemapBounds) return { ok: false, reason: 'Over the world outline there is nothing to aim at: type the site\'s coordinates, or show the park\'s basemap.' };
  const [west, south, east, north] = basemapBounds;
  if (longitude < west || longitude > east || latitude < south || latitude > north) {
    return { ok: false, reason: 'That point is outside the park basemap: draw on the park\'s map, or type the coordinates.' };
  }
  const metres = metresPerPixel(latitude, zoom);
  if (metres > MAX_CLICK_METRES_PER_PIXEL) {
    return {
      ok: false,
      reason: `Zoom in to draw by clicking: one pixel is ${Math.round(metres)} m here; sites are drawn only where a pixel is ${MAX_CLICK_METRES_PER_PIXEL} m or less (zoom ${Math.ceil(minimumPlacementZoom(latitude) * 10) / 10}).`,
    };
  }
  return { ok: true };
}

export type TypedExtent = { ok: true; extent: DrawnExtent } | { ok: false; reason: string };

const decimal = (text: string) => (text.trim() === '' ? Number.NaN : Number(text.trim().replace(',', '.')));

/** A typed point site: decimal degrees (a comma as the decimal mark is accepted) and a radius in metres. */
export function parseTypedPoint(latitudeText: string, longitudeText: string, radiusText: string): TypedExtent {
  const latitude = decimal(latitudeText);
  const longitude = decimal(longitudeText);
  const radius = decimal(radiusText);
  if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) return { ok: false, reason: `Latitude "${latitudeText}" is not a decimal degree between -90 and 90 (south is negative).` };
  if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) return { ok: false, reason: `Longitude "${longitudeText}" is not a decimal degree between -180 and 180 (west is negative).` };
  if (!Number.isFinite(radius) || radius <= 0) return { ok: false, reason: `Radius "${radiusText}" is not a positive number of metres.` };
  return { ok: true, extent: { type: 'point', latitude, longitude, radiusMetres: radius } };
}

function polygonFromGeoJson(value: unknown): number[][][] | string {
  const object = value as { type?: unknown; geometry?: unknown; features?: unknown[]; coordinates?: unknown };
  if (object?.type === 'FeatureCollection') {
    const polygons = (object.features ?? []).filter((feature) => (feature as { geometry?: { type?: unknown } })?.geometry?.type === 'Polygon');
    if (polygons.length !== 1) return `the FeatureCollection holds ${polygons.length} polygons; paste one.`;
    return polygonFromGeoJson(polygons[0]);
  }
  if (object?.type === 'Feature') return polygonFromGeoJson(object.geometry);
  if (object?.type === 'Polygon' && Array.isArray(object.coordinates)) return object.coordinates as number[][][];
  return `expected a GeoJSON Polygon (or a Feature holding one), got ${JSON.stringify(object?.type ?? typeof value)}.`;
}

/**
 * A typed polygon: pasted GeoJSON (a Polygon, a Feature or a FeatureCollection with one
 * polygon, [longitude, latitude] as GeoJSON has them), or one corner per line as
 * "latitude, longitude" (the ring is closed here when the last line does not repeat the first).
 * The core checks the ring itself (closed, not crossing, an area).
 */
export function parseTypedPolygon(text: string): TypedExtent {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, reason: 'Type the polygon\'s corners (one "latitude, longitude" per line) or paste GeoJSON.' };
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      return { ok: false, reason: `The pasted GeoJSON is not valid JSON (${(error as Error).message}).` };
    }
    const polygon = polygonFromGeoJson(parsed);
    return typeof polygon === 'string' ? { ok: false, reason: `The pasted GeoJSON: ${polygon}` } : { ok: true, extent: { type: 'polygon', coordinates: polygon } };
  }
  const ring: number[][] = [];
  const lines = trimmed.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  for (const [index, line] of lines.entries()) {
    const parts = line.split(/[\s,;]+/).filter(Boolean);
    const [latitude, longitude] = parts.map((part) => Number(part));
    if (parts.length !== 2 || !Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude!) > 90 || Math.abs(longitude!) > 180) {
      return { ok: false, reason: `Line ${index + 1} ("${line}") is not "latitude, longitude" in decimal degrees.` };
    }
    ring.push([longitude!, latitude!]);
  }
  const [first] = ring;
  const last = ring.at(-1);
  if (first && last && ring.length > 1 && (first[0] !== last[0] || first[1] !== last[1])) ring.push([...first]);
  if (ring.length < 4) return { ok: false, reason: `A polygon needs at least 3 corners (${Math.max(0, ring.length - 1)} typed).` };
  return { ok: true, extent: { type: 'polygon', coordinates: [ring] } };
}

/** A circle of `radiusMetres` around `centre` as a closed ring (the preview of a point site). */
export function circleRing([longitude, latitude]: LonLat, radiusMetres: number, segments = 64): LonLat[] {
  const dLat = radiusMetres / 111_195;
  const dLon = radiusMetres / (111_195 * Math.max(0.01, Math.cos((latitude * Math.PI) / 180)));
  const ring: LonLat[] = [];
  for (let i = 0; i <= segments; i++) {
    const angle = (2 * Math.PI * (i % segments)) / segments;
    ring.push([longitude + dLon * Math.cos(angle), latitude + dLat * Math.sin(angle)]);
  }
  return ring;
}

/** What the map shows while drawing: corners, the outline so far, the area once it has one. */
export function draftPreview(draft: SiteDraft): FeatureCollection<Point | LineString | Polygon> {
  const features: Feature<Point | LineString | Polygon>[] = draft.vertices.map((vertex, index) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: vertex },
    properties: { role: 'corner', index },
  }));
  if (draft.mode === 'point') {
    const [centre] = draft.vertices;
    if (centre && draft.radiusMetres > 0) features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [circleRing(centre, draft.radiusMetres)] }, properties: { role: 'area' } });
    return { type: 'FeatureCollection', features };
  }
  if (draft.vertices.length >= 3) {
    features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...draft.vertices, draft.vertices[0]!]] }, properties: { role: 'area' } });
  }
  if (draft.vertices.length >= 2) {
    const line = draft.closed ? [...draft.vertices, draft.vertices[0]!] : draft.vertices;
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: line }, properties: { role: 'outline' } });
  }
  return { type: 'FeatureCollection', features };
}

/** The positions a typed extent describes, as the panel lists them (a polygon's outer ring without its closing repeat). */
export function extentPositions(extent: DrawnExtent): LonLat[] {
  if (extent.type === 'point') return [[extent.longitude, extent.latitude]];
  const ring = (extent.coordinates[0] ?? []) as LonLat[];
  return ring.length > 1 ? ring.slice(0, -1) : ring;
}
