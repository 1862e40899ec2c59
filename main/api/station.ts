import { BasemapLibrary } from '../core/basemaps/basemap-library.js';
import { rereadCaptureTimes } from '../core/ingest/reread-capture-times.js';
import { Library } from '../core/library/index.js';
import { type Settings, resolveSettings } from '../core/settings.js';
import { type Dispatch, type NativeDialogs, createDispatcher, createHandlers } from './handlers.js';
import { FileTransfers } from './file-transfers.js';
import { AlertsRefresher } from './alerts-refresher.js';
import { EventBus } from './events.js';
import { type ClassifierOpener, JobRunner } from './job-runner.js';
import { JobBusyError } from './api-error.js';
import { type StationBackups, createBackup, listBackups, restoreBackupFile, restoreNamedBackup } from './station-backups.js';
import { type CallOutcome, type CallName, type InterruptedJob, type RestoreResult, RANGER_CALLS } from './contract.js';

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
  /** The park's basemaps; the transports serve their tiles by id. */
  basemaps: BasemapLibrary;
  dispatch: Dispatch;
  /** After a restart of the backend process: resumes the interrupted import, reports interrupted training and compilation as failed. */
  resumeInterruptedJobs(): Promise<InterruptedJob[]>;
  close(): Promise<void>;
}

const RANGER_DECISIONS: ReadonlySet<string> = new Set(RANGER_CALLS);

/**
 * A ranger's decision while a merge writes its records answers BUSY at once: waiting on the
 * write lock (up to the library's 5 s busy timeout) would hold the backend's thread, and with it
 * every grid page and photo the ranger asks for meanwhile. The review screen keeps the decision
 * and stores it when the merge lets go (see renderer/src/stores/decisions.svelte.ts).
 */
function busyWhileMerging(file: string): CallOutcome<CallName> {
  return {
    ok: false,
    error: {
      code: 'BUSY',
      message: `The library is busy: another station's bundle (${file}) is being merged, and its records hold the library for a while (about 40 s for 100,000 photos). Nothing was changed; try again when it has finished.`,
    },
  };
}

export function openStation(options: StationOptions): Station {
  const settings = resolveSettings({ ...options.settings, databasePath: options.databasePath });
  const events = new EventBus();
  const reportAlertsError = (error: unknown) => options.onInternalError?.('alerts:refresh', error);
  // Uploads and exports waiting for download outlive a restore: they are not the library's.
  const transfers = new FileTransfers(settings.databasePath);

  // Everything bound to the open library; rebuilt when a restore replaces the library's files.
  const assemble = (library: Library) => {
    const alerts = new AlertsRefresher(library, settings.geo, events, reportAlertsError);
    const jobs = new JobRunner(library, settings, events, options.openClassifier, alerts, reportAlertsError);
    const backups: StationBackups = {
      list: () => listBackups(library.databasePath),
      create: () => createBackup(library),
      restore: (name) => restore((release) => restoreNamedBackup(settings.databasePath, name, release)),
      restoreFile: (backupPath) => restore((release) => restoreBackupFile(settings.databasePath, backupPath, release)),
    };
    const basemaps = new BasemapLibrary(library);
    const handled = createDispatcher(
      createHandlers({
        library,
        settings,
        events,
        jobs,
        alerts,
        backups,
        basemaps,
        transfers,
        dialogs: options.dialogs,
        typedImportFolders: options.typedImportFolders ?? true,
      }),
      options.onInternalError,
    );
    const dispatch: Dispatch = (name, rawArgs) => {
      const merging = RANGER_DECISIONS.has(name) ? jobs.mergeWritingRecords() : null;
      return merging === null ? handled(name, rawArgs) : Promise.resolve(busyWhileMerging(merging));
    };
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
    const stopRereading = async () => {
      upgrade.abort();
      await rereading;
    };
    return { library, alerts, jobs, basemaps, dispatch, stopRereading };
  };
  let current = assemble(Library.open(settings.databasePath));

  const release = async () => {
    await current.stopRereading();
    await current.jobs.stop();
    current.alerts.cancelScheduled();
    await current.basemaps.close();
    current.library.close();
  };
  const restore = async (run: (closeLibrary: () => Promise<void>) => Promise<RestoreResult>) => {
    if (current.jobs.status().running) throw new JobBusyError('An import, classification or training is running; cancel it or wait before restoring.');
    try {
      return await run(release);
    } finally {
      if (!current.library.isOpen) current = assemble(Library.open(settings.databasePath));
      events.emit('library:changed', { reason: 'library restored from a backup' });
      current.alerts.announceStateChange();
    }
  };

  return {
    get library() {
      return current.library;
    },
    settings,
    events,
    get jobs() {
      return current.jobs;
    },
    transfers,
    get alerts() {
      return current.alerts;
    },
    get basemaps() {
      return current.basemaps;
    },
    dispatch: (name, rawArgs) => current.dispatch(name, rawArgs),
    resumeInterruptedJobs: () => current.jobs.resumeInterrupted(),
    async close() {
      await release();
      await transfers.close();
    },
  };
}
