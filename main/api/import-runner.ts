import fs from 'node:fs/promises';
import { importFolder } from '../core/ingest/import-folder.js';
import path from 'node:path';
import { StationError, errorMessage } from '../core/errors.js';
import type { ImportProgress } from '../core/ingest/import-events.js';
import type { Library } from '../core/library/index.js';
import type { Settings } from '../core/settings.js';
import type { PhotoClassifier } from '../core/vision/classifier.js';
import { openClassifier } from '../core/vision/open-classifier.js';
import type { ImportFinished, ImportStatus } from './contract.js';
import type { EventBus } from './events.js';

/** Opens the classifier an import uses (null: store photos without predictions). */
export type ClassifierOpener = (library: Library, settings: Settings) => Promise<PhotoClassifier | null>;

const openActiveModel: ClassifierOpener = (library, settings) => openClassifier(library, { settings });

/** At most this many progress events per second reach the UI; the last one always does. */
const PROGRESS_EVENTS_PER_SECOND = 5;

export class ImportBusyError extends Error {
  readonly code = 'BUSY';
}

/**
 * Runs one import at a time for the UI: starts `importFolder` without awaiting it (the
 * pipeline is async, its heavy parts run in sharp's and the runtime's threads), streams
 * its progress as events, and lets the ranger cancel. A cancelled or interrupted import
 * resumes when the same folder is imported again (the pipeline keeps its work list).
 */
export class ImportRunner {
  private current: { rootPath: string; controller: AbortController; progress: ImportProgress | null; done: Promise<void> } | null = null;
  private last: ImportFinished | null = null;

  constructor(
    private readonly library: Library,
    private readonly settings: Settings,
    private readonly events: EventBus,
    private readonly openModel: ClassifierOpener = openActiveModel,
  ) {}

  async start(rootPath: string): Promise<{ rootPath: string }> {
    if (this.current) throw new ImportBusyError(`An import of "${this.current.rootPath}" is running; cancel it or wait for it to finish.`);
    const resolved = path.resolve(rootPath);
    const stat = await fs.stat(resolved).catch(() => null);
    if (!stat) throw new StationError('FOLDER_NOT_FOUND', `Folder "${resolved}" does not exist; check the path (it must be a folder on this computer).`);
    if (!stat.isDirectory()) throw new StationError('NOT_A_FOLDER', `"${resolved}" is a file, not a folder; give the folder that holds the photos.`);

    const controller = new AbortController();
    const run = { rootPath: resolved, controller, progress: null as ImportProgress | null, done: Promise.resolve() };
    this.current = run;
    run.done = this.run(run).finally(() => {
      if (this.current === run) this.current = null;
    });
    return { rootPath: resolved };
  }

  private async run(run: { rootPath: string; controller: AbortController; progress: ImportProgress | null }): Promise<void> {
    let classifier: PhotoClassifier | null = null;
    let lastEmit = 0;
    const finish = (finished: Omit<ImportFinished, 'rootPath'>) => {
      this.last = { rootPath: run.rootPath, ...finished };
      if (run.progress) this.events.emit('import:progress', run.progress);
      this.events.emit('import:finished', this.last);
      this.events.emit('library:changed', { reason: 'import' });
    };
    try {
      classifier = await this.openModel(this.library, this.settings);
      const result = await importFolder(this.library, run.rootPath, {
        classifier,
        settings: this.settings,
        signal: run.controller.signal,
        onProgress: (progress) => {
          run.progress = progress;
          const now = Date.now();
          if (now - lastEmit >= 1000 / PROGRESS_EVENTS_PER_SECOND) {
            lastEmit = now;
            this.events.emit('import:progress', progress);
          }
        },
      });
      finish({ summary: result.summary, resumed: result.resumed, cancelled: result.summary.state === 'cancelled', error: null });
    } catch (error) {
      const cancelled = run.controller.signal.aborted;
      const code = error instanceof StationError ? error.code : 'INTERNAL';
      finish({ summary: null, resumed: false, cancelled, error: cancelled ? null : { code, message: errorMessage(error) } });
    } finally {
      await classifier?.close().catch(() => undefined);
    }
  }

  cancel(): { cancelled: boolean } {
    if (!this.current) return { cancelled: false };
    this.current.controller.abort();
    return { cancelled: true };
  }

  status(): ImportStatus {
    return {
      running: this.current !== null,
      rootPath: this.current?.rootPath ?? null,
      progress: this.current?.progress ?? null,
      last: this.last,
    };
  }

  /** Resolves when the running import (if any) has stopped; used on shutdown. */
  async stop(): Promise<void> {
    const run = this.current;
    if (!run) return;
    run.controller.abort();
    await run.done;
  }
}
