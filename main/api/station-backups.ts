import fs from 'node:fs';
import path from 'node:path';
import { backupLibrary, defaultBackupName, libraryBackupsDir, restoreLibrary } from '../core/backup/library-backup.js';
import { StationError } from '../core/errors.js';
import type { Library } from '../core/library/index.js';
import type { BackupInfo, RestoreResult } from './contract.js';

/** Backups as the UI sees them: files in the library's own backups folder, named, never given as paths. */
export interface StationBackups {
  list(): BackupInfo[];
  create(): Promise<BackupInfo>;
  restore(name: string): Promise<RestoreResult>;
  /** Restores from a backup file the user gave (an upload or a dialog choice), checked like a named one. */
  restoreFile(backupPath: string): Promise<RestoreResult>;
}

function infoOf(file: string): BackupInfo {
  const stat = fs.statSync(file);
  return { name: path.basename(file), bytes: stat.size, createdAt: stat.mtime.toISOString() };
}

export function listBackups(databasePath: string): BackupInfo[] {
  const dir = libraryBackupsDir(databasePath);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.tar.gz'))
    .map((name) => infoOf(path.join(dir, name)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export async function createBackup(library: Library): Promise<BackupInfo> {
  const dir = libraryBackupsDir(library.databasePath);
  fs.mkdirSync(dir, { recursive: true });
  const result = await backupLibrary(library, path.join(dir, defaultBackupName()));
  return infoOf(result.outPath);
}

/**
 * Restores a named backup of the backups folder. `closeLibrary` must release every handle on
 * the library first (jobs stopped, database closed); the caller reopens it afterwards, whatever happened.
 */
export async function restoreNamedBackup(databasePath: string, name: string, closeLibrary: () => Promise<void>): Promise<RestoreResult> {
  const file = path.join(libraryBackupsDir(databasePath), path.basename(name));
  if (!fs.existsSync(file)) throw new StationError('NOT_FOUND', `There is no backup "${name}" in ${libraryBackupsDir(databasePath)}; reload the list.`);
  return restoreBackupFile(databasePath, file, closeLibrary);
}

/** Restores any backup file (restoreLibrary checks it and backs the current library up first); same handle rules as above. */
export async function restoreBackupFile(databasePath: string, backupPath: string, closeLibrary: () => Promise<void>): Promise<RestoreResult> {
  await closeLibrary();
  return restoreLibrary(backupPath, databasePath);
}
