import { iso1A2Code } from '@rapideditor/country-coder';

/** Below this distance from another country, no country code is given (borders are generalised). */
export const DEFAULT_BORDER_BUFFER_METRES = 5000;

const EARTH_RADIUS_METRES = 6_371_008.8;
const BEARINGS = 16;

/** The point `distance` metres from (lat, lon) along `bearing` degrees (great circle). */
function destination(latitude: number, longitude: number, distance: number, bearingDegrees: number): [number, number] {
  const toRad = Math.PI / 180;
  const angular = distance / EARTH_RADIUS_METRES;
  const bearing = bearingDegrees * toRad;
  const lat1 = latitude * toRad;
  const lon1 = longitude * toRad;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearing));
  const lon2 = lon1 + Math.atan2(Math.sin(bearing) * Math.sin(angular) * Math.cos(lat1), Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2));
  return [lat2 / toRad, ((lon2 / toRad + 540) % 360) - 180];
}

/**
 * The ISO 3166-1 alpha-2 code of the country at a point, found offline (country-coder's
 * borders), or null: outside every country, or within `bufferMetres` of another country's
 * border, where a generalised border could name the wrong one. Points are sampled on two
 * circles around the point (16 bearings each); a different country on any of them means
 * "near a border".
 */
export function countryCodeAt(latitude: number, longitude: number, bufferMetres = DEFAULT_BORDER_BUFFER_METRES): string | null {
  const code = iso1A2Code([longitude, latitude]);
  if (!code) return null;
  for (const radius of [bufferMetres / 2, bufferMetres]) {
    for (let i = 0; i < BEARINGS; i++) {
      const [lat, lon] = destination(latitude, longitude, radius, (360 / BEARINGS) * i);
      const other = iso1A2Code([lon, lat]);
      if (other && other !== code) return null;
    }
  }
  return code;
}
