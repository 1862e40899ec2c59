import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StationError, errorMessage } from '../errors.js';
import { Library } from '../library/index.js';
import { SCHEMA_VERSION } from '../library/migrations.js';
import { thumbnailCacheDir } from '../settings.js';
import { exportBundle } from './export-bundle.js';
import { type ImportBundleOptions, type ImportBundleSummary, importBundle } from './import-bundle.js';

/**
 * `invasives merge OTHER.sqlite`: the same merge as a bundle, from another station's library
 * file. The other library is never changed: it is copied (SQLite's online backup) to a temporary
 * folder, brought to this schema there, written as a full bundle and that bundle is imported.
 */
export async function mergeLibraryFile(library: Library, otherPath: string, options: Omit<ImportBundleOptions, 'kind'> = {}): Promise<ImportBundleSummary> {
  const other = path.resolve(otherPath);
  if (!fs.existsSync(other)) throw new StationError('NOT_FOUND', `There is no library at ${other}; check the path.`, { details: { path: other } });
  if (other === path.resolve(library.databasePath)) {
    throw new StationError('INVALID_ARGUMENT', `${other} is this library itself; name the other station's library file.`);
  }
  options.onProgress?.('preparing', 0, 0);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-merge-'));
  try {
    const copy = path.join(work, 'other.sqlite');
    let source: Database.Database;
    try {
      source = new Database(other, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new StationError('DATABASE_CORRUPT', `${other} cannot be opened as a library (${errorMessage(error)}); nothing was merged.`, { cause: error });
    }
    try {
      const version = source.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new StationError('DATABASE_NEWER', `${other} was written by a newer version of the station (schema ${version}, this one has ${SCHEMA_VERSION}); update this station first. Nothing was merged.`, { details: { path: other } });
      }
      await source.backup(copy);
    } catch (error) {
      if (error instanceof StationError) throw error;
      throw new StationError('DATABASE_CORRUPT', `${other} cannot be read as a library (${errorMessage(error)}); nothing was merged.`, { cause: error });
    } finally {
      source.close();
    }
    const otherLibrary = Library.open(copy);
    const bundle = path.join(work, 'other.bundle');
    try {
      await exportBundle(otherLibrary, { out: bundle, full: true, thumbnailsDir: thumbnailCacheDir(other) });
    } finally {
      otherLibrary.close();
    }
    return await importBundle(library, bundle, { ...options, kind: 'library', label: options.label ?? other });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
