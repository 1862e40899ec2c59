import { parse } from 'csv-parse/sync';
import { StationError } from '../errors.js';
import type { Library, ModelRow, TaxonMapping } from '../library/index.js';
import { readTextFile } from './read-text-file.js';

/** The kingdoms GBIF's backbone uses. */
export const KINGDOMS = ['Animalia', 'Archaea', 'Bacteria', 'Chromista', 'Fungi', 'Plantae', 'Protozoa', 'Viruses'] as const;
/** Ranks of GBIF's taxonRank vocabulary a model class can stand for. */
export const TAXON_RANKS = ['kingdom', 'phylum', 'class', 'order', 'family', 'genus', 'species', 'subspecies', 'variety', 'form'] as const;

/** The taxon a model class stands for in Darwin Core. */
export interface ResolvedTaxon {
  scientificName: string;
  kingdom: string | null;
  taxonRank: string | null;
  /** 'mapping': from the loaded CSV; 'label': the class name is itself a scientific name (DEEP-OC). */
  from: 'mapping' | 'label';
}

/** "Genus", "Genus species" or "Genus species subsp." written as a scientific name (spaces or underscores). */
const SCIENTIFIC_NAME = /^([A-Z][a-z]+(?:-[a-z]+)?)(?:[ _]+(?:x[ _]+)?([a-z][a-z-]+))?(?:[ _]+(?:subsp\.|var\.|f\.)?[ _]*([a-z][a-z-]+))?$/;

/**
 * The taxon of a model class: the loaded mapping when there is one, else the class name when
 * it reads as a scientific name (DEEP-OC's classes do: "Ailanthus altissima"), else null (a
 * class like "roses" cannot go to GBIF without a mapping).
 */
export function resolveTaxon(label: string, mappings: ReadonlyMap<string, TaxonMapping>, defaultKingdom: string | null): ResolvedTaxon | null {
  const mapped = mappings.get(label);
  if (mapped) return { scientificName: mapped.scientificName, kingdom: mapped.kingdom ?? defaultKingdom, taxonRank: mapped.taxonRank, from: 'mapping' };
  const match = SCIENTIFIC_NAME.exec(label.trim());
  if (!match) return null;
  const scientificName = label.trim().replace(/_+/g, ' ').replace(/\s+/g, ' ');
  const taxonRank = match[3] ? 'subspecies' : match[2] ? 'species' : 'genus';
  return { scientificName, kingdom: defaultKingdom, taxonRank, from: 'label' };
}

function invalid(source: string, what: string): StationError {
  return new StationError('TAXON_MAPPING_INVALID', `${source}: ${what}`);
}

function column(record: Record<string, string>, names: readonly string[]): string | null {
  for (const [key, value] of Object.entries(record)) {
    if (names.includes(key.trim().toLowerCase())) return value.trim() === '' ? null : value.trim();
  }
  return null;
}

/**
 * A class-to-taxon mapping CSV: header `class,scientificName,kingdom,taxonRank[,vernacularName]`
 * (`label` works for `class`). Every row is checked; the first problem is reported with its line.
 */
export function parseTaxonMappingCsv(text: string, source: string): TaxonMapping[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw invalid(source, `not a readable CSV (${(error as Error).message}).`);
  }
  if (rows.length === 0) throw invalid(source, 'no rows: expected a header "class,scientificName,kingdom,taxonRank" and one row per class.');
  const seen = new Set<string>();
  return rows.map((row, index) => {
    const where = `line ${index + 2}`;
    const label = column(row, ['class', 'label']);
    const scientificName = column(row, ['scientificname', 'scientific_name']);
    if (!label) throw invalid(source, `${where} has no class (a "class" column naming the model's class).`);
    if (!scientificName) throw invalid(source, `${where} (class "${label}") has no scientificName.`);
    if (seen.has(label)) throw invalid(source, `${where}: class "${label}" is mapped twice.`);
    seen.add(label);
    const kingdom = column(row, ['kingdom']);
    if (kingdom && !(KINGDOMS as readonly string[]).includes(kingdom)) throw invalid(source, `${where}: kingdom "${kingdom}" is not one of ${KINGDOMS.join(', ')}.`);
    const rank = column(row, ['taxonrank', 'taxon_rank', 'rank'])?.toLowerCase() ?? null;
    if (rank && !(TAXON_RANKS as readonly string[]).includes(rank)) throw invalid(source, `${where}: taxonRank "${rank}" is not one of ${TAXON_RANKS.join(', ')}.`);
    return { label, scientificName, kingdom, taxonRank: rank, vernacularName: column(row, ['vernacularname', 'vernacular_name', 'common_name']) };
  });
}

/**
 * Loads a mapping CSV for a model's classes (the active model unless one is given) and the
 * species names rangers gave in corrections. A class that is neither is refused, naming every
 * such class, and nothing is stored; rows
 * for classes already mapped replace them, other mappings are kept.
 */
export function loadTaxonMapping(library: Library, filePath: string, model: ModelRow | null = library.models.active()): { loaded: number; model: ModelRow } {
  const { resolved, text } = readTextFile(filePath);
  if (!model) throw invalid(resolved, 'no model to check the classes against: add and activate one first (invasives models add / use), or give --model.');
  const mappings = parseTaxonMappingCsv(text, resolved);
  // The model's classes, and the names rangers typed when correcting a photo (those occur in exports too).
  const labels = new Set([...model.labels, ...library.reviews.speciesNames()]);
  const unknown = mappings.filter((mapping) => !labels.has(mapping.label)).map((mapping) => `"${mapping.label}"`);
  if (unknown.length > 0) {
    throw invalid(
      resolved,
      `${unknown.length} class${unknown.length > 1 ? 'es are' : ' is'} not in model ${model.name} ${model.version}: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''} ` +
        `(nor a species name a ranger gave). Its classes are listed by 'invasives models show ${model.id}'. Nothing was loaded.`,
    );
  }
  library.taxa.save(mappings, resolved);
  return { loaded: mappings.length, model };
}
