import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The maintainers' data folder beside the checkout; tests that need it skip with this reason when absent. */
export const SHARED_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

/** `false` when the file exists, else the skip reason to hand to node:test. */
export function skipUnlessShared(...parts: string[]): string | false {
  const full = sharedPath(...parts);
  return fs.existsSync(full) ? false : `../shared is absent here (${full} not found): this test needs the maintainers' shared data`;
}
