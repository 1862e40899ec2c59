/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_METRES = 6_371_008.8;
const RADIANS = Math.PI / 180;

export interface GridCell {
  /** Stable key: 'cell:SIZE:ROW:COL'. */
  key: string;
  row: number;
  col: number;
  centre: { latitude: number; longitude: number };
  /** [west, south, east, north] */
  bbox: [number, number, number, number];
  label: string;
}

/**
 * The alert grid cell holding a point: rows are `sizeMetres` of latitude; within a row,
 * columns are `sizeMetres` wide at the row's central latitude, so cells stay close to
 * squares at any latitude (WGS84, away from the poles and the antimeridian).
 */
export function gridCellOf(latitude: number, longitude: number, sizeMetres: number): GridCell {
  const rowDegrees = sizeMetres / (EARTH_RADIUS_METRES * RADIANS);
  const row = Math.floor(latitude / rowDegrees);
  const south = row * rowDegrees;
  const centreLatitude = south + rowDegrees / 2;
  const colDegrees = rowDegrees / Math.max(Math.cos(centreLatitude * RADIANS), 1e-6);
  const col = Math.floor(longitude / colDegrees);
  const west = col * colDegrees;
  const centre = { latitude: centreLatitude, longitude: west + colDegrees / 2 };
  return {
    key: `cell:${sizeMetres}:${row}:${col}`,
    row,
    col,
    centre,
    bbox: [west, south, west + colDegrees, south + rowDegrees],
    label: `${sizeMetres >= 1000 ? `${sizeMetres / 1000} km` : `${sizeMetres} m`} cell around ${centre.latitude.toFixed(5)}, ${centre.longitude.toFixed(5)}`,
  };
}

/** Great-circle distance in metres (haversine). */
export function distanceMetres(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const dLat = (b.latitude - a.latitude) * RADIANS;
  const dLon = (b.longitude - a.longitude) * RADIANS;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * RADIANS) * Math.cos(b.latitude * RADIANS) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
}
