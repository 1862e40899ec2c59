import { MAX_TEXT_FILE_BYTES, readRegularFile, readRegularFileSync } from '../regular-file.js';

/**
 * A ranger's file (GeoJSON, CSV, GPX) as text, with its absolute path. Regular files only, at
 * most 64 MiB; unreadable → FILE_UNREADABLE naming it (never quoting it).
 */
export function readTextFile(filePath: string, what = 'a zones, GPX or baseline file'): { resolved: string; text: string } {
  const { resolved, bytes } = readRegularFileSync(filePath, { maxBytes: MAX_TEXT_FILE_BYTES, what });
  return { resolved, text: bytes.toString('utf8') };
}

/** The same, asynchronous: what the UI transports use. */
export async function readTextFileAsync(filePath: string, what = 'a zones, GPX or baseline file'): Promise<{ resolved: string; text: string }> {
  const { resolved, bytes } = await readRegularFile(filePath, { maxBytes: MAX_TEXT_FILE_BYTES, what });
  return { resolved, text: bytes.toString('utf8') };
}
