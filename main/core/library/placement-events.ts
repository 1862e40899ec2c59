import type { EventRow } from './event-log.js';
import { standingHeads } from './superseding-events.js';

/**
 * Placements as events: a photo's GPX or hand position is a 'placement' event (entity: the
 * photo's sha256; action 'placed' with latitude, longitude, source, detail, uncertaintyMetres,
 * the station's name and `supersedes`, or 'cleared'). photo_positions is their projection: the last head in fold
 * order. Two stations placing one photo differently without seeing each other's placement is a
 * conflict for the ranger (like two review decisions), never silently overwritten.
 */
export const PLACEMENT_ENTITY = 'placement';

export interface PlacementFold {
  /** The standing placement ('placed' or 'cleared'); null: never placed. */
  current: EventRow | null;
  heads: EventRow[];
  /** Heads that put the photo in different places (or one cleared it): the ranger picks. */
  conflict: boolean;
}

/** What a placement says, for telling two apart (detail text and ranger do not count). */
export function placementVerdict(event: EventRow): string {
  if (event.action !== 'placed') return 'cleared';
  const { latitude, longitude, uncertaintyMetres, source } = event.payload;
  return `placed|${String(latitude)}|${String(longitude)}|${String(uncertaintyMetres ?? '')}|${String(source)}`;
}

export function foldPlacements(history: readonly EventRow[]): PlacementFold {
  const heads = standingHeads(history);
  return { current: heads.at(-1) ?? null, heads, conflict: new Set(heads.map(placementVerdict)).size > 1 };
}
