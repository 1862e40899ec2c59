import type { Db } from './database.js';
import { writeTransaction } from './write-transaction.js';

export interface BaselineRecord {
  species: string;
  latitude: number;
  longitude: number;
  /** ISO date (or date-time) of the past record, when known. */
  observedOn: string | null;
}

/** baseline_records: what was known before the station, so that only truly new places alert. */
export class BaselineStore {
  private readonly insertRecord;
  private readonly all;
  private readonly countAll;

  constructor(private readonly db: Db) {
    this.insertRecord = db.prepare(`
      INSERT INTO baseline_records (species, latitude, longitude, observed_on, source_path, imported_at)
      VALUES (@species, @latitude, @longitude, @observedOn, @sourcePath, @importedAt)
      ON CONFLICT DO NOTHING`);
    this.all = db.prepare<[], { species: string; latitude: number; longitude: number; observed_on: string | null }>(
      'SELECT species, latitude, longitude, observed_on FROM baseline_records ORDER BY species, id',
    );
    this.countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM baseline_records');
  }

  /** Adds records in one transaction; returns how many were new (the same record twice is stored once). */
  add(records: readonly BaselineRecord[], sourcePath: string | null): number {
    const importedAt = new Date().toISOString();
    return writeTransaction(this.db, () => {
      let added = 0;
      for (const record of records) {
        // SQLite UNIQUE treats NULLs as distinct: store an unknown date as '' so duplicates collapse.
        added += this.insertRecord.run({ ...record, observedOn: record.observedOn ?? '', sourcePath, importedAt }).changes;
      }
      return added;
    });
  }

  list(): BaselineRecord[] {
    return this.all.all().map((row) => ({
      species: row.species,
      latitude: row.latitude,
      longitude: row.longitude,
      observedOn: row.observed_on || null,
    }));
  }

  count(): number {
    return this.countAll.get()!.n;
  }
}
