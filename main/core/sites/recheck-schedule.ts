import { StationError } from '../errors.js';
import type { Library } from '../library/index.js';

/** Years after the last treatment at which a clean re-check is required, unless a species has its own. */
export const DEFAULT_RECHECK_YEARS: readonly number[] = [1, 2, 5];

/** The station setting that holds the schedules (kept in the library, so they travel with it). */
export const RECHECK_SCHEDULE_KEY = 'sites.recheckYears';

export interface RecheckSchedules {
  default: number[];
  bySpecies: Record<string, number[]>;
}

/** A schedule must be positive years in increasing order (0.5 = six months); negative or unordered ones are refused. */
export function checkRecheckYears(years: readonly unknown[], what: string): number[] {
  if (years.length === 0) throw new StationError('INVALID_ARGUMENT', `${what}: give at least one re-check, in years after the treatment (e.g. 1,2,5).`);
  const checked = years.map((value) => {
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0) {
      throw new StationError('INVALID_ARGUMENT', `${what}: ${JSON.stringify(value)} is not a positive number of years; intervals cannot be negative or zero.`);
    }
    return number;
  });
  for (let i = 1; i < checked.length; i++) {
    if (checked[i]! <= checked[i - 1]!) throw new StationError('INVALID_ARGUMENT', `${what}: re-checks must come in increasing order (got ${checked.join(',')}).`);
  }
  return checked;
}

export function readSchedules(library: Library): RecheckSchedules {
  const stored = library.stationSettings.values()[RECHECK_SCHEDULE_KEY] as Partial<RecheckSchedules> | undefined;
  return { default: stored?.default ?? [...DEFAULT_RECHECK_YEARS], bySpecies: stored?.bySpecies ?? {} };
}

export function recheckYearsFor(library: Library, species: string): number[] {
  const schedules = readSchedules(library);
  return schedules.bySpecies[species] ?? schedules.default;
}

/** Sets the default schedule (species undefined) or one species' schedule; nothing is stored when it is invalid. */
export function setRecheckYears(library: Library, years: readonly unknown[], species?: string, by: string | null = null): RecheckSchedules {
  const checked = checkRecheckYears(years, species ? `The re-check schedule of ${species}` : 'The re-check schedule');
  const schedules = readSchedules(library);
  if (species) schedules.bySpecies[species] = checked;
  else schedules.default = checked;
  library.stationSettings.set(RECHECK_SCHEDULE_KEY, schedules, by);
  return schedules;
}
