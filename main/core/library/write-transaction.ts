import type { Db } from './database.js';

/**
 * The one way to run a write transaction on a library: all of `work` is stored, or none.
 * It begins IMMEDIATE (takes the write lock before its first statement): a deferred one that
 * read first failed with SQLITE_BUSY_SNAPSHOT when another process had written meanwhile.
 * Inside another transaction it is a savepoint of that one.
 */
export function writeTransaction<T>(db: Db, work: () => T): T {
  return db.transaction(work).immediate();
}
