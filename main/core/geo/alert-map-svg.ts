import type { BoundingBox, ZoneGeometry, ZoneRow } from '../library/index.js';
import { distanceMetres } from './grid.js';

export interface MapPoint {
  latitude: number;
  longitude: number;
  label: string;
}

export interface AlertMapInput {
  zones: readonly ZoneRow[];
  /** The alert's photos (drawn as red dots). */
  photos: readonly MapPoint[];
  /** Past records nearby (grey squares). */
  baseline?: readonly MapPoint[];
  /** The alert's grid cell, outlined. */
  cell?: BoundingBox | null;
  width?: number;
  height?: number;
  /** Smallest span shown, metres: a single photo still shows its surroundings. */
  minSpanMetres?: number;
  /** A picture of the park's basemap over exactly `alertMapArea(input)`, drawn under everything else. */
  background?: { href: string; title: string } | null;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const NICE_DISTANCES = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

/**
 * A small self-contained SVG map (no tiles, no internet): zones with their holes, the grid
 * cell, past records and the alert's photos, in an equirectangular projection scaled by
 * cos(latitude) so distances look right at the alert's latitude, with a scale bar.
 */
/** The area the alert's map shows ([west, south, east, north]), or null when nothing has a position. */
export function alertMapArea(input: AlertMapInput): BoundingBox | null {
  const width = input.width ?? 480;
  const height = input.height ?? 320;
  const box: BoundingBox = [Infinity, Infinity, -Infinity, -Infinity];
  const extend = (longitude: number, latitude: number) => {
    box[0] = Math.min(box[0], longitude);
    box[1] = Math.min(box[1], latitude);
    box[2] = Math.max(box[2], longitude);
    box[3] = Math.max(box[3], latitude);
  };
  for (const point of input.photos) extend(point.longitude, point.latitude);
  if (input.cell) {
    extend(input.cell[0], input.cell[1]);
    extend(input.cell[2], input.cell[3]);
  }
  if (!Number.isFinite(box[0])) return null;
  const midLatitude = (box[1] + box[3]) / 2;
  const cosLat = Math.cos((midLatitude * Math.PI) / 180);
  const metresPerDegreeLat = 111_195;
  const minSpan = (input.minSpanMetres ?? 1500) / metresPerDegreeLat;
  // Degrees of latitude shown, padded by 20 %, at least the minimum span; longitude follows the aspect ratio.
  const spanLat = Math.max((box[3] - box[1]) * 1.4, ((box[2] - box[0]) * cosLat * 1.4 * height) / width, minSpan);
  const spanLon = (spanLat * width) / height / cosLat;
  const centreLon = (box[0] + box[2]) / 2;
  return [centreLon - spanLon / 2, midLatitude - spanLat / 2, centreLon + spanLon / 2, midLatitude + spanLat / 2];
}

export function alertMapSvg(input: AlertMapInput): string {
  const width = input.width ?? 480;
  const height = input.height ?? 320;
  const points = [...input.photos];
  const area = alertMapArea(input);
  if (!area) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height / 4}" role="img"><text x="8" y="20" font-size="13">No position for this alert's photos.</text></svg>`;
  const [west, , , north] = area;
  const spanLon = area[2] - area[0];
  const spanLat = area[3] - area[1];
  const centreLat = (area[1] + area[3]) / 2;
  const x = (longitude: number) => (((longitude - west) / spanLon) * width).toFixed(1);
  const y = (latitude: number) => (((north - latitude) / spanLat) * height).toFixed(1);
  const view: BoundingBox = [west, north - spanLat, west + spanLon, north];
  const overlaps = (b: BoundingBox) => b[0] <= view[2] && b[2] >= view[0] && b[1] <= view[3] && b[3] >= view[1];

  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="#f4f1e8"/>`);
  // Over a park-sized area Web Mercator and this projection differ by far less than a pixel, so the basemap picture fits.
  if (input.background) parts.push(`<image href="${escapeXml(input.background.href)}" x="0" y="0" width="${width}" height="${height}" preserveAspectRatio="none"><title>${escapeXml(input.background.title)}</title></image>`);
  for (const zone of input.zones) {
    if (!overlaps(zone.bbox)) continue;
    const d = polygonsOf(zone.geometry)
      .map((polygon) => polygon.map((ring) => `M${ring.map(([lon, lat]) => `${x(lon!)} ${y(lat!)}`).join('L')}Z`).join(''))
      .join('');
    const style = zone.kind === 'park' ? 'fill="none" stroke="#2f6b2f" stroke-width="2.5"' : 'fill="#cfe3c3" fill-opacity="0.6" stroke="#5a8a4a" stroke-width="1"';
    parts.push(`<path d="${d}" fill-rule="evenodd" ${style}><title>${escapeXml(zone.kind === 'park' ? `Park: ${zone.name}` : zone.name)}</title></path>`);
  }
  if (input.cell) {
    const [cw, cs, ce, cn] = input.cell;
    parts.push(`<rect x="${x(cw)}" y="${y(cn)}" width="${(Number(x(ce)) - Number(x(cw))).toFixed(1)}" height="${(Number(y(cs)) - Number(y(cn))).toFixed(1)}" fill="none" stroke="#b5651d" stroke-dasharray="6 4" stroke-width="1.5"/>`);
  }
  for (const record of input.baseline ?? []) {
    if (!overlaps([record.longitude, record.latitude, record.longitude, record.latitude])) continue;
    parts.push(`<rect x="${(Number(x(record.longitude)) - 3).toFixed(1)}" y="${(Number(y(record.latitude)) - 3).toFixed(1)}" width="6" height="6" fill="#777"><title>${escapeXml(record.label)}</title></rect>`);
  }
  for (const photo of points) {
    parts.push(`<circle cx="${x(photo.longitude)}" cy="${y(photo.latitude)}" r="5" fill="#c0392b" stroke="#fff" stroke-width="1.5"><title>${escapeXml(photo.label)}</title></circle>`);
  }
  // Scale bar: the largest round distance that fits in a quarter of the width.
  const metresAcross = distanceMetres({ latitude: centreLat, longitude: west }, { latitude: centreLat, longitude: west + spanLon });
  const barMetres = [...NICE_DISTANCES].reverse().find((distance) => distance <= metresAcross / 4) ?? NICE_DISTANCES[0]!;
  const barPixels = ((barMetres / metresAcross) * width).toFixed(1);
  const barLabel = barMetres >= 1000 ? `${barMetres / 1000} km` : `${barMetres} m`;
  parts.push(
    `<g transform="translate(12 ${height - 14})"><rect x="-4" y="-16" width="${Number(barPixels) + 60}" height="24" fill="#fff" fill-opacity="0.8"/>` +
      `<path d="M0 0H${barPixels}" stroke="#000" stroke-width="3"/><text x="${Number(barPixels) + 6}" y="4" font-size="11">${barLabel}</text></g>`,
    `<text x="${width - 18}" y="20" font-size="14" font-weight="bold">N</text><path d="M${width - 14} 24v14" stroke="#000" stroke-width="2"/>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" style="border:1px solid #999">${parts.join('')}</svg>`;
}

function polygonsOf(geometry: ZoneGeometry): number[][][][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}
