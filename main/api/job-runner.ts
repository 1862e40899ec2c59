import fs from 'node:fs/promises';
import path from 'node:path';
import { classifyLibrary } from '../core/ingest/classify-library.js';
import { importFolderInWorker } from '../core/ingest/import-in-worker.js';
import { StationError } from '../core/errors.js';
import type { ImportProgress, WorkProgress } from '../core/ingest/import-events.js';
import type { Library } from '../core/library/index.js';
import type { Settings } from '../core/settings.js';
import type { PhotoClassifier } from '../core/vision/classifier.js';
import { openClassifier } from '../core/vision/open-classifier.js';
import { type TrainModelOptions, type TrainingProgress, libraryTrainingPhotos, trainModel } from '../core/learning/index.js';
import type { AlertsRefresher } from './alerts-refresher.js';
import type { ImportBundleSummary, MergeProgressListener } from '../core/stations/import-bundle.js';
import type { AlertsRefreshed, ClassifyFinished, ImportFinished, JobStatus, MergeFinished, MergeProgress, TrainingFinished } from './contract.js';
import type { EventBus } from './events.js';
import { JobBusyError, toApiError } from './api-error.js';

/** Opens the classifier a job uses (null: the library has no active model). */
export type ClassifierOpener = (library: Library, settings: Settings) => Promise<PhotoClassifier | null>;

const openActiveModel: ClassifierOpener = (library, settings) => openClassifier(library, { settings });

/** At most this many progress events per second reach the UI; the last one always does. */
const PROGRESS_EVENTS_PER_SECOND = 5;

interface RunningJob {
  kind: 'import' | 'classify' | 'train' | 'merge';
  /** The imported folder, for imports. */
  rootPath: string | null;
  controller: AbortController;
  progress: WorkProgress | null;
  trainingProgress: TrainingProgress | null;
  mergeProgress: MergeProgress | null;
  done: Promise<void>;
}

/**
 * The UI's long work, one job at a time: an import of a folder (in a worker thread), or
 * re-classifying the library with the active model. A job starts without being awaited
 * (decoding and inference run in sharp's and the runtime's threads, so the server keeps
 * answering), streams progress as events, and can be cancelled. A cancelled import
 * resumes when the same folder is imported again; a cancelled re-classification resumes
 * where it stopped (photos already classified by the model are skipped).
 */
export class JobRunner {
  private current: RunningJob | null = null;
  private lastImport: ImportFinished | null = null;

  constructor(
    private readonly library: Library,
    private readonly settings: Settings,
    private readonly events: EventBus,
    private readonly openModel: ClassifierOpener = openActiveModel,
    /** Re-runs the alert rules when an import or a re-classification ends. */
    private readonly alerts: AlertsRefresher | null = null,
    private readonly onAlertsError: (error: unknown) => void = () => undefined,
  ) {}

  /** The alerts after new photos or predictions; a failure here must not turn a good import into a failed one. */
  private refreshAlerts(): AlertsRefreshed | null {
    if (!this.alerts) return null;
    try {
      return this.alerts.refreshNow();
    } catch (error) {
      this.onAlertsError(error);
      return null;
    }
  }

  /** Runs `work` in the background; its result announces the outcome once the runner is free again. */
  private begin(kind: RunningJob['kind'], rootPath: string | null, work: (job: RunningJob) => Promise<() => void>): void {
    const job: RunningJob = { kind, rootPath, controller: new AbortController(), progress: null, trainingProgress: null, mergeProgress: null, done: Promise.resolve() };
    this.current = job;
    job.done = work(job).then((announce) => {
      if (this.current === job) this.current = null;
      announce();
      this.events.emit('library:changed', { reason: kind });
    });
  }

  private refuseWhenBusy(): void {
    if (!this.current) return;
    const what =
      this.current.kind === 'import'
        ? `An import of "${this.current.rootPath}"`
        : this.current.kind === 'train'
          ? 'Training a new model version'
          : this.current.kind === 'merge'
            ? `A merge of "${this.current.mergeProgress?.file ?? 'a file'}" from another station`
            : 'A re-classification of the library';
    throw new JobBusyError(`${what} is running; cancel it or wait for it to finish.`);
  }

