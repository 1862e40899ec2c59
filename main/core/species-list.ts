/**
 * The watch list and the park's species list as rangers edit them: checked entries (every
 * species must be one the station knows, unless the ranger says it is new on purpose), and
 * their CSV form for import and export. A bad file is refused whole: nothing stored is lost.
 */
import { parse } from 'csv-parse/sync';
import { StationError } from './errors.js';
import { csvRow } from './geo/export-csv.js';
import type { Library, NewSpeciesEntry, SpeciesEntry } from './library/index.js';

export const SPECIES_LIST_COLUMNS = ['species', 'watch_list', 'priority', 'min_score', 'alerts', 'can_occur', 'note'] as const;

/** Every species name the station knows: its models' classes, the rangers' reviews, the baseline. */
export function knownSpeciesNames(library: Library): Set<string> {
  const names = new Set<string>();
  for (const model of library.models.list()) for (const label of model.labels) names.add(label);
  for (const name of library.reviews.speciesNames()) names.add(name);
  for (const record of library.baseline.list()) names.add(record.species);
  return names;
}

function suggestions(name: string, known: Iterable<string>): string[] {
  const lower = name.toLowerCase();
  const genus = lower.split(/\s+/)[0] ?? lower;
  return [...known].filter((k) => k.toLowerCase() === lower || k.toLowerCase().startsWith(`${genus} `) || k.toLowerCase().includes(lower)).slice(0, 3);
}

export interface SaveSpeciesOptions {
  /** Accept species the station does not know yet (a watch-list invader no model names). */
  allowNewSpecies?: boolean;
  /** Replace the whole list instead of adding to it. */
  replace?: boolean;
  by?: string | null;
  /** Names the file in error messages. */
  source?: string;
}

/** Checks entries and stores them in one transaction; unknown species refuse the whole batch. */
export function saveSpeciesEntries(library: Library, entries: readonly NewSpeciesEntry[], options: SaveSpeciesOptions = {}): SpeciesEntry[] {
  const where = options.source ? `${options.source}: ` : '';
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.species)) throw new StationError('SPECIES_LIST_INVALID', `${where}"${entry.species}" is listed twice; keep one row per species. Nothing was stored.`);
    seen.add(entry.species);
  }
  if (!options.allowNewSpecies) {
    const known = knownSpeciesNames(library);
    const unknown = entries.filter((entry) => !known.has(entry.species));
    if (unknown.length) {
      const described = unknown.slice(0, 10).map((entry) => {
        const near = suggestions(entry.species, known);
        return `"${entry.species}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : ''}`;
      });
      throw new StationError(
        'SPECIES_LIST_INVALID',
        `${where}${unknown.length} unknown species: ${described.join(', ')}${unknown.length > 10 ? ', …' : ''}. ` +
          'No model, review or baseline record names them: fix the spelling, or pass --allow-new-species (UI: "species not known yet") if the list names them on purpose. Nothing was stored.',
      );
    }
  }
  return library.speciesList.save(entries, options.by ?? null, { replace: options.replace });
}

const YES = new Set(['yes', 'y', 'true', '1', 'on', 'x']);
const NO = new Set(['no', 'n', 'false', '0', 'off', '']);

function flag(value: string, column: string, line: string, fallback: boolean): boolean {
  const text = value.trim().toLowerCase();
  if (text === '') return fallback;
  if (YES.has(text)) return true;
  if (NO.has(text)) return false;
  throw new StationError('SPECIES_LIST_INVALID', `${line}: ${column} is "${value}"; write yes or no.`);
}

/** Parses a species-list CSV (header row; only `species` is required). Every row is checked; the first problem is reported with its line. */
export function parseSpeciesListCsv(text: string, source: string): NewSpeciesEntry[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true });
  } catch (error) {
    throw new StationError('SPECIES_LIST_INVALID', `${source} is not a readable CSV file: ${(error as Error).message}`);
  }
  if (rows.length === 0) throw new StationError('SPECIES_LIST_INVALID', `${source} has no rows; the header is ${SPECIES_LIST_COLUMNS.join(',')}.`);
  const columns = Object.keys(rows[0]!);
  if (!columns.includes('species')) throw new StationError('SPECIES_LIST_INVALID', `${source} has no "species" column; the header is ${SPECIES_LIST_COLUMNS.join(',')}.`);
  const foreign = columns.filter((column) => !(SPECIES_LIST_COLUMNS as readonly string[]).includes(column));
  if (foreign.length) throw new StationError('SPECIES_LIST_INVALID', `${source}: unknown column(s) ${foreign.map((c) => `"${c}"`).join(', ')}; the columns are ${SPECIES_LIST_COLUMNS.join(', ')}.`);
  return rows.map((row, index) => {
    const line = `${source} line ${index + 2}`;
    const species = (row.species ?? '').trim();
    if (!species) throw new StationError('SPECIES_LIST_INVALID', `${line} has no species name.`);
    const priorityText = (row.priority ?? '').trim();
    const priority = priorityText === '' ? 3 : Number(priorityText);
    if (!Number.isInteger(priority) || priority < 1 || priority > 5) throw new StationError('SPECIES_LIST_INVALID', `${line}: priority is "${priorityText}"; write 1 (most urgent) to 5.`);
    const minText = (row.min_score ?? '').trim();
    const minScore = minText === '' ? null : Number(minText);
    if (minScore !== null && !(minScore >= 0 && minScore <= 1)) throw new StationError('SPECIES_LIST_INVALID', `${line}: min_score is "${minText}"; write a score from 0 to 1, or leave it empty for the station default.`);
    return {
      species,
      watchList: flag(row.watch_list ?? '', 'watch_list', line, false),
      priority,
      minScore,
      alertsOn: flag(row.alerts ?? '', 'alerts', line, true),
      canOccur: flag(row.can_occur ?? '', 'can_occur', line, true),
      note: (row.note ?? '').trim() || null,
    };
  });
}

/** The list as CSV (the same columns the import reads), RFC 4180 with CRLF. */
export function speciesListCsv(entries: readonly SpeciesEntry[]): string {
  const rows = entries.map((entry) => [
    entry.species,
    entry.watchList ? 'yes' : 'no',
    entry.priority,
    entry.minScore ?? '',
    entry.alertsOn ? 'on' : 'off',
    entry.canOccur ? 'yes' : 'no',
    entry.note ?? '',
  ]);
  // Through the one CSV writer: every text field quoted, formula starts neutralised.
  return [[...SPECIES_LIST_COLUMNS], ...rows].map((row) => csvRow(row)).join('');
}
