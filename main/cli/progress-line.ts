import type { WorkProgress } from '../core/ingest/import-events.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function describeProgress(progress: WorkProgress): string {
  const eta = progress.etaSeconds === null ? 'ETA …' : `ETA ${formatDuration(progress.etaSeconds)}`;
  const errors = progress.filesFailed === 1 ? '1 error' : `${progress.filesFailed} errors`;
  return `${progress.filesDone}/${progress.filesTotal} files · ${progress.rate.toFixed(1)} photos/s · ${eta} · ${errors}`;
}

/**
 * Shows import progress: one live line redrawn in place on a terminal; on a pipe or a log
 * file, a plain line at most every few seconds, plus one per failed file.
 */
export class ProgressPrinter {
  private lastPlainLineAt = 0;
  private live = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly plainIntervalMs = 2000,
  ) {}

  update(progress: WorkProgress): void {
    if (this.stream.isTTY) {
      const line = describeProgress(progress);
      if (progress.lastError) this.stream.write(`\r\x1b[2K✗ ${progress.lastError}\n`);
      // Cut to the terminal's width (minus one, so the cursor does not wrap); an unknown width cuts nothing.
      const width = this.stream.columns;
      this.stream.write(`\r\x1b[2K${width ? line.slice(0, width - 1) : line}`);
      this.live = true;
      return;
    }
    if (progress.lastError) this.stream.write(`error: ${progress.lastError}\n`);
    const now = Date.now();
    const finished = progress.filesDone === progress.filesTotal;
    if (finished || now - this.lastPlainLineAt >= this.plainIntervalMs) {
      this.stream.write(`${describeProgress(progress)}\n`);
      this.lastPlainLineAt = now;
    }
  }

  /** Ends the live line so that what follows starts on a fresh line. */
  done(): void {
    if (this.live) this.stream.write('\n');
    this.live = false;
  }
}
