import type { Db } from './database.js';

/** station_settings: settings kept in the library itself (they travel with it), one JSON value per key. */
export class StationSettingsStore {
  private readonly all;
  private readonly upsert;
  private readonly remove;

  constructor(db: Db) {
    this.all = db.prepare<[], { key: string; value_json: string }>('SELECT key, value_json FROM station_settings ORDER BY key');
    this.upsert = db.prepare(`
      INSERT INTO station_settings (key, value_json, updated_by, updated_at) VALUES (@key, @value, @by, @at)
      ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.remove = db.prepare('DELETE FROM station_settings WHERE key = ?');
  }

  /** Every stored value by key (keys never set are absent: their defaults apply). */
  values(): Record<string, unknown> {
    return Object.fromEntries(this.all.all().map((row) => [row.key, JSON.parse(row.value_json) as unknown]));
  }

  set(key: string, value: unknown, by: string | null = null): void {
    this.upsert.run({ key, value: JSON.stringify(value), by, at: new Date().toISOString() });
  }

  /** Back to the default. */
  reset(key: string): void {
    this.remove.run(key);
  }
}
