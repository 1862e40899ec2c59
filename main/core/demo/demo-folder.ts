import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../errors.js';

/** What `invasives demo` writes into its folder (besides the library and the files kept beside it): only these may be cleared by the next run. */
const DEMO_ENTRIES = new Set(['card', 'demo-model', 'photos.csv', 'photos.geojson']);
export const DEMO_LIBRARY = 'library.sqlite';

function writtenByTheDemo(entry: string): boolean {
  return DEMO_ENTRIES.has(entry) || entry === DEMO_LIBRARY || entry.startsWith(`${DEMO_LIBRARY}.`) || entry.startsWith(`${DEMO_LIBRARY}-`);
}

/**
 * Empties the demo's folder for a new run, or creates it. A folder holding anything the demo
 * did not write (`--dir ~/Documents` by mistake) is refused, and nothing in it is touched.
 */
export function prepareDemoFolder(folder: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      fs.mkdirSync(folder, { recursive: true });
      return;
    }
    if (code === 'ENOTDIR') {
      throw new StationError('NOT_A_FOLDER', `${folder} is a file, not a folder: give the demo an empty or new folder with --dir.`, { details: { path: folder } });
    }
    throw error;
  }
  const foreign = entries.filter((entry) => !writtenByTheDemo(entry));
  if (foreign.length > 0) {
    const named = foreign.slice(0, 3).map((entry) => `"${entry}"`).join(', ');
    throw new StationError(
      'INVALID_ARGUMENT',
      `${folder} holds files the demo did not write (${named}${foreign.length > 3 ? `, and ${foreign.length - 3} more` : ''}); the demo empties its folder on every run, so it left this one untouched: give it an empty or new folder with --dir.`,
      { details: { path: folder, foreign: foreign.slice(0, 20) } },
    );
  }
  for (const entry of entries) fs.rmSync(path.join(folder, entry), { recursive: true, force: true });
}
