import type { ZoneGeometry } from '../library/index.js';

const METRES_PER_DEGREE = 111_195;

/**
 * Distance in metres from a point to the nearest edge of a polygon's rings (inside or outside
 * alike), on a local equirectangular projection around the point: exact enough within the
 * few kilometres a boundary buffer spans.
 */
export function distanceToBoundaryMetres(latitude: number, longitude: number, geometry: ZoneGeometry): number {
  const cosLat = Math.cos((latitude * Math.PI) / 180);
  const project = (position: number[]): [number, number] => [
    (position[0]! - longitude) * METRES_PER_DEGREE * cosLat,
    (position[1]! - latitude) * METRES_PER_DEGREE,
  ];
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let best = Infinity;
  for (const polygon of polygons) {
    for (const ring of polygon) {
      for (let i = 0; i + 1 < ring.length; i++) {
        best = Math.min(best, distanceToSegment(project(ring[i]!), project(ring[i + 1]!)));
      }
    }
  }
  return best;
}

/** Distance from the origin to the segment a-b. */
function distanceToSegment(a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(a[0] * dx + a[1] * dy) / lengthSquared));
  return Math.hypot(a[0] + t * dx, a[1] + t * dy);
}
