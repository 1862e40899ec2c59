import type { Db } from './database.js';
import type { EventLog } from './event-log.js';
import { writeTransaction } from './write-transaction.js';
import { SPECIES_LIST_ENTITY } from './species-list-events.js';
import { latestStanding, supersedesNow } from './superseding-events.js';

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

/**
 * species_list: the watch list and the park's species list, one row per species; each row is
 * the projection of the species' 'species-list' events (species-list-events.ts).
 */
export class SpeciesListStore {
  private readonly all;
  private readonly one;
  private readonly upsert;
  private readonly remove;

  constructor(
    private readonly db: Db,
    private readonly events: EventLog,
  ) {
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
    const occurredAt = new Date().toISOString();
    return writeTransaction(this.db, () => {
      if (options.replace) {
        const kept = new Set(entries.map((entry) => entry.species));
        for (const record of this.all.all()) if (!kept.has(record.species)) this.change(record.species, 'removed', {}, by, occurredAt);
      }
      for (const entry of entries) {
        const { species, watchList, priority, minScore, alertsOn, canOccur, note } = entry;
        this.change(species, 'saved', { watchList, priority, minScore, alertsOn, canOccur, note }, by, occurredAt);
      }
      return entries.map((entry) => this.get(entry.species)!);
    });
  }

  /** Takes a species off the list; `by`: the ranger. */
  delete(species: string, by: string | null = null): boolean {
    if (!this.one.get(species)) return false;
    writeTransaction(this.db, () => this.change(species, 'removed', {}, by, new Date().toISOString()));
    return true;
  }

  private change(species: string, action: 'saved' | 'removed', payload: Record<string, unknown>, by: string | null, occurredAt: string): void {
    const supersedes = supersedesNow(this.events.history(SPECIES_LIST_ENTITY, species));
    this.events.append({ entityType: SPECIES_LIST_ENTITY, entityId: species, action, payload: { ...payload, supersedes }, ranger: by, occurredAt });
    this.refold(species);
  }

  /** Recomputes one species' entry from its events (after a merge brought new ones): the latest standing change wins. */
  refold(species: string): void {
    const latest = latestStanding(this.events.history(SPECIES_LIST_ENTITY, species));
    if (!latest || latest.action !== 'saved') {
      this.remove.run(species);
      return;
    }
    const p = latest.payload;
    this.upsert.run({
      species,
      watchList: p.watchList ? 1 : 0,
      priority: p.priority,
      minScore: (p.minScore as number | null) ?? null,
      alertsOn: p.alertsOn ? 1 : 0,
      canOccur: p.canOccur ? 1 : 0,
      note: (p.note as string | null) ?? null,
      by: latest.ranger,
      at: latest.occurredAt,
    });
  }
}
