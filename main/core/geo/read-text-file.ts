import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../errors.js';

/** A ranger's file (GeoJSON, CSV, GPX) as text, with its absolute path; unreadable → FILE_UNREADABLE naming it. */
export function readTextFile(filePath: string): { resolved: string; text: string } {
  const resolved = path.resolve(filePath);
  try {
    return { resolved, text: fs.readFileSync(resolved, 'utf8') };
  } catch (error) {
    throw new StationError('FILE_UNREADABLE', `Cannot read ${resolved}: ${(error as Error).message}`);
  }
}
