import type { Library } from '../library/index.js';

/** The shape of the merge's projector contract (main/core/stations/projectors.ts defines it). */
interface EventProjectorShape {
  readonly entityTypes: readonly string[];
  refold(library: Library, entityType: string, entityId: string): void;
}

/** Re-folds submitters and submissions from their events (after stations' event logs are merged). */
export const submissionsProjector: EventProjectorShape = {
  entityTypes: ['submitter', 'submission'],
  refold(library, entityType, entityId) {
    library.submissions.refold(entityType, entityId);
  },
};
