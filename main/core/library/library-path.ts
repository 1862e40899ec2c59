import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../errors.js';

/** Kernel and device file systems: a library there is always a mistake (and SQLite may spin on them forever). */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

export interface LibraryPathCheck {
  /** The absolute path of the library file. */
  path: string;
  /** The file is there already. */
  exists: boolean;
  /** The file and its folder can be written (SQLite's WAL needs both). */
  writable: boolean;
}

export interface LibraryPathOptions {
  /** A missing library may be created (the default library, or an explicit path with --create). */
  mayCreate: boolean;
}

function invalid(databasePath: string, why: string): StationError {
  return new StationError('LIBRARY_PATH_INVALID', `Library ${databasePath}: ${why}`, { details: { path: databasePath } });
}

function canWrite(target: string): boolean {
  try {
    fs.accessSync(target, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The deepest folder of `target` that exists (for a path whose folders are partly missing). */
function nearestExisting(target: string): string {
  let at = target;
  while (!fs.existsSync(at)) {
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  return at;
}

function isUnder(target: string, folder: string): boolean {
  return target === folder || target.startsWith(`${folder}${path.sep}`);
}

/**
 * Checks where a library is to be opened before anything touches the disk: a folder, a
 * system folder, an unwritable or mistyped place each get a one-line error that names the
 * path and what to do, and nothing is created.
 */
export function checkLibraryPath(databasePath: string, options: LibraryPathOptions): LibraryPathCheck {
  const resolved = path.resolve(databasePath);
  const real = fs.realpathSync.native(nearestExisting(resolved));
  const realTarget = path.join(real, path.relative(nearestExisting(resolved), resolved));
  if (SYSTEM_FOLDERS.some((folder) => isUnder(resolved, folder) || isUnder(realTarget, folder))) {
    throw invalid(resolved, 'is inside a system folder (/proc, /sys, /dev), which cannot hold a library; give a path in your own folders, e.g. --db ~/invasives/library.sqlite.');
  }
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(resolved);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw invalid(resolved, `a part of the path is a file, not a folder; check the path.`);
    if (code !== 'ENOENT') throw invalid(resolved, `cannot be read (${code}); check the path and its permissions.`);
  }
  if (stat?.isDirectory()) {
    throw invalid(resolved, `is a folder, not a library file; give a file in it, e.g. --db ${path.join(resolved, 'library.sqlite')}.`);
  }
  if (stat && !stat.isFile()) throw invalid(resolved, 'is not a regular file (a device or a pipe?); give the path of a library file.');
  const folder = path.dirname(resolved);
  if (stat) return { path: resolved, exists: true, writable: canWrite(resolved) && canWrite(folder) };

  if (!options.mayCreate) {
    const missingFolder = fs.existsSync(folder) ? '' : ` (its folder ${folder} does not exist either)`;
    throw invalid(resolved, `no library there${missingFolder}; check the path for a typing mistake, or add --create to start a new library there.`);
  }
  const existing = nearestExisting(folder);
  if (!fs.statSync(existing).isDirectory()) throw invalid(resolved, `${existing} is a file, not a folder; check the path.`);
  if (!canWrite(existing)) {
    throw invalid(resolved, `cannot be created: the folder ${existing} is not writable; choose another --db or fix the folder's permissions.`);
  }
  return { path: resolved, exists: false, writable: true };
}
