import type { BasemapDescription, BasemapRow, BasemapTileType } from '../library/index.js';

/** A basemap as listed: its row, and whether its file can be drawn now (it may be gone since). */
export interface BasemapStatus extends BasemapRow {
  available: boolean;
  /** Why it cannot be drawn (file gone, unreadable); null when available. */
  problem: string | null;
}

/** One tile's bytes, ready to send to MapLibre (vector tiles already un-gzipped). */
export interface TileBytes {
  bytes: Buffer;
  contentType: string;
}

/** An open MBTiles or PMTiles file: what it declares, and its tiles by z/x/y (XYZ scheme). */
export interface TileArchive {
  description: BasemapDescription;
  /** null when the archive has no tile there (outside its area or zooms). */
  readTile(z: number, x: number, y: number): Promise<TileBytes | null>;
  close(): Promise<void>;
}

export const TILE_CONTENT_TYPES: Record<BasemapTileType, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  mvt: 'application/x-protobuf',
};

/** Map projections a web-mercator tile archive may declare; anything else cannot be drawn by the map. */
const WEB_MERCATOR_NAMES = new Set(['epsg:3857', 'epsg:900913', 'epsg:3785', 'mercator', 'web mercator', 'webmercator', 'spherical mercator', 'google']);

export function isWebMercator(declared: string): boolean {
  const name = declared.trim().toLowerCase().replace(/^urn:ogc:def:crs:epsg::/, 'epsg:');
  return WEB_MERCATOR_NAMES.has(name) || name.includes('3857') || name.includes('900913') || name.includes('pseudo-mercator');
}

/** Bounds are usable when they are finite, inside WGS84, and enclose some area. */
export function usableBounds(bounds: readonly number[] | null | undefined): bounds is [number, number, number, number] {
  if (!bounds || bounds.length !== 4 || !bounds.every(Number.isFinite)) return false;
  const [west, south, east, north] = bounds as [number, number, number, number];
  return west >= -180 && east <= 180 && south >= -85.06 - 1e-6 && north <= 85.06 + 1e-6 && west < east && south < north;
}
