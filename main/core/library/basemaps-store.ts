import type { Db } from './database.js';

export type BasemapFormat = 'mbtiles' | 'pmtiles';
/** Raster tiles (png, jpeg, webp) or Mapbox vector tiles (mvt). */
export type BasemapTileType = 'png' | 'jpeg' | 'webp' | 'mvt';

/** What a basemap file declares, checked when it is added. */
export interface BasemapDescription {
  name: string;
  format: BasemapFormat;
  tileType: BasemapTileType;
  /** [west, south, east, north], WGS84 degrees. */
  bounds: [number, number, number, number];
  minZoom: number;
  maxZoom: number;
  /** Vector basemaps: the source layers the tiles hold (from the file's metadata). */
  vectorLayers: string[] | null;
  attribution: string | null;
}

export interface NewBasemap extends BasemapDescription {
  fileName: string;
  contentHash: string;
  sourcePath: string;
  byteSize: number;
}

export interface BasemapRow extends NewBasemap {
  id: number;
  addedAt: string;
}

interface BasemapRecord {
  id: number;
  name: string;
  format: BasemapFormat;
  tile_type: BasemapTileType;
  file_name: string;
  content_hash: string;
  source_path: string;
  bounds_json: string;
  min_zoom: number;
  max_zoom: number;
  vector_layers_json: string | null;
  attribution: string | null;
  byte_size: number;
  added_at: string;
}

function toRow(record: BasemapRecord): BasemapRow {
  return {
    id: record.id,
    name: record.name,
    format: record.format,
    tileType: record.tile_type,
    fileName: record.file_name,
    contentHash: record.content_hash,
    sourcePath: record.source_path,
    bounds: JSON.parse(record.bounds_json) as BasemapRow['bounds'],
    minZoom: record.min_zoom,
    maxZoom: record.max_zoom,
    vectorLayers: record.vector_layers_json ? (JSON.parse(record.vector_layers_json) as string[]) : null,
    attribution: record.attribution,
    byteSize: record.byte_size,
    addedAt: record.added_at,
  };
}

/** basemaps: the park's map files kept beside the library (the files live in <library>.basemaps/). */
export class BasemapsStore {
  private readonly insertRow;
  private readonly all;
  private readonly byId;
  private readonly byHash;
  private readonly deleteRow;

  constructor(db: Db) {
    this.insertRow = db.prepare(`
      INSERT INTO basemaps (name, format, tile_type, file_name, content_hash, source_path, bounds_json, min_zoom, max_zoom,
                            vector_layers_json, attribution, byte_size, added_at)
      VALUES (@name, @format, @tileType, @fileName, @contentHash, @sourcePath, @boundsJson, @minZoom, @maxZoom,
              @vectorLayersJson, @attribution, @byteSize, @addedAt)`);
    this.all = db.prepare<[], BasemapRecord>('SELECT * FROM basemaps ORDER BY id');
    this.byId = db.prepare<[number], BasemapRecord>('SELECT * FROM basemaps WHERE id = ?');
    this.byHash = db.prepare<[string], BasemapRecord>('SELECT * FROM basemaps WHERE content_hash = ?');
    this.deleteRow = db.prepare('DELETE FROM basemaps WHERE id = ?');
  }

  insert(basemap: NewBasemap): BasemapRow {
    const { bounds, vectorLayers, ...rest } = basemap;
    const result = this.insertRow.run({
      ...rest,
      boundsJson: JSON.stringify(bounds),
      vectorLayersJson: vectorLayers ? JSON.stringify(vectorLayers) : null,
      addedAt: new Date().toISOString(),
    });
    return this.get(Number(result.lastInsertRowid))!;
  }

  list(): BasemapRow[] {
    return this.all.all().map(toRow);
  }

  get(id: number): BasemapRow | null {
    const record = this.byId.get(id);
    return record ? toRow(record) : null;
  }

  findByHash(contentHash: string): BasemapRow | null {
    const record = this.byHash.get(contentHash);
    return record ? toRow(record) : null;
  }

  remove(id: number): boolean {
    return this.deleteRow.run(id).changes > 0;
  }
}
