import type { Db } from './database.js';

/**
 * What the rangers say about one species: on the watch list (an invasive to look out for)
 * or not, how urgent its alerts are, the least model score that may alert, alerts on or off,
 * and whether it can occur in this park at all (a class that cannot is flagged for review and
 * never alerts on a prediction alone).
 */
export interface SpeciesEntry {
  species: string;
  watchList: boolean;
  /** 1 (most urgent) to 5. */
  priority: number;
  /** Least prediction score that may raise an alert; null: the station's default. */
  minScore: number | null;
  alertsOn: boolean;
  canOccur: boolean;
  note: string | null;
  updatedBy: string | null;
  updatedAt: string;
}

export type NewSpeciesEntry = Omit<SpeciesEntry, 'updatedBy' | 'updatedAt'>;

interface SpeciesRecord {
  species: string;
  watch_list: number;
  priority: number;
  min_score: number | null;
  alerts_on: number;
  can_occur: number;
  note: string | null;
  updated_by: string | null;
  updated_at: string;
}

function toEntry(record: SpeciesRecord): SpeciesEntry {
  return {
    species: record.species,
    watchList: record.watch_list === 1,
    priority: record.priority,
    minScore: record.min_score,
    alertsOn: record.alerts_on === 1,
    canOccur: record.can_occur === 1,
    note: record.note,
    updatedBy: record.updated_by,
    updatedAt: record.updated_at,
  };
}

/** species_list: the watch list and the park's species list, one row per species. */
export class SpeciesListStore {
  private readonly all;
  private readonly one;
  private readonly upsert;
  private readonly remove;

  constructor(private readonly db: Db) {
    this.all = db.prepare<[], SpeciesRecord>('SELECT * FROM species_list ORDER BY species');
    this.one = db.prepare<[string], SpeciesRecord>('SELECT * FROM species_list WHERE species = ?');
    this.upsert = db.prepare(`
      INSERT INTO species_list (species, watch_list, priority, min_score, alerts_on, can_occur, note, updated_by, updated_at)
      VALUES (@species, @watchList, @priority, @minScore, @alertsOn, @canOccur, @note, @by, @at)
      ON CONFLICT (species) DO UPDATE SET watch_list = excluded.watch_list, priority = excluded.priority,
        min_score = excluded.min_score, alerts_on = excluded.alerts_on, can_occur = excluded.can_occur,
        note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.remove = db.prepare('DELETE FROM species_list WHERE species = ?');
  }

  list(): SpeciesEntry[] {
    return this.all.all().map(toEntry);
  }

  get(species: string): SpeciesEntry | null {
    const record = this.one.get(species);
    return record ? toEntry(record) : null;
  }

  /** Stores entries in one transaction (all or none); `replace` first forgets every other species. */
  save(entries: readonly NewSpeciesEntry[], by: string | null, options: { replace?: boolean } = {}): SpeciesEntry[] {
    const at = new Date().toISOString();
    return this.db.transaction(() => {
      if (options.replace) this.db.prepare('DELETE FROM species_list').run();
      for (const entry of entries) {
        this.upsert.run({
          species: entry.species,
          watchList: entry.watchList ? 1 : 0,
          priority: entry.priority,
          minScore: entry.minScore,
          alertsOn: entry.alertsOn ? 1 : 0,
          canOccur: entry.canOccur ? 1 : 0,
          note: entry.note,
          by,
          at,
        });
      }
      return entries.map((entry) => this.get(entry.species)!);
    }).immediate();
  }

  delete(species: string): boolean {
    return this.remove.run(species).changes > 0;
  }
}
