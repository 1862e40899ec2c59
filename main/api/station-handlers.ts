/**
 * Handlers of the trust and triage calls (issue 11): alert groups and bulk triage, the species
 * list, the settings kept in the library, open-set calibration. Every decision records who
 * made it: the ranger the UI asked for at start-up and the station's name.
 */
import path from 'node:path';
import { StationError } from '../core/errors.js';
import { groupAlerts, rankAlerts, rankingOf } from '../core/geo/alert-triage.js';
import { calibrateModel } from '../core/learning/calibrate-model.js';
import type { AlertDecider, AlertFilter, Library } from '../core/library/index.js';
import type { Settings } from '../core/settings.js';
import { parseSpeciesListCsv, saveSpeciesEntries, speciesListCsv } from '../core/species-list.js';
import { decisionMaker, readStationSettings, resetStationSetting, setStationSetting } from '../core/station-settings.js';
import type { AlertsRefresher } from './alerts-refresher.js';
import type { Handlers } from './handlers.js';

export type StationHandlerNames =
  | 'alerts:list'
  | 'alerts:groups'
  | 'alerts:bulk'
  | 'alerts:seen'
  | 'species:entries'
  | 'species:save'
  | 'species:remove'
  | 'species:importCsv'
  | 'species:exportCsv'
  | 'settings:get'
  | 'settings:set'
  | 'models:calibrations'
  | 'models:calibrate';

/** Who decides: the ranger named in the call (else the library's default ranger) and the station. */
export function deciderOf(library: Library, ranger: string | undefined): AlertDecider {
  const maker = decisionMaker(library, ranger);
  return { by: maker.ranger, station: maker.station };
}

function ranking(library: Library, settings: Settings) {
  return rankingOf(readStationSettings(library, settings.geo).alertPriority, library.speciesList.list());
}

export function createStationHandlers(library: Library, settings: Settings, alerts: AlertsRefresher, changed: (reason: string) => void): Pick<Handlers, StationHandlerNames> {
  return {
    'alerts:list': (filter) => rankAlerts(library.alerts.list((filter ?? {}) as AlertFilter), ranking(library, settings)),
    'alerts:groups': (filter) => groupAlerts(library.alerts.list((filter ?? {}) as AlertFilter), ranking(library, settings)),
    'alerts:bulk': ({ action, filter, reason, ranger }) => {
      const changedAlerts = library.alerts.bulk(action, filter as AlertFilter, deciderOf(library, ranger), reason);
      alerts.announceStateChange();
      return { count: changedAlerts.length };
    },
    'alerts:seen': ({ alertIds }) => {
      const count = library.alerts.markSeenMany(alertIds);
      if (count) alerts.announceStateChange();
      return { count };
    },
    'species:entries': () => library.speciesList.list(),
    'species:save': ({ entries, allowNewSpecies, ranger }) => {
      const saved = saveSpeciesEntries(library, entries, { allowNewSpecies, by: decisionMaker(library, ranger).ranger });
      alerts.schedule();
      changed('species list');
      return saved;
    },
    'species:remove': ({ species, ranger }) => {
      const removed = library.speciesList.delete(species, decisionMaker(library, ranger).ranger);
      if (removed) alerts.schedule();
      return { removed };
    },
    'species:importCsv': ({ text, fileName, replace, allowNewSpecies, ranger }) => {
      const entries = parseSpeciesListCsv(text, fileName);
      const saved = saveSpeciesEntries(library, entries, { allowNewSpecies, replace, by: decisionMaker(library, ranger).ranger, source: fileName });
      alerts.schedule();
      changed('species list');
      return saved;
    },
    'species:exportCsv': () => ({ text: speciesListCsv(library.speciesList.list()) }),
    'settings:get': () => readStationSettings(library, settings.geo),
    'settings:set': ({ key, value, ranger }) => {
      if (value === null) resetStationSetting(library, key);
      else setStationSetting(library, key, value, decisionMaker(library, ranger).ranger);
      if (key !== 'stationName' && key !== 'ranger') alerts.schedule();
      return readStationSettings(library, settings.geo);
    },
    'models:calibrations': () => library.calibrations.summaries(),
    'models:calibrate': async ({ modelId, fromLibrary, fromFolder, ranger }) => {
      const model = library.models.get(modelId);
      if (!model) throw new StationError('MODEL_NOT_FOUND', `Model ${modelId} is not in the library; add its model pack first.`);
      if (fromFolder !== undefined && !path.isAbsolute(fromFolder)) {
        throw new StationError('INVALID_ARGUMENT', `Folder "${fromFolder}" is not a full path; give one such as /home/ranger/sorted-photos.`);
      }
      const result = await calibrateModel(library, model, { settings, fromLibrary, fromFolder, by: decisionMaker(library, ranger).ranger });
      alerts.refreshNow();
      changed('model calibrated');
      return result;
    },
  };
}
