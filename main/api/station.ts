import { Library } from '../core/library/index.js';
import { type Settings, resolveSettings } from '../core/settings.js';
import { type Dispatch, createDispatcher, createHandlers } from './handlers.js';
import { EventBus } from './events.js';
import { type ClassifierOpener, JobRunner } from './job-runner.js';

export interface StationOptions {
  databasePath: string;
  settings?: Partial<Omit<Settings, 'databasePath'>>;
  /** Opens the classifier for imports; default: the library's active model through the model runtime. */
  openClassifier?: ClassifierOpener;
  /** Shows a native folder chooser (Electron); absent in the browser, where the ranger types the path. */
  pickFolder?: () => Promise<string | null>;
  /** Called with unexpected (non-StationError) failures, for logging. */
  onInternalError?: (call: string, error: unknown) => void;
}

/** The backend one UI talks to, whatever the transport: the library, its events, the job runner, the dispatcher. */
export interface Station {
  library: Library;
  settings: Settings;
  events: EventBus;
  jobs: JobRunner;
  dispatch: Dispatch;
  close(): Promise<void>;
}

export function openStation(options: StationOptions): Station {
  const settings = resolveSettings({ ...options.settings, databasePath: options.databasePath });
  const library = Library.open(settings.databasePath);
  const events = new EventBus();
  const jobs = new JobRunner(library, settings, events, options.openClassifier);
  const dispatch = createDispatcher(createHandlers({ library, settings, events, jobs, pickFolder: options.pickFolder }), options.onInternalError);
  return {
    library,
    settings,
    events,
    jobs,
    dispatch,
    async close() {
      await jobs.stop();
      library.close();
    },
  };
}