  /** Emits progress events, throttled. */
  private progressEmitter<P extends WorkProgress>(job: RunningJob, emit: (progress: P) => void): (progress: P) => void {
    let lastEmit = 0;
    return (progress) => {
      job.progress = progress;
      const now = Date.now();
      if (now - lastEmit >= 1000 / PROGRESS_EVENTS_PER_SECOND || progress.filesDone === progress.filesTotal) {
        lastEmit = now;
        emit(progress);
      }
    };
  }

  async startImport(rootPath: string): Promise<{ rootPath: string }> {
    this.refuseWhenBusy();
    const resolved = path.resolve(rootPath);
    const stat = await fs.stat(resolved).catch(() => null);
    if (!stat) throw new StationError('FOLDER_NOT_FOUND', `Folder "${resolved}" does not exist; check the path (it must be a folder on this computer).`);
    if (!stat.isDirectory()) throw new StationError('NOT_A_FOLDER', `"${resolved}" is a file, not a folder; give the folder that holds the photos.`);
    this.refuseWhenBusy();
    this.begin('import', resolved, async (job) => {
      const finish = (finished: Omit<ImportFinished, 'rootPath' | 'alerts'>) => {
        // The worker wrote through its own connection; this one sees its commits.
        const alerts = this.refreshAlerts();
        return () => this.announceImport({ rootPath: resolved, ...finished, alerts }, job);
      };
      try {
        // In a worker thread: hashing, EXIF, decoding and resizing never hold up this process.
        const result = await importFolderInWorker({
          rootPath: resolved,
          settings: this.settings,
          classify: true,
          signal: job.controller.signal,
          onProgress: this.progressEmitter<ImportProgress>(job, (progress) => this.events.emit('import:progress', progress)),
        });
        return finish({ summary: result.summary, resumed: result.resumed, cancelled: result.summary.state === 'cancelled', error: null });
      } catch (error) {
        const cancelled = job.controller.signal.aborted;
        return finish({ summary: null, resumed: false, cancelled, error: cancelled ? null : toApiError(error) });
      }
    });
    return { rootPath: resolved };
  }

  private announceImport(finished: ImportFinished, job: RunningJob): void {
    this.lastImport = finished;
    if (job.progress) this.events.emit('import:progress', job.progress as ImportProgress);
    this.events.emit('import:finished', finished);
  }

  /** Classifies every photo the active model has not seen yet. */
  async startReclassify(): Promise<{ modelId: number }> {
    this.refuseWhenBusy();
    const active = this.library.models.active();
    if (!active) throw new StationError('MODEL_NOT_FOUND', 'No model is active: add a model pack and choose it on the Models screen first.');
    const classifier = await this.openModel(this.library, this.settings);
    if (!classifier) throw new StationError('MODEL_NOT_FOUND', `The active model "${active.name} ${active.version}" could not be opened; add its pack again.`);
    this.begin('classify', null, async (job) => {
      let finished: ClassifyFinished;
      try {
        const result = await classifyLibrary(this.library, classifier, {
          settings: this.settings,
          signal: job.controller.signal,
          onProgress: this.progressEmitter<WorkProgress>(job, (progress) => this.events.emit('classify:progress', progress)),
        });
        finished = { modelId: result.modelId, classified: result.classified, failed: result.failed.length, cancelled: job.controller.signal.aborted, error: null };
      } catch (error) {
        const cancelled = job.controller.signal.aborted;
        finished = { modelId: active.id, classified: 0, failed: 0, cancelled, error: cancelled ? null : toApiError(error) };
      } finally {
        await classifier.close().catch(() => undefined);
      }
      this.refreshAlerts();
      return () => this.events.emit('classify:finished', finished);
    });
    return { modelId: active.id };
  }

