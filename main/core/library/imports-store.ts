import type { Db } from './database.js';
import type { ImportFileError, ImportState, ImportSummary } from './types.js';
import { writeTransaction } from './write-transaction.js';

interface ImportRecord {
  id: number;
  root_path: string;
  started_at: string;
  finished_at: string | null;
  state: ImportState;
  pid: number | null;
  model_id: number | null;
  files_total: number;
  skipped_json: string;
}

interface FileCounts {
  done: number;
  failed: number;
  pending: number;
  new_photos: number;
  duplicates: number;
  known: number;
}

export type FileOutcome = 'new' | 'duplicate' | 'known';

function isProcessAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** imports + import_files: each import's work list, progress and outcome per file. */
export class ImportsStore {
  private readonly insertImport;
  private readonly insertFile;
  private readonly byId;
  private readonly all;
  private readonly counts;
  private readonly pending;
  private readonly setFileDone;
  private readonly setFileFailed;
  private readonly setState;
  private readonly setTotal;
  private readonly latestForRoot;
  private readonly failures;
  private readonly claim;

  constructor(private readonly db: Db) {
    this.insertImport = db.prepare(`
      INSERT INTO imports (root_path, started_at, state, pid, model_id, skipped_json)
      VALUES (?, ?, 'running', ?, ?, ?)`);
    this.insertFile = db.prepare(`INSERT OR IGNORE INTO import_files (import_id, path, state) VALUES (?, ?, 'pending')`);
    this.byId = db.prepare<[number], ImportRecord>('SELECT * FROM imports WHERE id = ?');
    this.all = db.prepare<[], ImportRecord>('SELECT * FROM imports ORDER BY id DESC');
    this.counts = db.prepare<[number], FileCounts>(`
      SELECT coalesce(sum(state = 'done'), 0) AS done, coalesce(sum(state = 'failed'), 0) AS failed,
             coalesce(sum(state = 'pending'), 0) AS pending, coalesce(sum(outcome = 'new'), 0) AS new_photos,
             coalesce(sum(outcome = 'duplicate'), 0) AS duplicates, coalesce(sum(outcome = 'known'), 0) AS known
      FROM import_files WHERE import_id = ?`);
    this.pending = db.prepare<[number], { path: string }>(`SELECT path FROM import_files WHERE import_id = ? AND state = 'pending' ORDER BY path`);
    this.setFileDone = db.prepare(`
      UPDATE import_files SET state = 'done', outcome = ?, photo_id = ?, error_code = NULL, error_message = NULL
      WHERE import_id = ? AND path = ?`);
    this.setFileFailed = db.prepare(`
      UPDATE import_files SET state = 'failed', error_code = ?, error_message = ? WHERE import_id = ? AND path = ?`);
    this.setState = db.prepare('UPDATE imports SET state = ?, finished_at = ?, error_message = ? WHERE id = ?');
    this.setTotal = db.prepare(`
      UPDATE imports SET files_total = (SELECT count(*) FROM import_files WHERE import_id = @id), skipped_json = @skipped
      WHERE id = @id`);
    this.latestForRoot = db.prepare<[string], ImportRecord>('SELECT * FROM imports WHERE root_path = ? ORDER BY id DESC LIMIT 1');
    this.failures = db.prepare<[number], { path: string; error_code: string; error_message: string }>(
      `SELECT path, error_code, error_message FROM import_files WHERE import_id = ? AND state = 'failed' ORDER BY path`,
    );
    this.claim = db.prepare(`UPDATE imports SET state = 'running', pid = ?, finished_at = NULL, model_id = ? WHERE id = ?`);
  }

  start(rootPath: string, modelId: number | null): number {
    return Number(this.insertImport.run(rootPath, new Date().toISOString(), process.pid, modelId, '{}').lastInsertRowid);
  }

  /**
   * The unfinished import of this folder, if any: interrupted, cancelled, or marked running by a
   * process that no longer exists (killed, power loss), or by this process when `runningHere`
   * says it is not running any more (its last write failed, e.g. on a full disk). Running in a
   * live process: not resumable.
   */
  findResumable(rootPath: string, runningHere: (importId: number) => boolean = () => true): ImportSummary | null {
    const record = this.latestForRoot.get(rootPath);
    if (!record) return null;
    const abandoned = record.pid === process.pid ? !runningHere(record.id) : !isProcessAlive(record.pid);
    const unfinished = record.state === 'interrupted' || record.state === 'cancelled' || (record.state === 'running' && abandoned);
    return unfinished ? this.summaryOf(record) : null;
  }

  /** The import of this folder still running in another live process, if any. */
  findRunningElsewhere(rootPath: string): ImportSummary | null {
    const record = this.latestForRoot.get(rootPath);
    return record && record.state === 'running' && record.pid !== process.pid && isProcessAlive(record.pid) ? this.summaryOf(record) : null;
  }

  /** Takes over an unfinished import in this process. */
  resume(importId: number, modelId: number | null): void {
    this.claim.run(process.pid, modelId, importId);
  }

  /** Adds the scanned files as pending (files already listed keep their state). */
  addFiles(importId: number, paths: readonly string[], skipped: Record<string, number>): void {
    writeTransaction(this.db, () => {
      for (const path of paths) this.insertFile.run(importId, path);
      this.setTotal.run({ id: importId, skipped: JSON.stringify(skipped) });
    });
  }

  pendingPaths(importId: number): string[] {
    return this.pending.all(importId).map((row) => row.path);
  }

  /** Called inside the per-file transaction that also stores the photo. */
  markFileDone(importId: number, path: string, outcome: FileOutcome, photoId: number): void {
    this.setFileDone.run(outcome, photoId, importId, path);
  }

  markFileFailed(importId: number, path: string, code: string, message: string): void {
    this.setFileFailed.run(code, message, importId, path);
  }

  finish(importId: number, state: Exclude<ImportState, 'running'>, errorMessage: string | null = null): void {
    this.setState.run(state, new Date().toISOString(), errorMessage, importId);
  }

  get(importId: number): ImportSummary | null {
    const record = this.byId.get(importId);
    return record ? this.summaryOf(record) : null;
  }

  list(): ImportSummary[] {
    return this.all.all().map((record) => this.summaryOf(record));
  }

  errors(importId: number): ImportFileError[] {
    return this.failures.all(importId).map((row) => ({ path: row.path, code: row.error_code, message: row.error_message }));
  }

  private summaryOf(record: ImportRecord): ImportSummary {
    const counts = this.counts.get(record.id)!;
    return {
      id: record.id,
      rootPath: record.root_path,
      startedAt: record.started_at,
      finishedAt: record.finished_at,
      state: record.state,
      modelId: record.model_id,
      filesTotal: record.files_total,
      filesDone: counts.done,
      filesFailed: counts.failed,
      filesPending: counts.pending,
      photosNew: counts.new_photos,
      photosDuplicate: counts.duplicates,
      photosKnown: counts.known,
      skipped: JSON.parse(record.skipped_json) as Record<string, number>,
    };
  }
}
