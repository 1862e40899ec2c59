import { rereadCaptureTimes } from '../core/ingest/reread-capture-times.js';
import { Library } from '../core/library/index.js';
import { type Settings, resolveSettings } from '../core/settings.js';
import { type Dispatch, createDispatcher, createHandlers } from './handlers.js';
import { AlertsRefresher } from './alerts-refresher.js';
import { EventBus } from './events.js';
import { type ClassifierOpener, JobRunner } from './job-runner.js';

export interface StationOptions {
  databasePath: string;
  settings?: Partial<Omit<Settings, 'databasePath'>>;
  /** Opens the classifier for imports; default: the library's active model through the model runtime. */
  openClassifier?: ClassifierOpener;
  /** Shows a native folder chooser (Electron); absent in the browser, where the ranger types the path. */
  pickFolder?: () => Promise<string | null>;
  /** Shows a native chooser for a GeoJSON file (Electron); absent in the browser. */
  pickGeoJsonFile?: () => Promise<string | null>;
  /** Called with unexpected (non-StationError) failures, for logging. */
  onInternalError?: (call: string, error: unknown) => void;
}

/** The backend one UI talks to, whatever the transport: the library, its events, the job runner, the dispatcher. */
export interface Station {
  library: Library;
  settings: Settings;
  events: EventBus;
  jobs: JobRunner;
  alerts: AlertsRefresher;
  dispatch: Dispatch;
  close(): Promise<void>;
}

export function openStation(options: StationOptions): Station {
  const settings = resolveSettings({ ...options.settings, databasePath: options.databasePath });
  const library = Library.open(settings.databasePath);
  const events = new EventBus();
  const reportAlertsError = (error: unknown) => options.onInternalError?.('alerts:refresh', error);
  const alerts = new AlertsRefresher(library, settings.geo, events, reportAlertsError);
  const jobs = new JobRunner(library, settings, events, options.openClassifier, alerts, reportAlertsError);
  const dispatch = createDispatcher(
    createHandlers({ library, settings, events, jobs, alerts, pickFolder: options.pickFolder, pickGeoJsonFile: options.pickGeoJsonFile }),
    options.onInternalError,
  );
  // The upgrade step for libraries from before XMP/IPTC dates were read, in the background:
  // photos without a capture time are read again from their files (see `invasives dates reread`).
  const upgrade = new AbortController();
  const rereading =
    library.captureTimes.pendingRereadCount() === 0
      ? Promise.resolve()
      : rereadCaptureTimes(library, { signal: upgrade.signal })
          .then((result) => {
            if (result.found > 0) {
              events.emit('library:changed', { reason: 'capture times read from XMP/IPTC' });
              alerts.schedule();
            }
          })
          .catch((error: unknown) => options.onInternalError?.('dates:reread', error));
  return {
    library,
    settings,
    events,
    jobs,
    alerts,
    dispatch,
    async close() {
      upgrade.abort();
      await rereading;
      await jobs.stop();
      alerts.cancelScheduled();
      library.close();
    },
  };
}
