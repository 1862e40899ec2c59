import { StationError } from '../errors.js';
import { type EventRow, compareEvents } from '../library/event-log.js';
import { type SiteExtent, checkExtent } from './site-extent.js';

/**
 * A site's lifecycle, folded from its events (and its treatments' and visits'):
 * reported → confirmed → treatment-planned → treated → (re-check due) → regrowth | clean →
 * eradicated after the last required clean re-check. "Re-check due" is not stored: it is a
 * treated or clean site whose next re-check date has come (see `displayState`).
 */
export type SiteState = 'reported' | 'confirmed' | 'treatment-planned' | 'treated' | 'regrowth' | 'clean' | 'eradicated';
export const SITE_STATES: readonly SiteState[] = ['reported', 'confirmed', 'treatment-planned', 'treated', 'regrowth', 'clean', 'eradicated'];

/** A clean re-check this many days before its due date still counts for it. */
export const RECHECK_EARLY_DAYS = 60;

export interface TreatmentRecord {
  id: string;
  originStation: string;
  treatedOn: string;
  /** hand-pulling, cutting, herbicide, covering, ... */
  method: string;
  product: string | null;
  dose: string | null;
  crew: string | null;
  areaSquareMetres: number | null;
  notes: string | null;
  photoHashes: string[];
  /** Years after this treatment at which clean re-checks are required (the schedule in force when it was recorded). */
  recheckYears: number[];
  ranger: string | null;
}

export interface VisitRecord {
  id: string;
  originStation: string;
  visitedOn: string;
  outcome: 'clean' | 'regrowth';
  /** The ranger's statement of what was checked (a clean re-check is never just an absence of photos). */
  statement: string;
  photoHashes: string[];
  ranger: string | null;
  /** Whether it satisfied a required re-check of the schedule. */
  countsForSchedule: boolean;
}

export interface HistoryEntry {
  eventId: string;
  entityType: string;
  action: string;
  occurredAt: string;
  ranger: string | null;
  reason: string | null;
  originStation: string;
}

export interface SiteFold {
  id: string;
  originStation: string;
  name: string | null;
  /** The ranger's notes when the site was reported (null when none). */
  notes: string | null;
  species: string;
  state: SiteState;
  extent: SiteExtent;
  firstRecordOn: string;
  createdAt: string;
  photoHashes: string[];
  plannedFor: string | null;
  treatments: TreatmentRecord[];
  visits: VisitRecord[];
  lastTreatedOn: string | null;
  recheckYears: number[];
  /** Clean re-checks done of those the last treatment requires. */
  cleanRechecks: number;
  /** The next required re-check's date; null when none is pending (not yet treated, regrowth, eradicated). */
  nextDueOn: string | null;
  regrowthPhotoHashes: string[];
  history: HistoryEntry[];
  /** Events that did not fit the lifecycle (only in a lenient fold of merged histories). */
  skipped: { eventId: string; why: string }[];
}

/** `date` (YYYY-MM-DD) plus years, counted in whole months (0.5 = 6 months); the 31st rolls into the next month when the target month is shorter. */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1 + Math.round(years * 12), d)).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const result = new Date(`${date}T00:00:00Z`);
  result.setUTCDate(result.getUTCDate() + days);
  return result.toISOString().slice(0, 10);
}

/** What a list shows: the stored state, or "re-check due" once the next re-check's date has come. */
export function displayState(site: Pick<SiteFold, 'state' | 'nextDueOn'>, today: string): SiteState | 'recheck-due' {
  if ((site.state === 'treated' || site.state === 'clean') && site.nextDueOn !== null && site.nextDueOn <= today) return 'recheck-due';
  return site.state;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);
const hashes = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function refuse(what: string): never {
  throw new StationError('INVALID_ARGUMENT', what);
}

function nextDue(site: SiteFold): string | null {
  if (site.lastTreatedOn === null || (site.state !== 'treated' && site.state !== 'clean')) return null;
  const years = site.recheckYears[site.cleanRechecks];
  return years === undefined ? null : addYears(site.lastTreatedOn, years);
}

