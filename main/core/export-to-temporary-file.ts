import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * An export written to a private temporary folder (mode 0700) instead of a path someone
 * named: the CLI without --out streams it to standard output, the UI transports hand it to
 * the user as a download (browser) or copy it where the save dialog points (Electron).
 * `remove()` deletes it; a failed export leaves nothing behind.
 */
export interface TemporaryExport<T> {
  /** The written file. */
  file: string;
  /** What the writer returned (counts). */
  result: T;
  remove(): Promise<void>;
}

export async function exportToTemporaryFile<T>(parentDir: string, fileName: string, write: (target: string) => Promise<T>): Promise<TemporaryExport<T>> {
  if (path.basename(fileName) !== fileName || fileName === '' || fileName === '.' || fileName === '..') {
    throw new Error(`Temporary export name "${fileName}" must be a bare file name.`);
  }
  await fs.mkdir(parentDir, { recursive: true, mode: 0o700 });
  const dir = await fs.mkdtemp(path.join(parentDir, 'export-'));
  const remove = () => fs.rm(dir, { recursive: true, force: true });
  try {
    const file = path.join(dir, fileName);
    const result = await write(file);
    return { file, result, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
