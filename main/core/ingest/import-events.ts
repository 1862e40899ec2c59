import type { ImportSummary } from '../library/types.js';

/** Progress of a long run over many files (an import, a re-classification). */
export interface WorkProgress {
  filesTotal: number;
  filesDone: number;
  filesFailed: number;
  /** Photos per second in this run. */
  rate: number;
  /** Seconds left at the current rate, null until it can be estimated. */
  etaSeconds: number | null;
  /** The file that just finished, when there is one. */
  lastPath: string | null;
  /** Its error message, when it failed. */
  lastError: string | null;
}

/** Progress of a running import, emitted after every file and once at the start. */
export interface ImportProgress extends WorkProgress {
  importId: number;
  rootPath: string;
  /** Files of this import already finished in an earlier, interrupted run. */
  filesDoneBefore: number;
  photosNew: number;
}

export interface ImportResult {
  summary: ImportSummary;
  /** True when this run continued an interrupted import of the same folder. */
  resumed: boolean;
}
