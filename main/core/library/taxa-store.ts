import type { Db } from './database.js';
import { writeTransaction } from './write-transaction.js';

/** A model class as a taxon, for Darwin Core. */
export interface TaxonMapping {
  /** The class name as the model says it. */
  label: string;
  scientificName: string;
  kingdom: string | null;
  taxonRank: string | null;
  vernacularName: string | null;
}

/** taxa: the class-to-taxon mapping loaded from a CSV. */
export class TaxaStore {
  constructor(private readonly db: Db) {}

  list(): TaxonMapping[] {
    return this.db
      .prepare<[], { label: string; scientific_name: string; kingdom: string | null; taxon_rank: string | null; vernacular_name: string | null }>(
        'SELECT label, scientific_name, kingdom, taxon_rank, vernacular_name FROM taxa ORDER BY label',
      )
      .all()
      .map((row) => ({ label: row.label, scientificName: row.scientific_name, kingdom: row.kingdom, taxonRank: row.taxon_rank, vernacularName: row.vernacular_name }));
  }

  byLabel(): Map<string, TaxonMapping> {
    return new Map(this.list().map((taxon) => [taxon.label, taxon]));
  }

  /** Adds or replaces these classes' mappings, all in one transaction (a bad file changes nothing). */
  save(mappings: readonly TaxonMapping[], sourcePath: string | null): void {
    const upsert = this.db.prepare(`
      INSERT INTO taxa (label, scientific_name, kingdom, taxon_rank, vernacular_name, source_path, loaded_at)
      VALUES (@label, @scientificName, @kingdom, @taxonRank, @vernacularName, @sourcePath, @loadedAt)
      ON CONFLICT (label) DO UPDATE SET scientific_name = excluded.scientific_name, kingdom = excluded.kingdom,
        taxon_rank = excluded.taxon_rank, vernacular_name = excluded.vernacular_name, source_path = excluded.source_path, loaded_at = excluded.loaded_at`);
    const loadedAt = new Date().toISOString();
    writeTransaction(this.db, () => {
      for (const mapping of mappings) upsert.run({ ...mapping, sourcePath, loadedAt });
    });
  }
}
