import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StationError, errorMessage } from '../errors.js';
import type { BasemapRow, Library } from '../library/index.js';
import { basemapStoreDir } from '../settings.js';
import { openTileArchive } from './open-tile-archive.js';
import type { BasemapStatus, TileArchive, TileBytes } from './tile-archive.js';

export type { BasemapStatus } from './tile-archive.js';

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The park's basemaps: checked and copied into `<library>.basemaps/` when added, listed with
 * their state, and read tile by tile for the map (archives stay open between tiles). The UI
 * names a basemap by id only, never by path.
 */
export class BasemapLibrary {
  private readonly open = new Map<number, Promise<TileArchive>>();

  constructor(private readonly library: Library) {}

  private get folder(): string {
    return basemapStoreDir(this.library.databasePath);
  }

  fileOf(basemap: Pick<BasemapRow, 'fileName'>): string {
    return path.join(this.folder, basemap.fileName);
  }

  /** Checks the file (format, projection, bounds), copies it beside the library, records it. Adding the same file again returns the stored one. */
  async add(sourceFile: string, name?: string): Promise<BasemapRow> {
    const source = path.resolve(sourceFile);
    const probe = await openTileArchive(source, sourceFile);
    const description = probe.description;
    await probe.close();
    const contentHash = await sha256OfFile(source);
    const existing = this.library.basemaps.findByHash(contentHash);
    if (existing) return existing;
    const fileName = `${contentHash.slice(0, 16)}.${description.format}`;
    const target = path.join(this.folder, fileName);
    await fs.mkdir(this.folder, { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    try {
      await fs.copyFile(source, partial);
      await fs.rename(partial, target);
    } catch (error) {
      await fs.rm(partial, { force: true });
      throw new StationError('FILE_UNREADABLE', `Could not copy basemap "${sourceFile}" beside the library (${errorMessage(error)}); check free space in ${this.folder}.`);
    }
    const { size } = await fs.stat(target);
    return this.library.basemaps.insert({ ...description, name: name?.trim() || description.name, fileName, contentHash, sourcePath: source, byteSize: size });
  }

  async list(): Promise<BasemapStatus[]> {
    const rows = this.library.basemaps.list();
    return Promise.all(
      rows.map(async (row) => {
        try {
          await this.archiveOf(row);
          return { ...row, available: true, problem: null };
        } catch (error) {
          return { ...row, available: false, problem: errorMessage(error) };
        }
      }),
    );
  }

  async remove(id: number): Promise<BasemapRow> {
    const row = this.library.basemaps.get(id);
    if (!row) throw new StationError('NOT_FOUND', `Basemap ${id} is not in the library; list them with \`invasives basemap list\`.`);
    await this.closeArchive(id);
    this.library.basemaps.remove(id);
    await fs.rm(this.fileOf(row), { force: true });
    return row;
  }

  /** One tile (XYZ), or null where the basemap has none. */
  async readTile(id: number, z: number, x: number, y: number): Promise<TileBytes | null> {
    const row = this.library.basemaps.get(id);
    if (!row) throw new StationError('NOT_FOUND', `Basemap ${id} is not in the library.`);
    if (!Number.isInteger(z) || z < 0 || z > 30 || !Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= 2 ** z || y >= 2 ** z) return null;
    const archive = await this.archiveOf(row);
    return archive.readTile(z, x, y);
  }

  private archiveOf(row: BasemapRow): Promise<TileArchive> {
    let pending = this.open.get(row.id);
    if (!pending) {
      const file = this.fileOf(row);
      pending = fs.access(file).then(
        () => openTileArchive(file, row.name),
        () => {
          throw new StationError(
            'FILE_UNREADABLE',
            `The file of basemap "${row.name}" is gone from ${this.folder}; add it again with \`invasives basemap add ${row.sourcePath}\` (the map shows the world outline meanwhile).`,
          );
        },
      );
      this.open.set(row.id, pending);
      // A failure is not cached: the file may be put back.
      pending.catch(() => this.open.delete(row.id));
    }
    return pending;
  }

  private async closeArchive(id: number): Promise<void> {
    const pending = this.open.get(id);
    this.open.delete(id);
    if (pending) await pending.then((archive) => archive.close(), () => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.closeArchive(id)));
  }
}
