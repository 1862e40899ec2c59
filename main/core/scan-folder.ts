import fs from 'node:fs/promises';
import path from 'node:path';
import { StationError } from './errors.js';
import { PHOTO_EXTENSIONS } from './vision/image-format.js';

/** Why an entry of a card was not imported. */
export type SkipReason = 'hidden' | 'system-folder' | 'not-a-photo' | 'symbolic-link' | 'unreadable-folder' | 'library-folder';

export interface FolderScan {
  /** Absolute paths of candidate photo files, sorted. */
  files: string[];
  /** How many entries were skipped, per reason. */
  skipped: Partial<Record<SkipReason, number>>;
}

/** Folders that operating systems and cameras write onto removable media. */
const SYSTEM_FOLDERS = new Set(['system volume information', '$recycle.bin', 'recycler', 'lost+found', '__macosx']);

function classify(name: string, isDirectory: boolean): SkipReason | null {
  // `.Trashes`, `.Spotlight-V100`, `.fseventsd`, macOS `._IMG_0001.JPG` resource forks…
  if (name.startsWith('.')) return 'hidden';
  if (isDirectory && SYSTEM_FOLDERS.has(name.toLowerCase())) return 'system-folder';
  if (!isDirectory && !PHOTO_EXTENSIONS.includes(path.extname(name).toLowerCase())) return 'not-a-photo';
  return null;
}

/**
 * Lists the photos under a folder as a memory card holds them (DCIM/100CANON/IMG_0001.JPG,
 * nested folders, any case of extension). Symbolic links are not followed, so a link loop
 * cannot trap the scan.
 */
export async function scanFolder(rootPath: string, options: { excludeFolders?: readonly string[] } = {}): Promise<FolderScan> {
  const excluded = new Set((options.excludeFolders ?? []).map((folder) => path.resolve(folder)));
  const root = path.resolve(rootPath);
  let rootStat;
  try {
    rootStat = await fs.stat(root);
  } catch {
    throw new StationError('FOLDER_NOT_FOUND', `The folder ${root} does not exist (is the card still inserted?).`);
  }
  if (!rootStat.isDirectory()) throw new StationError('NOT_A_FOLDER', `${root} is a file, not a folder: point the import at the folder that holds the photos.`);

  const files: string[] = [];
  const skipped: Partial<Record<SkipReason, number>> = {};
  const skip = (reason: SkipReason) => (skipped[reason] = (skipped[reason] ?? 0) + 1);

  const pending = [root];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    let entries;
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (folder === root) throw new StationError('FILE_UNREADABLE', `Cannot read the folder ${root}: ${(error as Error).message}`);
      skip('unreadable-folder');
      continue;
    }
    for (const entry of entries) {
      if (entry.isSymbolicLink()) {
        skip('symbolic-link');
        continue;
      }
      const isDirectory = entry.isDirectory();
      if (!isDirectory && !entry.isFile()) continue; // sockets, devices: nothing a card holds
      const reason = classify(entry.name, isDirectory);
      if (reason) {
        skip(reason);
        continue;
      }
      const full = path.join(folder, entry.name);
      if (isDirectory && excluded.has(full)) {
        skip('library-folder');
        continue;
      }
      if (isDirectory) pending.push(full);
      else files.push(full);
    }
  }
  files.sort();
  return { files, skipped };
}
