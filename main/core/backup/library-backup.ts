import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { StationError, errorMessage } from '../errors.js';
import { Library } from '../library/index.js';
import { modelStoreDir, thumbnailCacheDir } from '../settings.js';

/**
 * A library backup is one .tar.gz: the database (SQLite's online backup, consistent while the
 * library is in use), its thumbnails and its compiled models, and a manifest saying what it is.
 *
 *   invasives-backup.json   manifest (format, schema, counts, compiled model of each model row)
 *   library.sqlite          the database
 *   thumbs/<sha256>.jpg     the review thumbnails
 *   models/...              the library's compiled models (and models/external/<id>-<name> for
 *                           models whose compiled file lived outside the library's folder)
 */
export const BACKUP_FORMAT = 'invasives-station-backup';
const MANIFEST = 'invasives-backup.json';
const DATABASE = 'library.sqlite';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: 1;
  createdAt: string;
  /** The library the backup was taken from. */
  sourcePath: string;
  schemaVersion: number;
  photos: number;
  /** Each model row's compiled file inside the archive (null: none was stored). */
  models: { id: number; file: string | null }[];
}

export interface BackupResult {
  outPath: string;
  photos: number;
  models: number;
  thumbnails: number;
  bytes: number;
}

export interface RestoreResult {
  databasePath: string;
  photos: number;
  models: number;
  /** The backup of the library that was there before, or null when there was none. */
  previousLibraryBackup: string | null;
  createdAt: string;
}

