import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { StationError, errorMessage } from '../errors.js';
import type { BasemapTileType } from '../library/index.js';
import { TILE_CONTENT_TYPES, type TileArchive, isWebMercator, usableBounds } from './tile-archive.js';

const FORMAT_NAMES: Record<string, BasemapTileType> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg', webp: 'webp', pbf: 'mvt', mvt: 'mvt' };

function parseVectorLayers(json: string | undefined): string[] | null {
  if (!json) return null;
  try {
    const layers = (JSON.parse(json) as { vector_layers?: { id?: unknown }[] }).vector_layers ?? [];
    return layers.map((layer) => layer.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return null;
  }
}

/**
 * An MBTiles file (SQLite, spec 1.3): `metadata(name, value)` and `tiles(zoom_level,
 * tile_column, tile_row, tile_data)` with rows counted from the south (TMS). Opened read-only;
 * every declaration the map depends on is checked here, so a bad file is refused when added.
 */
export function openMbtilesArchive(file: string, label = file): TileArchive {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
  } catch (error) {
    throw new StationError('BASEMAP_INVALID', `"${label}" cannot be opened as MBTiles (${errorMessage(error)}); choose the park's .mbtiles or .pmtiles file.`);
  }
  try {
    let metadata: Map<string, string>;
    try {
      metadata = new Map(db.prepare<[], { name: string; value: string }>('SELECT name, value FROM metadata').all().map((row) => [row.name, row.value]));
      db.prepare('SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 0').all();
    } catch (error) {
      throw new StationError('BASEMAP_INVALID', `"${label}" is an SQLite file but not MBTiles (${errorMessage(error)}): it needs the metadata and tiles tables.`);
    }
    const projection = metadata.get('srs') ?? metadata.get('crs') ?? metadata.get('projection') ?? metadata.get('proj');
    if (projection !== undefined && !isWebMercator(projection)) {
      throw new StationError('BASEMAP_INVALID', `"${label}" declares the projection "${projection}"; the map draws Web Mercator (EPSG:3857) tiles only: export the basemap in EPSG:3857.`);
    }
    const formatName = (metadata.get('format') ?? '').toLowerCase();
    const tileType = FORMAT_NAMES[formatName];
    if (!tileType) {
      throw new StationError('BASEMAP_INVALID', `"${label}" declares tile format "${formatName || '(none)'}"; supported: png, jpg, webp, pbf.`);
    }
    const bounds = (metadata.get('bounds') ?? '').split(',').map((part) => Number(part.trim()));
    if (!usableBounds(bounds)) {
      throw new StationError(
        'BASEMAP_INVALID',
        `"${label}" declares no usable bounds (metadata "bounds" is "${metadata.get('bounds') ?? ''}"); the map needs west,south,east,north in WGS84 degrees to fit the park.`,
      );
    }
    const zooms = db.prepare<[], { min: number | null; max: number | null }>('SELECT min(zoom_level) AS min, max(zoom_level) AS max FROM tiles').get()!;
    if (zooms.min === null || zooms.max === null) throw new StationError('BASEMAP_INVALID', `"${label}" holds no tiles.`);
    const tileAt = db.prepare<[number, number, number], { tile_data: Buffer }>('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
    const contentType = TILE_CONTENT_TYPES[tileType];
    return {
      description: {
        name: metadata.get('name')?.trim() || label,
        format: 'mbtiles',
        tileType,
        bounds,
        minZoom: Number(metadata.get('minzoom') ?? zooms.min) || zooms.min,
        maxZoom: Number(metadata.get('maxzoom') ?? zooms.max) || zooms.max,
        vectorLayers: tileType === 'mvt' ? parseVectorLayers(metadata.get('json')) : null,
        attribution: metadata.get('attribution') ?? null,
      },
      async readTile(z, x, y) {
        const row = tileAt.get(z, x, (1 << z) - 1 - y);
        if (!row) return null;
        // Vector tiles are stored gzipped by most tools; the browser gets them plain.
        const bytes = tileType === 'mvt' && row.tile_data[0] === 0x1f && row.tile_data[1] === 0x8b ? zlib.gunzipSync(row.tile_data) : row.tile_data;
        return { bytes, contentType };
      },
      async close() {
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
