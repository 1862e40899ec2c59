import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { StationError } from '../../errors.js';

/** Entry types that are written as plain files or folders; everything else (links, devices) is refused. */
const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/** DEEP-OC Xception packs unpack to about 300 MB; anything far beyond is not a model pack. */
export const DEFAULT_MAX_UNPACKED_BYTES = 8 * 1024 ** 3;

export interface ArchiveEntry {
  path: string;
  type: string;
  size: number;
}

/** Lists a (gzipped) tarball's entries without writing anything. Damaged archive: MODEL_INVALID. */
export async function listArchiveEntries(archivePath: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  try {
    await tar.t({
      file: archivePath,
      strict: true,
      onReadEntry: (entry) => {
        entries.push({ path: entry.path, type: entry.type, size: entry.size ?? 0 });
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StationError('MODEL_NOT_FOUND', `${archivePath} does not exist.`, { cause: error });
    throw new StationError('MODEL_INVALID', `${path.basename(archivePath)} is not a readable .tar.gz archive (${(error as Error).message}); it is damaged or incomplete: download it again.`, { cause: error });
  }
  if (entries.length === 0) throw new StationError('MODEL_INVALID', `${path.basename(archivePath)} is an empty or unreadable archive.`);
  return entries;
}

/** Why an entry would write outside the extraction folder (or be a link), or undefined when it is safe. */
export function unsafeEntryReason(entry: ArchiveEntry): string | undefined {
  if (!ALLOWED_TYPES.has(entry.type)) return `"${entry.path}" is a ${entry.type}`;
  const name = entry.path;
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return `"${name}" is an absolute path`;
  if (name.split(/[\\/]+/).includes('..')) return `"${name}" climbs out with ".."`;
  return undefined;
}

/**
 * Extracts a `.tar.gz` into `destDir`, refusing the whole archive (nothing written) when any
 * entry is an absolute path, contains `..`, or is a link or special file.
 */
export async function extractArchiveSafely(archivePath: string, destDir: string, options: { maxBytes?: number } = {}): Promise<void> {
  const entries = await listArchiveEntries(archivePath);
  const refused = entries.map(unsafeEntryReason).filter((reason): reason is string => reason !== undefined);
  if (refused.length > 0) {
    const shown = refused.slice(0, 5).join('; ');
    throw new StationError(
      'MODEL_INVALID',
      `${path.basename(archivePath)} was refused: ${refused.length} entr${refused.length === 1 ? 'y points' : 'ies point'} outside its folder or ${refused.length === 1 ? 'is' : 'are'} not plain files (${shown}${refused.length > 5 ? '; ...' : ''}). Nothing was extracted; ask for a clean archive.`,
    );
  }
  // A gzip bomb or a wrong archive should not fill the disk: check the unpacked size first.
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  if (total > maxBytes) {
    throw new StationError('MODEL_INVALID', `${path.basename(archivePath)} would unpack to ${formatMb(total)}, more than the ${formatMb(maxBytes)} a model pack may take; it is not a model archive or it is damaged.`);
  }
  fs.mkdirSync(destDir, { recursive: true });
  const free = freeBytes(destDir);
  if (free !== undefined && total > free) {
    throw new StationError('MODEL_INVALID', `${path.basename(archivePath)} needs ${formatMb(total)} to unpack but only ${formatMb(free)} are free in ${destDir}; free some disk space.`);
  }
  const root = fs.realpathSync(destDir);
  try {
    await tar.x({
      file: archivePath,
      cwd: root,
      strict: true,
      preservePaths: false,
      // Second line of defence: even if the archive changed since it was listed, no link is written.
      filter: (entryPath, entry) => {
        const type = 'type' in entry ? String(entry.type) : 'File';
        return unsafeEntryReason({ path: entryPath, type, size: 0 }) === undefined;
      },
    });
  } catch (error) {
    throw new StationError('MODEL_INVALID', `${path.basename(archivePath)} could not be extracted (${(error as Error).message}); it is damaged or incomplete.`, { cause: error });
  }
}

function formatMb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

function freeBytes(dir: string): number | undefined {
  try {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
