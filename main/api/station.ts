import { Library } from '../core/library/index.js';
import { type Settings, resolveSettings } from '../core/settings.js';
import { type Dispatch, type NativeDialogs, createDispatcher, createHandlers } from './handlers.js';
import { FileTransfers } from './file-transfers.js';
import { AlertsRefresher } from './alerts-refresher.js';
import { EventBus } from './events.js';
import { type ClassifierOpener, JobRunner } from './job-runner.js';

export interface StationOptions {
  databasePath: string;
  settings?: Partial<Omit<Settings, 'databasePath'>>;
  /** Opens the classifier for imports; default: the library's active model through the model runtime. */
  openClassifier?: ClassifierOpener;
  /** Native open/save dialogs (Electron's main process); absent in the browser, which uploads and downloads. */
  dialogs?: NativeDialogs;
  /** Whether the page may type a folder to import (read-only input; the browser transport); Electron sets false (its dialog only). */
  typedImportFolders?: boolean;
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
  /** Uploads, dialog choices and exports waiting for download, by opaque id. */
  transfers: FileTransfers;
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
  const transfers = new FileTransfers(settings.databasePath);
  const dispatch = createDispatcher(
    createHandlers({ library, settings, events, jobs, alerts, transfers, dialogs: options.dialogs, typedImportFolders: options.typedImportFolders ?? true }),
    options.onInternalError,
  );
  return {
    library,
    settings,
    events,
    jobs,
    alerts,
    transfers,
    dispatch,
    async close() {
      await jobs.stop();
      alerts.cancelScheduled();
      await transfers.close();
      library.close();
    },
  };
}
