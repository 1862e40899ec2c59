import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';

/**
 * A stored photo's bytes, read again from where it was imported: the first of its paths that
 * still holds the same content (SHA-256), so a reused card's new IMG_0001.JPG is never taken
 * for the old one. Null, with the last reason, when no path does.
 */
export async function readStoredPhoto(paths: readonly string[], sha256: string): Promise<{ bytes: Buffer } | { reason: string }> {
  let reason = 'no path recorded';
  for (const filePath of paths) {
    try {
      const bytes = await fs.readFile(filePath);
      if (createHash('sha256').update(bytes).digest('hex') === sha256) return { bytes };
      reason = `${filePath} now holds a different file`;
    } catch (error) {
      reason = `${filePath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
  }
  return { reason };
}
