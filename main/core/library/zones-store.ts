import type { Db } from './database.js';
import { writeTransaction } from './write-transaction.js';

export type ZoneKind = 'park' | 'zone';

/** GeoJSON Polygon or MultiPolygon geometry, WGS84 [longitude, latitude]. */
export type ZoneGeometry =
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] };

/** [west, south, east, north] */
export type BoundingBox = [number, number, number, number];

export interface NewZone {
  kind: ZoneKind;
  name: string;
  geometry: ZoneGeometry;
  bbox: BoundingBox;
}

export interface ZoneRow extends NewZone {
  id: number;
  sourcePath: string | null;
  loadedAt: string;
}

interface ZoneRecord {
  id: number;
  kind: ZoneKind;
  name: string;
  geometry_json: string;
  bbox_json: string;
  source_path: string | null;
  loaded_at: string;
}

/** zones: the park boundary and the management zones, as loaded from GeoJSON. */
export class ZonesStore {
  private readonly insertZone;
  private readonly deleteKind;
  private readonly all;

  constructor(private readonly db: Db) {
    this.insertZone = db.prepare(`
      INSERT INTO zones (kind, name, geometry_json, bbox_json, source_path, loaded_at)
      VALUES (@kind, @name, @geometry, @bbox, @sourcePath, @loadedAt)`);
    this.deleteKind = db.prepare('DELETE FROM zones WHERE kind = ?');
    this.all = db.prepare<[], ZoneRecord>('SELECT * FROM zones ORDER BY kind, name, id');
  }

  /** Replaces every zone of `kind` (a new boundary or a new management plan) in one transaction. */
  replace(kind: ZoneKind, zones: NewZone[], sourcePath: string | null): ZoneRow[] {
    const loadedAt = new Date().toISOString();
    writeTransaction(this.db, () => {
      this.deleteKind.run(kind);
      for (const zone of zones) {
        this.insertZone.run({
          kind,
          name: zone.name,
          geometry: JSON.stringify(zone.geometry),
          bbox: JSON.stringify(zone.bbox),
          sourcePath,
          loadedAt,
        });
      }
    });
    return this.list().filter((zone) => zone.kind === kind);
  }

  list(): ZoneRow[] {
    return this.all.all().map((record) => ({
      id: record.id,
      kind: record.kind,
      name: record.name,
      geometry: JSON.parse(record.geometry_json) as ZoneGeometry,
      bbox: JSON.parse(record.bbox_json) as BoundingBox,
      sourcePath: record.source_path,
      loadedAt: record.loaded_at,
    }));
  }
}