/** Where the station (API and UI) keeps a library's backups: `<library>.backups/` beside it. */
export function libraryBackupsDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath)}.backups`);
}

/** A backup's default file name: invasives-backup-2026-06-01T10-00-00.tar.gz. */
export function defaultBackupName(now = new Date()): string {
  return `invasives-backup-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.tar.gz`;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

function countFiles(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Writes a consistent backup of `library` to `outPath` (refused when the file exists). The
 * archive is written beside it under a temporary name and renamed when complete.
 */
export async function backupLibrary(library: Library, outPath: string): Promise<BackupResult> {
  const target = path.resolve(outPath);
  if (fs.existsSync(target)) throw new StationError('INVALID_ARGUMENT', `${target} already exists; choose a new file name for the backup (nothing was written).`, { details: { path: target } });
  const folder = path.dirname(target);
  if (!fs.existsSync(folder)) throw new StationError('FOLDER_NOT_FOUND', `The folder ${folder} for the backup does not exist; create it or choose another --out.`, { details: { path: folder } });
  let staging: string;
  try {
    staging = fs.mkdtempSync(path.join(folder, '.invasives-backup-'));
  } catch (error) {
    throw new StationError('INVALID_ARGUMENT', `Cannot write a backup in ${folder} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}); choose a writable folder with --out.`, { cause: error, details: { path: folder } });
  }
  const partial = `${target}.partial`;
  try {
    await library.backupDatabaseTo(path.join(staging, DATABASE));
    const thumbsDir = thumbnailCacheDir(library.databasePath);
    if (fs.existsSync(thumbsDir)) fs.cpSync(thumbsDir, path.join(staging, 'thumbs'), { recursive: true });
    const storeDir = modelStoreDir(library.databasePath);
    if (fs.existsSync(storeDir)) fs.cpSync(storeDir, path.join(staging, 'models'), { recursive: true });
    const models: BackupManifest['models'] = [];
    for (const model of library.models.list()) {
      if (!model.onnxPath || !fs.existsSync(model.onnxPath)) {
        models.push({ id: model.id, file: null });
      } else if (isInside(path.resolve(model.onnxPath), path.resolve(storeDir))) {
        models.push({ id: model.id, file: path.posix.join('models', ...path.relative(storeDir, model.onnxPath).split(path.sep)) });
      } else {
        const file = path.posix.join('models', 'external', `${model.id}-${path.basename(model.onnxPath)}`);
        fs.mkdirSync(path.join(staging, 'models', 'external'), { recursive: true });
        fs.copyFileSync(model.onnxPath, path.join(staging, file));
        models.push({ id: model.id, file });
      }
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      sourcePath: library.databasePath,
      schemaVersion: library.schemaVersion(),
      photos: library.photos.count(),
      models,
    };
    fs.writeFileSync(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const entries = [MANIFEST, DATABASE, ...['thumbs', 'models'].filter((name) => fs.existsSync(path.join(staging, name)))];
    await tar.c({ gzip: true, file: partial, cwd: staging, portable: true }, entries);
    fs.renameSync(partial, target);
    return { outPath: target, photos: manifest.photos, models: models.length, thumbnails: countFiles(path.join(staging, 'thumbs')), bytes: fs.statSync(target).size };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    if (error instanceof StationError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new StationError('DATABASE_FULL', `The disk holding ${folder} is full; free some space or write the backup elsewhere (nothing was written).`, { cause: error });
    throw new StationError('FILE_UNREADABLE', `The backup to ${target} failed: ${errorMessage(error)} (nothing was written).`, { cause: error });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function invalidBackup(file: string, why: string, cause?: unknown): StationError {
  return new StationError('BACKUP_INVALID', `${file} is not a usable Invasives Station backup: ${why} Nothing was changed.`, { cause, details: { path: file } });
}

/** Archive entries a backup may hold: plain files and folders under known names, never links or paths that climb out. */
function allowedEntry(entryPath: string, type: string): boolean {
  if (!['File', 'OldFile', 'ContiguousFile', 'Directory'].includes(type)) return false;
  const parts = entryPath.split(/[\\/]+/).filter(Boolean);
  if (entryPath.startsWith('/') || parts.includes('..') || parts.length === 0) return false;
  return parts[0] === MANIFEST || parts[0] === DATABASE || parts[0] === 'thumbs' || parts[0] === 'models';
}

/** Unpacks and checks a backup in `staging`: its manifest, and a database that opens, passes integrity_check and is not newer than this program. */
async function unpackAndCheck(backupPath: string, staging: string): Promise<BackupManifest> {
  let refused: string | null = null;
  try {
    await tar.t({ file: backupPath, strict: true, onReadEntry: (entry) => void (allowedEntry(entry.path, entry.type) || (refused ??= entry.path)) });
  } catch (error) {
    throw invalidBackup(backupPath, `it is not a readable .tar.gz archive (${errorMessage(error)}).`, error);
  }
  if (refused) throw invalidBackup(backupPath, `it holds "${refused}", which no backup contains (a link, or a path outside the backup).`);
  await tar.x({ file: backupPath, cwd: staging, strict: true, preservePaths: false, filter: (entryPath, entry) => allowedEntry(entryPath, 'type' in entry ? String(entry.type) : 'File') });
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(staging, MANIFEST), 'utf8')) as BackupManifest;
  } catch (error) {
    throw invalidBackup(backupPath, `its manifest ${MANIFEST} is missing or unreadable.`, error);
  }
  if (manifest.format !== BACKUP_FORMAT || manifest.version !== 1) throw invalidBackup(backupPath, `its manifest says format "${String(manifest.format)}" version ${String(manifest.version)}.`);
  if (!fs.existsSync(path.join(staging, DATABASE))) throw invalidBackup(backupPath, `it has no ${DATABASE}.`);
  return manifest;
}

/**
 * Replaces the library at `databasePath` by the backup, after checking the backup. An existing
 * library is first backed up into its backups folder (`<library>.backups/before-restore-<time>.tar.gz`); the
 * library must not be open elsewhere (stop `invasives serve` or the app first).
 */
export async function restoreLibrary(backupPath: string, databasePath: string): Promise<RestoreResult> {
  const source = path.resolve(backupPath);
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (!stat) throw new StationError('FILE_UNREADABLE', `The backup ${source} does not exist; check the path.`, { details: { path: source } });
  if (!stat.isFile()) throw invalidBackup(source, 'it is a folder, not a backup file.');
  const target = path.resolve(databasePath);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(target), '.invasives-restore-'));
  try {
    const manifest = await unpackAndCheck(source, staging);
    const stagedDb = path.join(staging, DATABASE);
    let photos: number;
    let restored: Library;
    try {
      restored = Library.open(stagedDb);
    } catch (error) {
      if (error instanceof StationError && error.code === 'DATABASE_NEWER') throw error;
      throw invalidBackup(source, `its database does not open (${errorMessage(error)}).`, error);
    }
    try {
      const integrity = restored.integrityCheck();
      if (integrity !== 'ok') throw invalidBackup(source, `its database fails SQLite's integrity check (${integrity}).`);
      // Compiled models come back inside the restored library's folder: point each model row at its file there.
      for (const { id, file } of manifest.models ?? []) {
        if (file && fs.existsSync(path.join(staging, file))) {
          restored.models.setCompiledPath(id, path.join(modelStoreDir(target), ...file.split('/').slice(1)));
        }
      }
      photos = restored.photos.count();
    } finally {
      restored.close();
    }
    // Everything checked: now the only writes to the existing library's place.
    let previousLibraryBackup: string | null = null;
    if (fs.existsSync(target)) {
      if (Library.isInUse(target)) {
        throw new StationError('DATABASE_IN_USE', `The library ${target} is open in another program (invasives serve, the app, an import); stop it, then restore. Nothing was changed.`, { details: { path: target } });
      }
      fs.mkdirSync(libraryBackupsDir(target), { recursive: true });
      previousLibraryBackup = path.join(libraryBackupsDir(target), `before-restore-${stamp()}.tar.gz`);
      const current = Library.open(target);
      try {
        await backupLibrary(current, previousLibraryBackup);
      } finally {
        current.close();
      }
    }
    // The current files are moved aside (same folder, so renames are atomic) and put back if a rename fails.
    const aside = fs.mkdtempSync(path.join(path.dirname(target), '.invasives-replaced-'));
    const moved: [string, string][] = [];
    const move = (from: string, to: string) => {
      fs.renameSync(from, to);
      moved.push([from, to]);
    };
    try {
      for (const file of [target, `${target}-wal`, `${target}-shm`, thumbnailCacheDir(target), modelStoreDir(target)]) {
        if (fs.existsSync(file)) move(file, path.join(aside, path.basename(file)));
      }
      if (fs.existsSync(path.join(staging, 'thumbs'))) move(path.join(staging, 'thumbs'), thumbnailCacheDir(target));
      if (fs.existsSync(path.join(staging, 'models'))) move(path.join(staging, 'models'), modelStoreDir(target));
      move(stagedDb, target);
    } catch (error) {
      for (const [from, to] of moved.reverse()) fs.renameSync(to, from);
      fs.rmSync(aside, { recursive: true, force: true });
      throw new StationError('FILE_UNREADABLE', `Restoring into ${target} failed (${errorMessage(error)}); the library was put back as it was.`, { cause: error });
    }
    fs.rmSync(aside, { recursive: true, force: true });
    return { databasePath: target, photos, models: manifest.models?.length ?? 0, previousLibraryBackup, createdAt: manifest.createdAt };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
