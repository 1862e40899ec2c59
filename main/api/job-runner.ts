import fs from 'node:fs/promises';
import path from 'node:path';
import { classifyLibrary } from '../core/ingest/classify-library.js';
import { importFolderInWorker } from '../core/ingest/import-in-worker.js';
import { StationError } from '../core/errors.js';
import type { ImportProgress, WorkProgress } from '../core/ingest/import-events.js';
import type { JobKind, Library } from '../core/library/index.js';
import type { Settings } from '../core/settings.js';
import type { PhotoClassifier } from '../core/vision/classifier.js';
import { openClassifier } from '../core/vision/open-classifier.js';
import { type TrainModelOptions, type TrainingProgress, libraryTrainingPhotos, trainModel } from '../core/learning/index.js';
import type { AlertsRefresher } from './alerts-refresher.js';
import type { ImportBundleSummary, MergeProgressListener } from '../core/stations/import-bundle.js';
import type { AlertsRefreshed, ApiError, ClassifyFinished, ImportFinished, InterruptedJob, JobStatus, MergeFinished, MergeProgress, TrainingFinished } from './contract.js';
import type { EventBus } from './events.js';
import { JobBusyError, toApiError } from './api-error.js';

/** Opens the classifier a job uses (null: the library has no active model). */
export type ClassifierOpener = (library: Library, settings: Settings) => Promise<PhotoClassifier | null>;

const openActiveModel: ClassifierOpener = (library, settings) => openClassifier(library, { settings });

/** The code of a job (or call) that the backend process stopping ended. */
const BACKEND_STOPPED = 'BACKEND_STOPPED';

const INTERRUPTED_REASONS: Record<JobKind, (target: string | null) => string> = {
  import: (folder) => `The station's backend stopped during the import of "${folder}"; import the folder again to resume it.`,
  classify: () => "The station's backend stopped while re-classifying; start it again (photos already classified are kept).",
  train: () => "The station's backend stopped while training; start it again.",
  compile: (pack) => `The station's backend stopped while compiling the model pack "${pack}"; add it again.`,
  merge: (file) => `The station's backend stopped while merging "${file}"; nothing of it was stored (a merge is all or nothing): merge it again.`,
};

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How a job ended, for its record. */
interface JobOutcome {
  cancelled: boolean;
  error: ApiError | null;
}

/** At most this many progress events per second reach the UI; the last one always does. */
const PROGRESS_EVENTS_PER_SECOND = 5;

interface RunningJob {
  kind: 'import' | 'classify' | 'train' | 'merge';
  /** Its row in the library's job records (null when the library could not record it). */
  recordId: number | null;
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

  /** A job record, or null: a library that cannot be written refuses the job itself a moment later. */
  private startRecord(kind: JobKind, target: string | null): number | null {
    try {
      return this.library.jobRecords.start(kind, target);
    } catch {
      return null;
    }
  }

  private endRecord(recordId: number | null, outcome: JobOutcome): void {
    if (recordId === null) return;
    try {
      const state = outcome.error ? 'failed' : outcome.cancelled ? 'cancelled' : 'finished';
      this.library.jobRecords.end(recordId, state, outcome.error ? { code: outcome.error.code, reason: outcome.error.message } : null);
    } catch {
      // The library was closed under the job (a restore); the record stays 'running' and reads as interrupted.
    }
  }

  /** Runs `work` in the background; its result announces the outcome once the runner is free again. */
  private begin(
    kind: RunningJob['kind'],
    rootPath: string | null,
    work: (job: RunningJob) => Promise<{ outcome: JobOutcome; announce: () => void }>,
    recordTarget: string | null = rootPath,
  ): number | null {
    const recordId = this.startRecord(kind, recordTarget);
    const job: RunningJob = { kind, recordId, rootPath, controller: new AbortController(), progress: null, trainingProgress: null, mergeProgress: null, done: Promise.resolve() };
    this.current = job;
    job.done = work(job).then(({ outcome, announce }) => {
      this.endRecord(recordId, outcome);
      if (this.current === job) this.current = null;
      announce();
      this.events.emit('library:changed', { reason: kind });
    });
    return recordId;
  }

