import fs from 'node:fs';
import path from 'node:path';
import { StationError } from './errors.js';

/**
 * Reads a file a person chose (zones, GPX track, baseline) without trusting what the path
 * names: a regular file only (a FIFO would block the reader forever, a device or a /proc
 * entry never ends or is not data), never larger than `maxBytes`, and an error names the
 * path and the problem but never any of the content.
 */
export interface RegularFileLimits {
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** What the file is for, in the error messages ("the zones file"). */
  what: string;
}

/** Pseudo file systems whose "files" are kernel state, not user data. */
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];

/** 64 MiB: far above any real zones, GPX or baseline file, far below what would hurt memory. */
export const MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024;

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; it has no
// effect on regular files. Not on Windows, which has no FIFOs in the file system.
const OPEN_FLAGS = fs.constants.O_RDONLY | (process.platform === 'win32' ? 0 : fs.constants.O_NONBLOCK);

/** Whether a path lies in /proc, /sys or /dev (kernel state and devices, never a user's files). */
export function isUnderPseudoFileSystem(resolved: string): boolean {
  return PSEUDO_FILE_SYSTEMS.some((root) => resolved === root || resolved.startsWith(`${root}/`));
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkPath(resolved: string, limits: RegularFileLimits, realPath: string): void {
  if (isUnderPseudoFileSystem(realPath) || isUnderPseudoFileSystem(resolved)) {
    throw new StationError('FILE_UNREADABLE', `${resolved} is a system file (${path.dirname(realPath)}), not ${limits.what}; choose a file you saved.`);
  }
}

function checkStat(resolved: string, stat: fs.Stats, limits: RegularFileLimits): void {
  if (!stat.isFile()) throw new StationError('FILE_UNREADABLE', `${resolved} is ${kindOf(stat)}, not ${limits.what}; choose a regular file.`);
  if (stat.size > limits.maxBytes) {
    throw new StationError('FILE_TOO_LARGE', `${resolved} is ${megabytes(stat.size)}, over the ${megabytes(limits.maxBytes)} limit for ${limits.what}.`);
  }
}

function unreadable(resolved: string, error: unknown): StationError {
  if (error instanceof StationError) return error;
  // The system's reason (ENOENT, EACCES…) names the path only, never the content.
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'read error');
  return new StationError('FILE_UNREADABLE', `Cannot read ${resolved}: ${reason}.`);
}

function tooLarge(resolved: string, limits: RegularFileLimits): StationError {
  return new StationError('FILE_TOO_LARGE', `${resolved} is over the ${megabytes(limits.maxBytes)} limit for ${limits.what}.`);
}

/** The file's bytes; asynchronous, for the UI transports (a slow disk never stalls the server). */
export async function readRegularFile(filePath: string, limits: RegularFileLimits): Promise<{ resolved: string; bytes: Buffer }> {
  const resolved = path.resolve(filePath);
  let handle: fs.promises.FileHandle | undefined;
  try {
    checkPath(resolved, limits, await fs.promises.realpath(resolved));
    handle = await fs.promises.open(resolved, OPEN_FLAGS);
    checkStat(resolved, await handle.stat(), limits);
    // Read at most one byte past the limit: a file that grows while read is refused, not swallowed.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, limits.maxBytes + 1 - total));
      if (chunk.length === 0) throw tooLarge(resolved, limits);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    return { resolved, bytes: Buffer.concat(chunks, total) };
  } catch (error) {
    throw unreadable(resolved, error);
  } finally {
    await handle?.close();
  }
}

/** The same checks, synchronous, for the command line (the user's own shell, one file at a time). */
export function readRegularFileSync(filePath: string, limits: RegularFileLimits): { resolved: string; bytes: Buffer } {
  const resolved = path.resolve(filePath);
  let fd: number | undefined;
  try {
    checkPath(resolved, limits, fs.realpathSync(resolved));
    fd = fs.openSync(resolved, OPEN_FLAGS);
    checkStat(resolved, fs.fstatSync(fd), limits);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, limits.maxBytes + 1 - total));
      if (chunk.length === 0) throw tooLarge(resolved, limits);
      const bytesRead = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    return { resolved, bytes: Buffer.concat(chunks, total) };
  } catch (error) {
    throw unreadable(resolved, error);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
