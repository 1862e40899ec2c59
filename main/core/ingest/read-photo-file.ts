import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { StationError, errorMessage } from '../errors.js';
import type { Settings } from '../settings.js';

/** Bytes read per call: large enough for few system calls, small enough to hash while the next chunk is read. */
const READ_CHUNK_BYTES = 1 << 20;

export interface PhotoFile {
  bytes: Buffer;
  /** sha256 of the bytes, hex: the photo's identity in the library. */
  sha256: string;
}

function unreadable(filePath: string, error: unknown): StationError {
  return new StationError('FILE_UNREADABLE', `${filePath} could not be read: ${errorMessage(error)}`);
}

/**
 * Reads a photo file once, hashing each chunk as it arrives (no second pass over the bytes).
 * FILE_EMPTY, FILE_TOO_LARGE (over `maxFileBytes`, before reading) or FILE_UNREADABLE
 * name the file. A file cut short while being read gives the bytes that were there; the
 * decoder then reports it damaged.
 */
export async function readAndHashPhotoFile(filePath: string, settings: Pick<Settings, 'maxFileBytes'>): Promise<PhotoFile> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(filePath, 'r');
  } catch (error) {
    throw unreadable(filePath, error);
  }
  try {
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch (error) {
      throw unreadable(filePath, error);
    }
    if (size === 0) throw new StationError('FILE_EMPTY', `${filePath} is empty (0 bytes): the copy to the card probably failed.`);
    if (size > settings.maxFileBytes) {
      throw new StationError('FILE_TOO_LARGE', `${filePath} is ${size} bytes, more than the ${settings.maxFileBytes} bytes a photo may have.`);
    }
    const bytes = Buffer.allocUnsafe(size);
    const hash = createHash('sha256');
    let offset = 0;
    while (offset < size) {
      let read: number;
      try {
        ({ bytesRead: read } = await handle.read(bytes, offset, Math.min(READ_CHUNK_BYTES, size - offset), offset));
      } catch (error) {
        throw unreadable(filePath, error);
      }
      if (read === 0) break;
      hash.update(bytes.subarray(offset, offset + read));
      offset += read;
    }
    if (offset < size) return { bytes: bytes.subarray(0, offset), sha256: hash.digest('hex') };
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