  /**
   * Runs a job that the caller awaits (compiling a model pack) with a record, so a backend that
   * stops under it reports it as failed after its restart.
   */
  async recorded<T>(kind: 'compile', target: string, work: () => Promise<T>): Promise<T> {
    const recordId = this.startRecord(kind, target);
    try {
      const result = await work();
      this.endRecord(recordId, { cancelled: false, error: null });
      return result;
    } catch (error) {
      this.endRecord(recordId, { cancelled: false, error: toApiError(error) });
      throw error;
    }
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
        return { outcome: finished, announce: () => this.announceImport({ rootPath: resolved, ...finished, alerts }, job) };
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
      return { outcome: finished, announce: () => this.events.emit('classify:finished', finished) };
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
      return { outcome: finished, announce: () => this.events.emit('training:finished', finished) };
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
      return { outcome: { cancelled: false, error: finished.error }, announce: () => this.events.emit('stations:mergeFinished', finished) };
    }, file);
    return { file };
  }

  /** Cancels the running job, whichever it is; files in flight finish first. A merge runs to its end. */
  cancel(): { cancelled: boolean } {
    if (!this.current || this.current.kind === 'merge') return { cancelled: false };
    this.current.controller.abort();
    return { cancelled: true };
  }

  /**
   * A merge writing its records holds the library's write lock (one transaction, by design):
   * the file it merges while it does, else null.
   */
  mergeWritingRecords(): string | null {
    const progress = this.current?.kind === 'merge' ? this.current.mergeProgress : null;
    return progress?.stage === 'records' ? progress.file : null;
  }

  status(): JobStatus {
    return {
      running: this.current?.kind ?? null,
      rootPath: this.current?.rootPath ?? null,
      progress: this.current?.progress ?? null,
      trainingProgress: this.current?.trainingProgress ?? null,
      mergeProgress: this.current?.mergeProgress ?? null,
      lastImport: this.lastImport,
      interrupted: this.latestInterruption(),
    };
  }

  /** The latest job record, when a stopped backend ended it. */
  private latestInterruption(): InterruptedJob | null {
    try {
      const [latest] = this.library.jobRecords.latest(1);
      if (!latest || !(latest.state === 'interrupted' || latest.failureCode === BACKEND_STOPPED)) return null;
      return { kind: latest.kind, target: latest.target, reason: latest.failureReason ?? '', resumed: latest.resumedBy !== null, endedAt: latest.endedAt };
    } catch {
      return null;
    }
  }

  /**
   * After the backend process was restarted: jobs whose process is gone without ending them.
   * The latest interrupted import is started again (imports resume where they stopped); an
   * interrupted re-classification too; training and model compilation are reported as failed
   * with the reason, and the UI hears it as the job's finished event.
   */
  async resumeInterrupted(isAlive: (pid: number) => boolean = processIsAlive): Promise<InterruptedJob[]> {
    const orphans = this.library.jobRecords.orphaned(isAlive);
    const reported: InterruptedJob[] = [];
    const resumable = [...orphans].reverse().find((record) => record.kind === 'import' || record.kind === 'classify');
    for (const record of orphans) {
      if (record === resumable && !this.current) {
        const reason = record.kind === 'import'
          ? `The station's backend stopped during the import of "${record.target}"; the import was resumed where it stopped.`
          : "The station's backend stopped during the re-classification; it was resumed where it stopped.";
        try {
          if (record.kind === 'import') await this.startImport(record.target ?? '');
          else await this.startReclassify();
          this.library.jobRecords.end(record.id, 'interrupted', { code: BACKEND_STOPPED, reason });
          const resumedBy = this.runningRecordId();
          if (resumedBy !== null) this.library.jobRecords.markResumed(record.id, resumedBy);
          reported.push({ kind: record.kind, target: record.target, reason, resumed: true, endedAt: new Date().toISOString() });
        } catch (error) {
          const failed = `${INTERRUPTED_REASONS[record.kind](record.target)} (It could not be resumed at once: ${toApiError(error).message})`;
          this.library.jobRecords.end(record.id, 'failed', { code: BACKEND_STOPPED, reason: failed });
          reported.push(this.announceInterrupted(record.kind, record.target, failed));
        }
        continue;
      }
      const reason = INTERRUPTED_REASONS[record.kind](record.target);
      this.library.jobRecords.end(record.id, 'failed', { code: BACKEND_STOPPED, reason });
      reported.push(this.announceInterrupted(record.kind, record.target, reason));
    }
    return reported;
  }

  private runningRecordId(): number | null {
    return this.current?.recordId ?? null;
  }

  private announceInterrupted(kind: InterruptedJob['kind'], target: string | null, reason: string): InterruptedJob {
    const error: ApiError = { code: BACKEND_STOPPED, message: reason };
    if (kind === 'train') this.events.emit('training:finished', { modelId: null, cancelled: false, error });
    if (kind === 'import') this.events.emit('import:finished', { rootPath: target ?? '', summary: null, resumed: false, cancelled: false, error, alerts: null });
    if (kind === 'classify') this.events.emit('classify:finished', { modelId: this.library.models.active()?.id ?? 0, classified: 0, failed: 0, cancelled: false, error });
    if (kind === 'merge') this.events.emit('stations:mergeFinished', { file: target ?? '', summary: null, error });
    return { kind, target, reason, resumed: false, endedAt: new Date().toISOString() };
  }

  /** Resolves when the running job (if any) has stopped; used on shutdown. */
  async stop(): Promise<void> {
    const job = this.current;
    if (!job) return;
    job.controller.abort();
    await job.done;
  }
}
