import { intake } from '../core/intake/intake.js';
import { summariseIntake } from '../core/intake/intake-summary.js';
import type { Library } from '../core/library/index.js';
import type { Settings } from '../core/settings.js';
import { decisionMaker } from '../core/station-settings.js';
import type { AlertsRefresher } from './alerts-refresher.js';
import { JobBusyError } from './api-error.js';
import type { Handlers } from './handlers.js';
import type { JobRunner } from './job-runner.js';

export type IntakeHandlerNames = 'intake:start' | 'intake:pendingPlaces';

/**
 * Citizen intake from the Import screen: the photos are stored through the import pipeline
 * without classification (decoding runs on libuv's threads), then the active model classifies
 * them as a background re-classification job.
 */
export function createIntakeHandlers(library: Library, settings: Settings, jobs: JobRunner, alerts: AlertsRefresher, changed: (reason: string) => void): Pick<Handlers, IntakeHandlerNames> {
  return {
    'intake:start': async ({ path, ranger }) => {
      // One job at a time, as for imports.
      if (jobs.status().running) throw new JobBusyError('An import, re-classification or training is running; wait for it to finish, then take the submissions in.');
      const result = await intake(library, path, { settings, classifier: null, ranger: decisionMaker(library, ranger).ranger });
      if (result.submissions.length) {
        changed('visitors\' photos taken in');
        alerts.schedule();
        if (library.models.active()) await jobs.startReclassify().catch(() => undefined);
      }
      return summariseIntake(result, (id) => library.submissions.submitter(library.submissions.resolve(id))?.creditName ?? null, library.submissions.pendingPlacements().length);
    },
    'intake:pendingPlaces': () => library.submissions.pendingPlacements(),
  };
}
