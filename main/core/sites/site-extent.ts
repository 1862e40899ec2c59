import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { StationError } from '../errors.js';
import { distanceToBoundaryMetres } from '../geo/boundary-distance.js';
import { distanceMetres } from '../geo/grid.js';

/** Where a site is: a point with a radius, or a polygon (GeoJSON [longitude, latitude] rings, the first the outer one). */
export type SiteExtent =
  | { type: 'point'; latitude: number; longitude: number; radiusMetres: number }
  | { type: 'polygon'; coordinates: number[][][] };

const EARTH_RADIUS_M = 6_378_137;

function invalid(what: string): StationError {
  return new StationError('GEOJSON_INVALID', `Site extent: ${what}`);
}

function checkPosition(latitude: unknown, longitude: unknown, where: string): void {
  if (typeof latitude !== 'number' || typeof longitude !== 'number' || !Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
    throw invalid(`${where} is not a WGS84 latitude/longitude (got ${JSON.stringify([latitude, longitude])}).`);
  }
}

function segmentsCross(a: number[], b: number[], c: number[], d: number[]): boolean {
  const orient = (p: number[], q: number[], r: number[]) => Math.sign((q[0]! - p[0]!) * (r[1]! - p[1]!) - (q[1]! - p[1]!) * (r[0]! - p[0]!));
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  return o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0;
}

/** Area of one ring on the sphere, in m² (unsigned). */
function ringAreaSquareMetres(ring: number[][]): number {
  const rad = (degrees: number) => (degrees * Math.PI) / 180;
  let total = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [lon1, lat1] = ring[i]!;
    const [lon2, lat2] = ring[i + 1]!;
    total += rad(lon2! - lon1!) * (2 + Math.sin(rad(lat1!)) + Math.sin(rad(lat2!)));
  }
  return Math.abs((total * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2);
}

/**
 * Checks an extent a ranger gave (a typed point, a drawn polygon, a GeoJSON file) and returns
 * it in the stored form. Refused with GEOJSON_INVALID: positions outside WGS84, a ring that is
 * not closed, has fewer than 4 positions, crosses itself or encloses no area; a radius that is
 * not a positive number of metres.
 */
export function checkExtent(extent: unknown): SiteExtent {
  const candidate = extent as Partial<SiteExtent> & Record<string, unknown>;
  if (!candidate || typeof candidate !== 'object') throw invalid('give a point with a radius, or a polygon.');
  if (candidate.type === 'point') {
    checkPosition(candidate.latitude, candidate.longitude, 'the point');
    const radius = candidate.radiusMetres;
    if (typeof radius !== 'number' || !Number.isFinite(radius) || radius <= 0) throw invalid(`the radius must be a positive number of metres (got ${JSON.stringify(radius)}).`);
    return { type: 'point', latitude: candidate.latitude as number, longitude: candidate.longitude as number, radiusMetres: radius };
  }
  if (candidate.type === 'polygon' || candidate.type === 'Polygon') {
    const rings = candidate.coordinates;
    if (!Array.isArray(rings) || rings.length === 0) throw invalid('the polygon has no rings.');
    rings.forEach((ring: unknown, ringIndex) => {
      const name = ringIndex === 0 ? 'the outer ring' : `hole ${ringIndex}`;
      if (!Array.isArray(ring) || ring.length < 4) throw invalid(`${name} has ${Array.isArray(ring) ? ring.length : 0} positions; a closed ring needs at least 4.`);
      ring.forEach((position: unknown, index) => {
        if (!Array.isArray(position) || position.length < 2) throw invalid(`${name}, position ${index} is not [longitude, latitude].`);
        checkPosition(position[1], position[0], `${name}, position ${index}`);
      });
      const first = ring[0] as number[];
      const last = ring[ring.length - 1] as number[];
      if (first[0] !== last[0] || first[1] !== last[1]) throw invalid(`${name} is not closed: its last position must repeat the first ${JSON.stringify(first)}.`);
      const edges = ring.length - 1;
      for (let i = 0; i < edges; i++) {
        for (let j = i + 2; j < edges; j++) {
          if (i === 0 && j === edges - 1) continue;
          if (segmentsCross(ring[i], ring[i + 1], ring[j], ring[j + 1])) throw invalid(`${name} crosses itself (edges ${i + 1} and ${j + 1}); draw it again without crossing lines.`);
        }
      }
      if (ringAreaSquareMetres(ring as number[][]) < 0.01) throw invalid(`${name} encloses no area.`);
    });
    return { type: 'polygon', coordinates: rings as number[][][] };
  }
  throw invalid(`type must be "point" or "polygon" (got ${JSON.stringify(candidate.type)}).`);
}

/** The extent's area in m² (a point: its circle). */
export function extentAreaSquareMetres(extent: SiteExtent): number {
  if (extent.type === 'point') return Math.PI * extent.radiusMetres * extent.radiusMetres;
  const [outer, ...holes] = extent.coordinates;
  return Math.max(0, ringAreaSquareMetres(outer!) - holes.reduce((sum, hole) => sum + ringAreaSquareMetres(hole), 0));
}

/** The point a list or a field sheet shows: the point itself, or the polygon's vertex mean. */
export function extentCentroid(extent: SiteExtent): { latitude: number; longitude: number } {
  if (extent.type === 'point') return { latitude: extent.latitude, longitude: extent.longitude };
  const ring = extent.coordinates[0]!.slice(0, -1);
  return {
    latitude: ring.reduce((sum, position) => sum + position[1]!, 0) / ring.length,
    longitude: ring.reduce((sum, position) => sum + position[0]!, 0) / ring.length,
  };
}

/** [south, west, north, east] grown by `bufferMetres`: a cheap first test before the exact one. */
export function extentBounds(extent: SiteExtent, bufferMetres = 0): { minLatitude: number; minLongitude: number; maxLatitude: number; maxLongitude: number } {
  const positions = extent.type === 'point' ? [[extent.longitude, extent.latitude]] : extent.coordinates[0]!;
  const grow = bufferMetres + (extent.type === 'point' ? extent.radiusMetres : 0);
  const lats = positions.map((position) => position[1]!);
  const lons = positions.map((position) => position[0]!);
  const dLat = grow / 111_195;
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const dLon = grow / (111_195 * Math.max(0.01, Math.cos((midLat * Math.PI) / 180)));
  return { minLatitude: Math.min(...lats) - dLat, minLongitude: Math.min(...lons) - dLon, maxLatitude: Math.max(...lats) + dLat, maxLongitude: Math.max(...lons) + dLon };
}

/** Whether a position lies in the extent or within `bufferMetres` of it. */
export function extentContains(extent: SiteExtent, latitude: number, longitude: number, bufferMetres = 0): boolean {
  if (extent.type === 'point') return distanceMetres({ latitude, longitude }, extent) <= extent.radiusMetres + bufferMetres;
  const polygon = { type: 'Polygon' as const, coordinates: extent.coordinates };
  if (booleanPointInPolygon([longitude, latitude], polygon)) return true;
  return bufferMetres > 0 && distanceToBoundaryMetres(latitude, longitude, polygon) <= bufferMetres;
}

/** The extent as a GeoJSON geometry (a point site: its centre point; its radius travels as a property). */
export function extentGeometry(extent: SiteExtent): { type: 'Point'; coordinates: number[] } | { type: 'Polygon'; coordinates: number[][][] } {
  return extent.type === 'point' ? { type: 'Point', coordinates: [extent.longitude, extent.latitude] } : { type: 'Polygon', coordinates: extent.coordinates };
}
