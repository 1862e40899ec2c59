import fs from 'node:fs/promises';
import path from 'node:path';
import { StationError } from '../core/errors.js';
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
export interface IntakeTransport {
  /** Uses an uploaded or dialog-chosen input (purpose 'intake'); an upload is removed afterwards. */
  useInput<T>(handle: string, use: (filePath: string, name: string) => Promise<T>): Promise<T>;
  /** Whether this transport takes typed folder paths (the browser does; Electron uses its dialog). */
  typedFolders: boolean;
}

export function createIntakeHandlers(library: Library, settings: Settings, jobs: JobRunner, alerts: AlertsRefresher, changed: (reason: string) => void, transport: IntakeTransport): Pick<Handlers, IntakeHandlerNames> {
  const takeIn = async (sourcePath: string, ranger: string | undefined, displayName?: string) => {
    // One job at a time, as for imports.
    if (jobs.status().running) throw new JobBusyError('An import, re-classification or training is running; wait for it to finish, then take the submissions in.');
    return intake(library, sourcePath, { settings, classifier: null, ranger: decisionMaker(library, ranger).ranger, displayName });
  };
  return {
    'intake:start': async ({ path: typed, file, ranger }) => {
      let result;
      if (file) {
        result = await transport.useInput(file, (chosen, name) => takeIn(chosen, ranger, name));
      } else {
        if (!transport.typedFolders) throw new StationError('INVALID_ARGUMENT', 'Choose the mail file or folder with the Browse… button (this window takes no typed paths).');
        const resolved = path.resolve(typed!);
        const stat = await fs.stat(resolved).catch(() => null);
        if (!stat?.isDirectory()) {
          throw new StationError('NOT_A_FOLDER', `${resolved} is not a folder on the station; type a folder of submitter folders, or upload the mail file (.eml, .mbox).`);
        }
        result = await takeIn(resolved, ranger);
      }
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