/** Applies one event; throws INVALID_ARGUMENT when it does not fit the lifecycle. */
function apply(site: SiteFold | null, event: EventRow): SiteFold {
  const p = event.payload;
  if (event.entityType === 'site' && event.action === 'created') {
    if (site) refuse(`Site ${event.entityId} already exists.`);
    const state = p.state === 'confirmed' ? 'confirmed' : 'reported';
    const species = text(p.species) ?? refuse('A site needs a species.');
    const firstRecordOn = text(p.firstRecordOn) ?? event.occurredAt.slice(0, 10);
    return {
      id: event.entityId,
      originStation: event.originStation,
      name: text(p.name),
      notes: text(p.notes),
      species,
      state,
      extent: checkExtent(p.extent),
      firstRecordOn,
      createdAt: event.occurredAt,
      photoHashes: hashes(p.photoHashes),
      plannedFor: null,
      treatments: [],
      visits: [],
      lastTreatedOn: null,
      recheckYears: [],
      cleanRechecks: 0,
      nextDueOn: null,
      regrowthPhotoHashes: [],
      history: [],
      skipped: [],
    };
  }
  if (!site) refuse(`Event ${event.eventId} (${event.entityType} ${event.action}) comes before its site was created.`);
  const name = `Site ${site.name ?? site.id}`;
  const next: SiteFold = { ...site, treatments: [...site.treatments], visits: [...site.visits] };
  switch (`${event.entityType}:${event.action}`) {
    case 'site:confirmed':
      if (site.state !== 'reported') refuse(`${name} is ${site.state}; only a reported site can be confirmed.`);
      next.state = 'confirmed';
      break;
    case 'site:treatment-planned':
      if (site.state !== 'confirmed' && site.state !== 'regrowth') refuse(`${name} is ${site.state}; a treatment can be planned for a confirmed site or one with regrowth${site.state === 'reported' ? ' (confirm it first)' : ''}.`);
      next.state = 'treatment-planned';
      next.plannedFor = text(p.plannedFor);
      break;
    case 'treatment:recorded': {
      if (site.state !== 'treatment-planned' && site.state !== 'treated' && site.state !== 'regrowth') {
        refuse(`${name} is ${site.state}; record a treatment after planning it (invasives sites plan), or a follow-up treatment of a treated site.`);
      }
      const treatedOn = text(p.treatedOn) ?? refuse('A treatment needs its date.');
      if (treatedOn < site.firstRecordOn) refuse(`${name} was first recorded on ${site.firstRecordOn}; a treatment dated ${treatedOn} cannot come before it.`);
      const recheckYears = Array.isArray(p.recheckYears) ? (p.recheckYears as number[]) : [1, 2, 5];
      next.treatments.push({
        id: event.entityId,
        originStation: event.originStation,
        treatedOn,
        method: text(p.method) ?? refuse('A treatment needs its method (hand-pulling, cutting, herbicide, covering, ...).'),
        product: text(p.product),
        dose: text(p.dose),
        crew: text(p.crew),
        areaSquareMetres: typeof p.areaSquareMetres === 'number' ? p.areaSquareMetres : null,
        notes: text(p.notes),
        photoHashes: hashes(p.photoHashes),
        recheckYears,
        ranger: event.ranger,
      });
      next.state = 'treated';
      next.lastTreatedOn = site.lastTreatedOn && site.lastTreatedOn > treatedOn ? site.lastTreatedOn : treatedOn;
      next.recheckYears = recheckYears;
      next.cleanRechecks = 0;
      next.regrowthPhotoHashes = [];
      break;
    }
    case 'visit:recorded': {
      if (site.state !== 'treated' && site.state !== 'clean') refuse(`${name} is ${site.state}; re-check visits are recorded on a treated site.`);
      const visitedOn = text(p.visitedOn) ?? refuse('A visit needs its date.');
      if (site.lastTreatedOn && visitedOn <= site.lastTreatedOn) refuse(`${name} was last treated on ${site.lastTreatedOn}; a re-check dated ${visitedOn} must come after it.`);
      const outcome = p.outcome === 'regrowth' ? 'regrowth' : p.outcome === 'clean' ? 'clean' : refuse('A visit outcome is clean or regrowth.');
      const statement = text(p.statement) ?? refuse('A re-check needs the ranger\'s statement of what was checked.');
      const due = nextDue(site);
      const counts = outcome === 'clean' && due !== null && visitedOn >= addDays(due, -RECHECK_EARLY_DAYS);
      next.visits.push({ id: event.entityId, originStation: event.originStation, visitedOn, outcome, statement, photoHashes: hashes(p.photoHashes), ranger: event.ranger, countsForSchedule: counts });
      if (outcome === 'regrowth') {
        next.state = 'regrowth';
        next.regrowthPhotoHashes = hashes(p.photoHashes);
      } else {
        if (counts) next.cleanRechecks = site.cleanRechecks + 1;
        next.state = next.cleanRechecks >= site.recheckYears.length ? 'eradicated' : 'clean';
      }
      break;
    }
    case 'site:regrowth-found':
      if (site.state !== 'treated' && site.state !== 'clean') refuse(`${name} is ${site.state}; regrowth is found on a treated site.`);
      next.state = 'regrowth';
      next.regrowthPhotoHashes = hashes(p.photoHashes);
      break;
    default:
      refuse(`Unknown site event ${event.entityType} ${event.action}.`);
  }
  next.nextDueOn = nextDue(next);
  return next;
}

function historyEntry(event: EventRow): HistoryEntry {
  return { eventId: event.eventId, entityType: event.entityType, action: event.action, occurredAt: event.occurredAt, ranger: event.ranger, reason: event.reason, originStation: event.originStation };
}

/**
 * Folds a site's events (its own, its treatments', its visits') in the one event order.
 * strict: the first event that does not fit the lifecycle throws (how new decisions are
 * checked before they are stored). lenient: such events are skipped and listed (a merged
 * history from two stations must still fold).
 */
export function foldSite(events: readonly EventRow[], mode: 'strict' | 'lenient' = 'lenient'): SiteFold | null {
  let site: SiteFold | null = null;
  const skipped: SiteFold['skipped'] = [];
  for (const event of [...events].sort(compareEvents)) {
    try {
      site = apply(site, event);
      site.history = [...site.history, historyEntry(event)];
    } catch (error) {
      if (mode === 'strict') throw error;
      skipped.push({ eventId: event.eventId, why: error instanceof Error ? error.message : String(error) });
    }
  }
  if (site) site.skipped = skipped;
  return site;
}
