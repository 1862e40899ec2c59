import fs from 'node:fs';
import path from 'node:path';
import { backupLibrary, defaultBackupName, libraryBackupsDir, restoreLibrary } from '../../core/backup/library-backup.js';
import { StationError } from '../../core/errors.js';
import { checkLibraryPath } from '../../core/library/index.js';
import { type CliCommand, usageError } from '../command.js';

function megabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

export const backupCommand: CliCommand = {
  name: 'backup',
  summary: 'write a consistent backup of the library (database, thumbnails, compiled models)',
  usage: `invasives backup [--out FILE] [--db FILE] [--json]

Writes the whole library to one .tar.gz: the database (SQLite's online backup, consistent
even while an import or the review station is using it), the thumbnails and the compiled
models. Bring it back with 'invasives restore FILE'.

  --out FILE   where to write it (default: <library>.backups/invasives-backup-<date-time>.tar.gz,
               the folder the app's Backups section lists); never overwritten`,
  options: { out: { type: 'string' } },
  async run(context) {
    const library = context.library.open('read');
    try {
      let out = context.options.out;
      if (typeof out !== 'string') {
        try {
          fs.mkdirSync(libraryBackupsDir(library.databasePath), { recursive: true });
        } catch (error) {
          throw new StationError('INVALID_ARGUMENT', `Cannot create the backups folder ${libraryBackupsDir(library.databasePath)} (${(error as NodeJS.ErrnoException).code}); give --out FILE in a writable folder.`, { cause: error });
        }
        out = path.join(libraryBackupsDir(library.databasePath), defaultBackupName());
      }
      const result = await backupLibrary(library, out);
      if (context.json) context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else context.stdout.write(`Backed up ${library.databasePath} (${result.photos} photos, ${result.models} models, ${result.thumbnails} thumbnails) to ${result.outPath} (${megabytes(result.bytes)}).\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};

export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'bring a library back from a backup (the current one is backed up first)',
  usage: `invasives restore <backup.tar.gz> [--db FILE] [--json]

Checks the backup first (its manifest, and a database that opens and passes SQLite's
integrity check), then replaces the library with it. A library already there is first
backed up as <library>.backups/before-restore-<time>.tar.gz: a restore never loses it. A library open in another program ('invasives serve', the app, an import) is
not replaced: stop it first.`,
  options: {},
  async run(context) {
    const file = context.positionals[0];
    if (!file) throw usageError('which backup? Usage: invasives restore <backup.tar.gz> [--db FILE]');
    const target = checkLibraryPath(context.databasePath, { mayCreate: true });
    if (!target.writable) {
      throw new StationError('LIBRARY_READ_ONLY', `Library ${target.path}: the file or its folder is read-only; a restore must write there. Choose another --db or fix the permissions.`, { details: { path: target.path } });
    }
    const result = await restoreLibrary(file, target.path);
    if (context.json) context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      context.stdout.write(`Restored ${result.databasePath} from ${path.resolve(file)} (taken ${result.createdAt}): ${result.photos} photos, ${result.models} models.\n`);
      if (result.previousLibraryBackup) context.stdout.write(`The library that was there is kept in ${result.previousLibraryBackup}.\n`);
    }
    return 0;
  },
};
