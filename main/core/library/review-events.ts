import type { EventRow } from './event-log.js';

/**
 * Reviews as events: a ranger's decision on a photo is a 'review' event (entity: the photo's
 * sha256, action 'decided', payload: decision, species, note, station and `supersedes`, the
 * decisions the ranger saw as current); taking one back is a 'withdrawn' event. Merging two
 * libraries is the union of these events, and the fold below is what every station computes.
 */
export const REVIEW_ENTITY = 'review';

export interface ReviewFold {
  /** Decisions still standing (not withdrawn), in fold order: the last one is the current decision. */
  live: EventRow[];
  /** Live decisions no later decision superseded: more than one means stations decided apart. */
  heads: EventRow[];
  /** Heads that disagree (decision or species): the ranger must resolve it, nothing is overwritten. */
  conflict: boolean;
}

function supersededBy(event: EventRow): string[] {
  const value = event.payload.supersedes;
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
}

/** What a decision says, for telling two decisions apart. */
export function reviewVerdict(event: EventRow): string {
  return `${String(event.payload.decision)}|${String(event.payload.species ?? '')}`;
}

/** Folds one photo's review history (fold order, as `events.history` returns it). */
export function foldReviews(history: readonly EventRow[]): ReviewFold {
  const withdrawn = new Set(
    history.filter((event) => event.action === 'withdrawn').map((event) => String(event.payload.withdraws)),
  );
  const live = history.filter((event) => event.action === 'decided' && !withdrawn.has(event.eventId));
  const superseded = new Set(live.flatMap(supersededBy));
  const heads = live.filter((event) => !superseded.has(event.eventId));
  const conflict = new Set(heads.map(reviewVerdict)).size > 1;
  return { live, heads, conflict };
}