  /**
   * Trains a new model version from the library's confirmed and corrected photos on the
   * active model's embeddings. Checked before starting, so the UI hears at once when there
   * is nothing to train on. The head trains on tfjs's CPU backend in this process, in short
   * batches that yield between them.
   */
  async startTraining(options: Omit<TrainModelOptions, 'settings' | 'signal' | 'onProgress' | 'fromLibrary' | 'fromFolders' | 'backbone'>): Promise<{ backboneModelId: number; photos: number; species: number }> {
    this.refuseWhenBusy();
    const backbone = this.library.models.active();
    if (!backbone) throw new StationError('MODEL_NOT_FOUND', 'No model is active: training builds on the active model; add a model pack and choose it on the Models screen first.');
    const photos = libraryTrainingPhotos(this.library);
    const species = new Set(photos.map((photo) => photo.label)).size;
    if (species < 2) {
      throw new StationError(
        'TRAINING_DATA_INSUFFICIENT',
        `Training needs confirmed or corrected photos of at least 2 species; the library has ${photos.length} reviewed photo(s) of ${species} species. Review more photos first.`,
      );
    }
    this.begin('train', null, async (job) => {
      let finished: TrainingFinished;
      let lastEmit = 0;
      try {
        const result = await trainModel(this.library, {
          ...options,
          settings: this.settings,
          fromLibrary: true,
          backbone: String(backbone.id),
          signal: job.controller.signal,
          onProgress: (progress) => {
            job.trainingProgress = progress;
            const now = Date.now();
            // Stage changes always reach the UI; epochs and embedding counts at most a few times a second.
            if (progress.stage === 'collecting' || progress.stage === 'building' || now - lastEmit >= 1000 / PROGRESS_EVENTS_PER_SECOND) {
              lastEmit = now;
              this.events.emit('training:progress', progress);
            }
          },
        });
        finished = { modelId: result.model.id, cancelled: false, error: null };
      } catch (error) {
        const cancelled = job.controller.signal.aborted;
        finished = { modelId: null, cancelled, error: cancelled ? null : toApiError(error) };
      }
      return () => this.events.emit('training:finished', finished);
    });
    return { backboneModelId: backbone.id, photos: photos.length, species };
  }

  /**
   * Merges another station's bundle or library file (`run`: the merge in its worker, reporting
   * through the listener it is given). Answers at once; the progress streams as
   * stations:mergeProgress events (each stage's start and end always, a few a second between)
   * and the outcome as stations:mergeFinished. A merge is all or nothing, so it is not cancelled.
   */
  startMerge(file: string, run: (onProgress: MergeProgressListener) => Promise<ImportBundleSummary>): { file: string } {
    this.refuseWhenBusy();
    this.begin('merge', null, async (job) => {
      job.mergeProgress = { file, stage: 'preparing', done: 0, total: 0 };
      let finished: MergeFinished;
      let lastEmit = 0;
      try {
        const summary = await run((stage, done, total) => {
          const progress: MergeProgress = { file, stage, done, total };
          const stageChanged = job.mergeProgress?.stage !== stage;
          job.mergeProgress = progress;
          const now = Date.now();
          if (stageChanged || done === total || now - lastEmit >= 1000 / PROGRESS_EVENTS_PER_SECOND) {
            lastEmit = now;
            this.events.emit('stations:mergeProgress', progress);
          }
        });
        if (!summary.sameLibrary) this.refreshAlerts();
        finished = { file, summary, error: null };
      } catch (error) {
        finished = { file, summary: null, error: toApiError(error) };
      }
      return () => this.events.emit('stations:mergeFinished', finished);
    });
    return { file };
  }

  /** Cancels the running job, whichever it is; files in flight finish first. A merge runs to its end. */
  cancel(): { cancelled: boolean } {
    if (!this.current || this.current.kind === 'merge') return { cancelled: false };
    this.current.controller.abort();
    return { cancelled: true };
  }

  status(): JobStatus {
    return {
      running: this.current?.kind ?? null,
      rootPath: this.current?.rootPath ?? null,
      progress: this.current?.progress ?? null,
      trainingProgress: this.current?.trainingProgress ?? null,
      mergeProgress: this.current?.mergeProgress ?? null,
      lastImport: this.lastImport,
    };
  }

  /** Resolves when the running job (if any) has stopped; used on shutdown. */
  async stop(): Promise<void> {
    const job = this.current;
    if (!job) return;
    job.controller.abort();
    await job.done;
  }
}
