import type { Db } from './database.js';
import { writeTransaction } from './write-transaction.js';

/** dataset_settings: the published dataset's metadata, as text values by key. */
export class DatasetSettingsStore {
  constructor(private readonly db: Db) {}

  all(): Record<string, string> {
    const values: Record<string, string> = {};
    for (const row of this.db.prepare<[], { key: string; value: string }>('SELECT key, value FROM dataset_settings').all()) values[row.key] = row.value;
    return values;
  }

  /** Sets (or, with null, clears) each given key, in one transaction. */
  update(values: Record<string, string | null>): void {
    const set = this.db.prepare('INSERT INTO dataset_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const clear = this.db.prepare('DELETE FROM dataset_settings WHERE key = ?');
    writeTransaction(this.db, () => {
      for (const [key, value] of Object.entries(values)) {
        if (value === null) clear.run(key);
        else set.run(key, value);
      }
    });
  }
}
