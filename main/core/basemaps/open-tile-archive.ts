import fs from 'node:fs/promises';
import { StationError, errorMessage } from '../errors.js';
import { openMbtilesArchive } from './mbtiles-archive.js';
import { openPmtilesArchive } from './pmtiles-archive.js';
import type { TileArchive } from './tile-archive.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const PMTILES_MAGIC = Buffer.from('PMTiles', 'latin1');

/** Which kind of tile file this is, by its first bytes (never by its name). */
export async function sniffTileArchive(file: string, label = file): Promise<'mbtiles' | 'pmtiles'> {
  let head: Buffer;
  try {
    const handle = await fs.open(file, 'r');
    try {
      head = Buffer.alloc(16);
      const { bytesRead } = await handle.read(head, 0, 16, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StationError('FILE_UNREADABLE', `Basemap file "${label}" does not exist; check the path.`);
    if (code === 'EISDIR') throw new StationError('BASEMAP_INVALID', `"${label}" is a folder; choose the park's .mbtiles or .pmtiles file.`);
    throw new StationError('FILE_UNREADABLE', `Basemap file "${label}" cannot be read (${errorMessage(error)}).`);
  }
  if (head.length === 0) throw new StationError('BASEMAP_INVALID', `"${label}" is empty; choose the park's .mbtiles or .pmtiles file.`);
  if (head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return 'mbtiles';
  if (head.subarray(0, PMTILES_MAGIC.length).equals(PMTILES_MAGIC)) {
    if (head[7] !== 3) throw new StationError('BASEMAP_INVALID', `"${label}" is PMTiles version ${head[7]}; only version 3 is read: convert it with \`pmtiles convert\`.`);
    return 'pmtiles';
  }
  throw new StationError('BASEMAP_INVALID', `"${label}" is neither MBTiles nor PMTiles (its content says so, whatever its name); choose the park's basemap file.`);
}

/** Opens and checks a basemap file: format, projection, bounds, tile type. */
export async function openTileArchive(file: string, label = file): Promise<TileArchive> {
  const format = await sniffTileArchive(file, label);
  return format === 'mbtiles' ? openMbtilesArchive(file, label) : openPmtilesArchive(file, label);
}
