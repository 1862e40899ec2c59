import type { Db } from './database.js';

export type JobKind = 'import' | 'classify' | 'train' | 'compile' | 'merge';
export type JobState = 'running' | 'finished' | 'cancelled' | 'failed' | 'interrupted';

export interface JobRecord {
  id: number;
  kind: JobKind;
  /** The imported folder, or the model pack's name; null for other kinds. */
  target: string | null;
  state: JobState;
  ownerPid: number;
  startedAt: string;
  endedAt: string | null;
  failureCode: string | null;
  failureReason: string | null;
  resumedBy: number | null;
}

interface JobRecordRow {
  id: number;
  kind: JobKind;
  target: string | null;
  state: JobState;
  owner_pid: number;
  started_at: string;
  ended_at: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  resumed_by: number | null;
}

function fromRow(row: JobRecordRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    target: row.target,
    state: row.state,
    ownerPid: row.owner_pid,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    failureCode: row.failure_code,
    failureReason: row.failure_reason,
    resumedBy: row.resumed_by,
  };
}

/**
 * job_records: the UI's long jobs, written when one starts and when it ends, so that a
 * backend process that stopped mid-job (killed, crashed) can tell afterwards what it was
 * doing: imports are resumed, training and compilation are reported as failed.
 */
export class JobRecordsStore {
  private readonly insert;
  private readonly finish;
  private readonly running;
  private readonly recent;
  private readonly byId;
  private readonly linkResumed;

  constructor(db: Db) {
    this.insert = db.prepare<{ kind: JobKind; target: string | null; pid: number; at: string }>(
      `INSERT INTO job_records (kind, target, state, owner_pid, started_at) VALUES (@kind, @target, 'running', @pid, @at)`,
    );
    this.finish = db.prepare<{ id: number; state: JobState; at: string; code: string | null; reason: string | null }>(
      `UPDATE job_records SET state = @state, ended_at = @at, failure_code = @code, failure_reason = @reason WHERE id = @id AND state = 'running'`,
    );
    this.running = db.prepare<[], JobRecordRow>(`SELECT * FROM job_records WHERE state = 'running' ORDER BY id`);
    this.recent = db.prepare<[number], JobRecordRow>('SELECT * FROM job_records ORDER BY id DESC LIMIT ?');
    this.byId = db.prepare<[number], JobRecordRow>('SELECT * FROM job_records WHERE id = ?');
    this.linkResumed = db.prepare<[number, number]>('UPDATE job_records SET resumed_by = ? WHERE id = ?');
  }

  start(kind: JobKind, target: string | null, ownerPid = process.pid): number {
    return Number(this.insert.run({ kind, target, pid: ownerPid, at: new Date().toISOString() }).lastInsertRowid);
  }

  /** Ends a running record; a record already ended (or marked interrupted) is left as it is. */
  end(id: number, state: Exclude<JobState, 'running'>, failure: { code: string; reason: string } | null = null): void {
    this.finish.run({ id, state, at: new Date().toISOString(), code: failure?.code ?? null, reason: failure?.reason ?? null });
  }

  /** Records still 'running' whose process is gone: their jobs stopped without ending. */
  orphaned(isAlive: (pid: number) => boolean): JobRecord[] {
    return this.running.all().map(fromRow).filter((record) => record.ownerPid !== process.pid && !isAlive(record.ownerPid));
  }

  markResumed(id: number, resumedBy: number): void {
    this.linkResumed.run(resumedBy, id);
  }

  get(id: number): JobRecord | null {
    const row = this.byId.get(id);
    return row ? fromRow(row) : null;
  }

  /** Newest first. */
  latest(limit = 20): JobRecord[] {
    return this.recent.all(limit).map(fromRow);
  }
}
