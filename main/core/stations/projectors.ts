import type { Library } from '../library/index.js';
import { REVIEW_ENTITY } from '../library/review-events.js';
import { PLACEMENT_ENTITY } from '../library/placement-events.js';
import { SPECIES_LIST_ENTITY } from '../library/species-list-events.js';
import { ALERT_STATE_ENTITY } from '../library/alert-state-events.js';
import { siteProjector } from '../sites/site-service.js';
import { submissionsProjector } from '../intake/submissions-projector.js';

/**
 * How a merge brings a record type's projection rows up to date: after the events of a bundle
 * or a merged library are received, `refold` is called once for every record they touched, and
 * recomputes that record's rows from `library.events.history(entityType, entityId)`.
 * Modules that own event-sourced records (sites and treatments, citizen submissions) export one
 * and it is registered in PROJECTORS.
 */
export interface EventProjector {
  /** The `entity_type`s whose projections this projector computes. */
  entityTypes: readonly string[];
  refold(library: Library, entityType: string, entityId: string): void;
}

/** Reviews: a photo's review rows are its standing 'review' decisions in fold order. */
export const reviewsProjector: EventProjector = {
  entityTypes: [REVIEW_ENTITY],
  refold(library, _entityType, entityId) {
    library.reviews.refold(entityId);
  },
};

/** Placements: a photo's position is its last standing 'placement' event. */
export const placementsProjector: EventProjector = {
  entityTypes: [PLACEMENT_ENTITY],
  refold(library, _entityType, entityId) {
    library.positions.refold(entityId);
  },
};

/** The species / watch list: an entry is its species' latest standing 'species-list' event. */
export const speciesListProjector: EventProjector = {
  entityTypes: [SPECIES_LIST_ENTITY],
  refold(library, _entityType, entityId) {
    library.speciesList.refold(entityId);
  },
};

/** Alert states: the alert with this natural key takes its latest standing 'alert-state' event. */
export const alertStatesProjector: EventProjector = {
  entityTypes: [ALERT_STATE_ENTITY],
  refold(library, _entityType, entityId) {
    library.alerts.refoldState(entityId);
  },
};

/** Every projector a merge calls (the lead registers each module's own here). */
export const PROJECTORS: EventProjector[] = [
  reviewsProjector,
  siteProjector,
  submissionsProjector,
  placementsProjector,
  speciesListProjector,
  alertStatesProjector,
];

/** Re-folds every touched record whose type has a projector; events of other types simply stay in the log. */
export function refoldTouched(library: Library, touched: Iterable<readonly [string, string]>, projectors: readonly EventProjector[] = PROJECTORS): number {
  let refolded = 0;
  for (const [entityType, entityId] of touched) {
    for (const projector of projectors) {
      if (projector.entityTypes.includes(entityType)) {
        projector.refold(library, entityType, entityId);
        refolded++;
      }
    }
  }
  return refolded;
}
