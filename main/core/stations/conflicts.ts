import type { EventRow, Library } from '../library/index.js';
import { REVIEW_ENTITY, foldReviews } from '../library/review-events.js';
import { PLACEMENT_ENTITY, foldPlacements } from '../library/placement-events.js';

export interface ConflictingDecision {
  eventId: string;
  decision: string;
  species: string | null;
  ranger: string | null;
  /** The station the decision was made at: its id, and the name it had then. */
  originStation: string;
  stationName: string | null;
  occurredAt: string;
}

/** A photo two stations decided differently on, after their last common decision: the ranger picks. */
export interface ReviewConflict {
  photoSha256: string;
  photoId: number | null;
  /** The current decision by fold order (shown, but not taken as settled). */
  current: ConflictingDecision;
  decisions: ConflictingDecision[];
}

function describe(event: EventRow): ConflictingDecision {
  return {
    eventId: event.eventId,
    decision: String(event.payload.decision),
    species: (event.payload.species as string | null) ?? null,
    ranger: event.ranger,
    originStation: event.originStation,
    stationName: (event.payload.station as string | null) ?? null,
    occurredAt: event.occurredAt,
  };
}

/** Open review conflicts (all, or on the given photos). Recording a new decision on the photo resolves one. */
export function reviewConflicts(library: Library, onlyPhotos?: ReadonlySet<string>): ReviewConflict[] {
  const byPhoto = new Map<string, EventRow[]>();
  for (const event of library.events.ofType(REVIEW_ENTITY)) {
    if (onlyPhotos && !onlyPhotos.has(event.entityId)) continue;
    let list = byPhoto.get(event.entityId);
    if (!list) byPhoto.set(event.entityId, (list = []));
    list.push(event);
  }
  const conflicts: ReviewConflict[] = [];
  for (const [photoSha256, history] of byPhoto) {
    const fold = foldReviews(history);
    if (!fold.conflict) continue;
    conflicts.push({
      photoSha256,
      photoId: library.stationSync.photoId(photoSha256) ?? null,
      current: describe(fold.live[fold.live.length - 1]!),
      decisions: fold.heads.map(describe),
    });
  }
  return conflicts.sort((a, b) => a.photoSha256.localeCompare(b.photoSha256));
}

/** One of the placements two stations disagree on. */
export interface ConflictingPlacement {
  eventId: string;
  /** null: this station's change took the position away. */
  latitude: number | null;
  longitude: number | null;
  uncertaintyMetres: number | null;
  source: string | null;
  ranger: string | null;
  originStation: string;
  /** The station's name when it placed the photo (null: not named). */
  stationName: string | null;
  occurredAt: string;
}

/** A photo two stations placed differently, after their last common placement: the ranger picks. */
export interface PlacementConflict {
  photoSha256: string;
  photoId: number | null;
  /** The position shown meanwhile (the last placement in fold order). */
  current: ConflictingPlacement;
  placements: ConflictingPlacement[];
}

function describePlacement(event: EventRow): ConflictingPlacement {
  const placed = event.action === 'placed';
  const number = (value: unknown) => (placed && typeof value === 'number' ? value : null);
  return {
    eventId: event.eventId,
    latitude: number(event.payload.latitude),
    longitude: number(event.payload.longitude),
    uncertaintyMetres: number(event.payload.uncertaintyMetres),
    source: placed ? String(event.payload.source) : null,
    ranger: event.ranger,
    originStation: event.originStation,
    stationName: (event.payload.station as string | null) ?? null,
    occurredAt: event.occurredAt,
  };
}

/** Open placement conflicts (all, or on the given photos). Placing the photo again here resolves one. */
export function placementConflicts(library: Library, onlyPhotos?: ReadonlySet<string>): PlacementConflict[] {
  const byPhoto = new Map<string, EventRow[]>();
  for (const event of library.events.ofType(PLACEMENT_ENTITY)) {
    if (onlyPhotos && !onlyPhotos.has(event.entityId)) continue;
    let list = byPhoto.get(event.entityId);
    if (!list) byPhoto.set(event.entityId, (list = []));
    list.push(event);
  }
  const conflicts: PlacementConflict[] = [];
  for (const [photoSha256, history] of byPhoto) {
    const fold = foldPlacements(history);
    if (!fold.conflict) continue;
    conflicts.push({
      photoSha256,
      photoId: library.stationSync.photoId(photoSha256) ?? null,
      current: describePlacement(fold.current!),
      placements: fold.heads.map(describePlacement),
    });
  }
  return conflicts.sort((a, b) => a.photoSha256.localeCompare(b.photoSha256));
}
