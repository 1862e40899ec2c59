import fs from 'node:fs';
import { StationError } from '../core/errors.js';

/**
 * An export never replaces a file already at --out unless --force says so (like `backup`,
 * which never overwrites): a mistyped name must not cost last season's archive. Checked
 * before any work. A folder of that name is refused even with --force.
 */
export function refuseExistingOutput(target: string, force: boolean): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return; // nothing there (or nothing we can see): the writer reports a folder it cannot write to
  }
  if (stat.isDirectory()) {
    throw new StationError('EXPORT_FAILED', `Cannot write the export ${target}: a folder has that name. Give --out a file name; nothing was written.`, { details: { path: target } });
  }
  if (!force) {
    throw new StationError('EXPORT_FAILED', `${target} already exists; nothing was written. Choose another --out name, or pass --force to replace it.`, { details: { path: target } });
  }
}
