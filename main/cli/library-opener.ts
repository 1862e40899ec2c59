import { StationError } from '../core/errors.js';
import { Library, checkLibraryPath } from '../core/library/index.js';

/** What a command does to the library: 'read' commands also work on a read-only library. */
export type LibraryAccess = 'read' | 'write';

export interface LibraryOpener {
  /** Checks the path (nothing is created when it is wrong) and opens the library for this access. */
  open(access: LibraryAccess): Library;
  /** The same checks without opening: for commands that hand the path on (serve). */
  check(access: LibraryAccess): void;
}

/**
 * The CLI's way to a library. The default library is created when missing, as a first run
 * expects; a --db given explicitly must exist unless --create says to start one there.
 */
export function libraryOpener(databasePath: string, options: { explicit: boolean; create: boolean }): LibraryOpener {
  const check = (access: LibraryAccess) => {
    const found = checkLibraryPath(databasePath, { mayCreate: !options.explicit || options.create });
    if (!found.writable && access === 'write') {
      throw new StationError(
        'LIBRARY_READ_ONLY',
        `Library ${found.path}: the file or its folder is read-only, and this command changes the library; fix the permissions or copy the library somewhere writable (stats, export and other read-only commands still work).`,
        { details: { path: found.path } },
      );
    }
    return found;
  };
  return {
    check,
    open(access) {
      const found = check(access);
      return Library.open(found.path, { readOnly: !found.writable });
    },
  };
}
