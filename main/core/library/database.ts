import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StationError, errorMessage } from '../errors.js';
import { MIGRATIONS } from './migrations.js';
import { writeTransaction } from './write-transaction.js';

export type Db = Database.Database;

/**
 * Opens (creating when absent) a library database, migrating it forward. A database
 * written by a newer version of the program is refused rather than misread, and a
 * copy of the file is taken before any migration touches it.
 */
export function openDatabase(databasePath: string, migrations: readonly string[] = MIGRATIONS, options: { readOnly?: boolean } = {}): Db {
  if (options.readOnly) return openReadOnly(databasePath, migrations);
  fs.mkdirSync(path.dirname(path.resolve(databasePath)), { recursive: true });
  let db: Db;
  try {
    db = new Database(databasePath, { timeout: 5000 });
  } catch (error) {
    throw new StationError('DATABASE_CORRUPT', `Cannot open the library ${databasePath}: ${errorMessage(error)}`, { cause: error });
  }
  try {
    refuseNewerSchema(db, databasePath, migrations.length);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrate(db, databasePath, migrations);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StationError) throw error;
    const message = errorMessage(error);
    if (/database is locked|SQLITE_BUSY/i.test(message)) {
      throw new StationError('DATABASE_IN_USE', `The library ${databasePath} is in use by another program; close it and try again.`, { cause: error });
    }
    if (/not a database|malformed/i.test(message)) {
      throw new StationError('DATABASE_CORRUPT', `${databasePath} is not a readable library database: ${message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * A library on a read-only file or in a read-only folder: readable, never changed. It must
 * already be at this program's schema (a migration would have to write).
 */
function openReadOnly(databasePath: string, migrations: readonly string[]): Db {
  let db: Db;
  try {
    db = openReadOnlyConnection(databasePath);
    refuseNewerSchema(db, databasePath, migrations.length);
  } catch (error) {
    if (error instanceof StationError) throw error;
    throw new StationError('DATABASE_CORRUPT', `Cannot read the library ${databasePath}: ${errorMessage(error)}`, { cause: error });
  }
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current < migrations.length) {
    db.close();
    throw new StationError(
      'LIBRARY_READ_ONLY',
      `The library ${databasePath} is read-only and needs an upgrade (schema ${current} of ${migrations.length}); open it once where it can be written, or copy it somewhere writable.`,
      { details: { path: databasePath } },
    );
  }
  return db;
}

/**
 * SQLite reads a WAL library only where it can keep its shared-memory file beside it: in a
 * read-only folder the library is read from a private copy in the temporary folder instead
 * (removed when the program ends).
 */
function openReadOnlyConnection(databasePath: string): Db {
  try {
    const db = new Database(databasePath, { readonly: true, fileMustExist: true, timeout: 5000 });
    db.pragma('user_version'); // the WAL index is opened on the first read
    return db;
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_READONLY_DIRECTORY') throw error;
  }
  const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-readonly-'));
  process.once('exit', () => fs.rmSync(copyDir, { recursive: true, force: true }));
  const copy = path.join(copyDir, path.basename(databasePath));
  fs.copyFileSync(databasePath, copy);
  if (fs.existsSync(`${databasePath}-wal`)) fs.copyFileSync(`${databasePath}-wal`, `${copy}-wal`);
  return new Database(copy, { readonly: true, fileMustExist: true, timeout: 5000 });
}

/**
 * True when another connection (another program, or this one) has the library open: in WAL
 * mode every open connection holds a shared lock, so an exclusive lock is refused.
 */
export function isDatabaseInUse(databasePath: string): boolean {
  const db = new Database(databasePath, { fileMustExist: true, timeout: 200 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (error) {
    if (/database is locked|SQLITE_BUSY/i.test(errorMessage(error))) return true;
    throw error;
  } finally {
    db.close();
  }
}

/** Checked before anything writes to the file, so a newer library is left exactly as it was. */
function refuseNewerSchema(db: Db, databasePath: string, target: number): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > target) {
    throw new StationError(
      'DATABASE_NEWER',
      `The library ${databasePath} was written by a newer Invasives Station (schema ${current}, this program knows up to ${target}). Update the program; the file was left untouched.`,
    );
  }
}

function migrate(db: Db, databasePath: string, migrations: readonly string[]): void {
  const target = migrations.length;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current === target) return;
  if (current > 0) backupBeforeMigration(db, databasePath, current);
  for (let version = current + 1; version <= target; version++) {
    const sql = migrations[version - 1]!;
    writeTransaction(db, () => {
      // Another process opening the same library may have applied it while this one waited for the write lock.
      if ((db.pragma('user_version', { simple: true }) as number) >= version) return;
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    });
  }
}

function backupBeforeMigration(db: Db, databasePath: string, fromVersion: number): void {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  // The process id too: programs opening the library in the same millisecond each write their own
  // copy (VACUUM INTO refuses a file that exists, which had failed the second one's open).
  const backupPath = `${databasePath}.schema${fromVersion}-${stamp}-${process.pid}.bak`;
  // VACUUM INTO writes a consistent, self-contained copy even while WAL holds changes.
  db.prepare('VACUUM INTO ?').run(backupPath);
}
