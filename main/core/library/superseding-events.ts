import type { EventRow } from './event-log.js';

/**
 * The fold shared by records whose every change names the changes it replaced: an event made
 * here carries `supersedes`, the ids of the record's standing changes the ranger saw. After a
 * merge, the changes no later change superseded are the record's *heads*: one head when the
 * stations agree in sequence, several when two stations changed the record without seeing
 * each other's change. The current state is the last head in `compareEvents` order, which
 * every station computes the same way (two events of one station in the same millisecond keep
 * their order, since the later one supersedes the earlier).
 */
export function supersededIds(event: EventRow): string[] {
  const value = event.payload.supersedes;
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
}

/** The changes nothing superseded, in fold order (`history` is in fold order, as `events.history` returns it). */
export function standingHeads(history: readonly EventRow[]): EventRow[] {
  const superseded = new Set(history.flatMap(supersededIds));
  return history.filter((event) => !superseded.has(event.eventId));
}

/** The record's current change: the last head in fold order (null: no change yet). */
export function latestStanding(history: readonly EventRow[]): EventRow | null {
  return standingHeads(history).at(-1) ?? null;
}

/** What a new change here supersedes: every head the ranger saw (so it also settles a conflict). */
export function supersedesNow(history: readonly EventRow[]): string[] {
  return standingHeads(history).map((event) => event.eventId);
}
