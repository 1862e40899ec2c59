import { Library } from '../core/library/index.js';
import { type Settings, resolveSettings } from '../core/settings.js';
import { type Dispatch, createDispatcher, createHandlers } from './handlers.js';
import { EventBus } from './events.js';
import { type ClassifierOpener, ImportRunner } from './import-runner.js';

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

/** The backend one UI talks to, whatever the transport: the library, its events, the import runner, the dispatcher. */
export interface Station {
  library: Library;
  settings: Settings;
  events: EventBus;
  imports: ImportRunner;
  dispatch: Dispatch;
  close(): Promise<void>;
}

export function openStation(options: StationOptions): Station {
  const settings = resolveSettings({ ...options.settings, databasePath: options.databasePath });
  const library = Library.open(settings.databasePath);
  const events = new EventBus();
  const imports = new ImportRunner(library, settings, events, options.openClassifier);
  const dispatch = createDispatcher(createHandlers({ library, settings, events, imports, pickFolder: options.pickFolder }), options.onInternalError);
  return {
    library,
    settings,
    events,
    imports,
    dispatch,
    async close() {
      await imports.stop();
      library.close();
    },
  };
}
