import { StationError } from '../errors.js';
import type { DarwinCoreResult } from './export-darwin-core.js';

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Why no observation became an occurrence, in words (for an empty archive or Darwin Core file). */
export function whyNoOccurrences(found: Pick<DarwinCoreResult, 'skipped' | 'withoutTaxon'>): string {
  const { skipped, withoutTaxon } = found;
  if (skipped.observations === 0) return 'the library has no observations yet (import and classify photos first)';
  const reasons: string[] = [];
  if (skipped.rejectedOrWithoutSpecies) reasons.push(`${count(skipped.rejectedOrWithoutSpecies, 'is', 'are')} rejected or without a species yet (classify or review the photos)`);
  if (skipped.judgedUnknown) reasons.push(`${count(skipped.judgedUnknown, 'was', 'were')} judged unknown by the model (confirm a species in review)`);
  if (skipped.notConfirmed) reasons.push(`${count(skipped.notConfirmed, 'is', 'are')} not confirmed by a ranger, and only confirmed ones were asked for`);
  for (const [label, n] of Object.entries(withoutTaxon)) {
    reasons.push(`${n} of class "${label}" ${n === 1 ? 'has' : 'have'} no scientific name (map it with 'invasives taxa load FILE.csv')`);
  }
  if (skipped.withheld) reasons.push(`${count(skipped.withheld, "is a visitor's photo", "are visitors' photos")} withheld (no consent to be named, no open licence)`);
  return `of the library's ${count(skipped.observations, 'observation', 'observations')}, ${reasons.join('; ')}`;
}

/**
 * Refuses an archive that would hold no occurrences, saying why each observation was left
 * out. An empty archive is a valid file but never what was meant: published through the
 * IPT it would replace the dataset's records with none. Nothing is written.
 */
export function refuseEmptyArchive(outPath: string, found: DarwinCoreResult): void {
  if (found.occurrences.length > 0) return;
  throw new StationError(
    'EXPORT_FAILED',
    `The archive ${outPath} would hold no occurrences, so it was not written: ${whyNoOccurrences(found)}. An empty archive published through the IPT would replace the dataset's records with none.`,
    { details: { path: outPath, occurrences: 0, ...found.skipped, withoutTaxon: found.withoutTaxon } },
  );
}
