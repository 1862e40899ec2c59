import { parse } from 'csv-parse/sync';
import { StationError } from '../errors.js';
import type { BaselineRecord, Library } from '../library/index.js';
import { readTextFile } from './read-text-file.js';

/** Accepted column (or GeoJSON property) names, Darwin Core names included, matched case-insensitively. */
const SPECIES_NAMES = ['species', 'scientificname', 'taxon', 'name'];
const LATITUDE_NAMES = ['latitude', 'decimallatitude', 'lat', 'y'];
const LONGITUDE_NAMES = ['longitude', 'decimallongitude', 'lon', 'lng', 'long', 'x'];
const DATE_NAMES = ['date', 'eventdate', 'observed_on', 'observedon', 'observed'];

/** Geometry type names a message may repeat (anything else in the file is never quoted). */
const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection'];

function invalid(source: string, what: string): StationError {
  return new StationError('BASELINE_INVALID', `${source}: ${what}`);
}

function pick(record: Record<string, unknown>, names: readonly string[]): unknown {
  for (const [key, value] of Object.entries(record)) {
    if (names.includes(key.trim().toLowerCase())) return value;
  }
  return undefined;
}

function toRecord(species: unknown, latitude: unknown, longitude: unknown, date: unknown, where: string, source: string): BaselineRecord {
  const name = typeof species === 'string' ? species.trim() : '';
  if (!name) throw invalid(source, `${where} has no species (a "species" or "scientificName" value).`);
  const lat = typeof latitude === 'number' ? latitude : Number(String(latitude ?? '').trim() || NaN);
  const lon = typeof longitude === 'number' ? longitude : Number(String(longitude ?? '').trim() || NaN);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    throw invalid(source, `${where} has no WGS84 decimal latitude/longitude.`);
  }
  const observedOn = typeof date === 'string' && date.trim() ? date.trim() : null;
  if (observedOn && !/^\d{4}(-\d{2}(-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)?)?$/.test(observedOn)) {
    throw invalid(source, `${where} has a date that is not an ISO date like 2019-06-30.`);
  }
  return { species: name, latitude: lat, longitude: lon, observedOn };
}

/** Past records from CSV (header row: species, latitude, longitude[, date]; Darwin Core names work too). */
export function parseBaselineCsv(text: string, source: string): BaselineRecord[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (error) {
    // csv-parse's messages may quote the text; only the line number is repeated.
    const line = (error as { lines?: number }).lines;
    throw invalid(source, `not a readable CSV file${line ? ` (line ${line})` : ''}; save it as comma-separated UTF-8.`);
  }
  if (rows.length === 0) throw invalid(source, 'no records (expected a header row and one row per record).');
  const header = Object.keys(rows[0]!);
  for (const [what, names] of [['species', SPECIES_NAMES], ['latitude', LATITUDE_NAMES], ['longitude', LONGITUDE_NAMES]] as const) {
    if (!header.some((column) => names.includes(column.trim().toLowerCase()))) {
      throw invalid(source, `no ${what} column among its ${header.length} columns; name it one of ${names.join(', ')}.`);
    }
  }
  // Line numbers count the header as line 1.
  return rows.map((row, index) =>
    toRecord(pick(row, SPECIES_NAMES), pick(row, LATITUDE_NAMES), pick(row, LONGITUDE_NAMES), pick(row, DATE_NAMES), `line ${index + 2}`, source),
  );
}

/** Past records from a GeoJSON FeatureCollection of Point features with a species property. */
export function parseBaselineGeoJson(text: string, source: string): BaselineRecord[] {
  let document: { type?: unknown; features?: unknown };
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    throw invalid(source, 'not valid JSON; save the past records as GeoJSON or CSV (UTF-8).');
  }
  if (document?.type !== 'FeatureCollection' || !Array.isArray(document.features)) {
    throw invalid(source, 'expected a GeoJSON FeatureCollection of Point features.');
  }
  const records: BaselineRecord[] = [];
  (document.features as { geometry?: { type?: string; coordinates?: unknown }; properties?: Record<string, unknown> }[]).forEach((feature, index) => {
    const geometry = feature?.geometry;
    const points =
      geometry?.type === 'Point' ? [geometry.coordinates] : geometry?.type === 'MultiPoint' && Array.isArray(geometry.coordinates) ? geometry.coordinates : null;
    if (!points) throw invalid(source, `feature ${index} is ${GEOMETRY_TYPES.includes(geometry?.type ?? '') ? `a ${geometry!.type}` : 'a feature without a GeoJSON geometry'}; past records must be Point features.`);
    const properties = feature.properties ?? {};
    for (const point of points as unknown[]) {
      const [longitude, latitude] = Array.isArray(point) ? point : [];
      records.push(toRecord(pick(properties, SPECIES_NAMES), latitude, longitude, pick(properties, DATE_NAMES), `feature ${index}`, source));
    }
  });
  if (records.length === 0) throw invalid(source, 'no records.');
  return records;
}

/** Imports a baseline file (.csv, or .geojson/.json); returns how many records it holds and how many were new. */
export function importBaselineFile(library: Library, filePath: string): { records: number; added: number } {
  const { resolved, text } = readTextFile(filePath, 'a baseline file');
  return addBaselineText(library, text, resolved);
}

/** Past records from a file's text (GeoJSON when named .geojson/.json or starting with "{", CSV otherwise); `source` names the file. */
export function addBaselineText(library: Library, text: string, source: string): { records: number; added: number } {
  const records = /\.(geo)?json$/i.test(source) || /^\s*\{/.test(text) ? parseBaselineGeoJson(text, source) : parseBaselineCsv(text, source);
  return { records: records.length, added: library.baseline.add(records, source) };
}
