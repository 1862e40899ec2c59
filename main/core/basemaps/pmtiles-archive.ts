import fs from 'node:fs/promises';
import { PMTiles, type Source, TileType } from 'pmtiles';
import { StationError, errorMessage } from '../errors.js';
import type { BasemapTileType } from '../library/index.js';
import { TILE_CONTENT_TYPES, type TileArchive, isWebMercator, usableBounds } from './tile-archive.js';

const TILE_TYPES: Partial<Record<TileType, BasemapTileType>> = {
  [TileType.Png]: 'png',
  [TileType.Jpeg]: 'jpeg',
  [TileType.Webp]: 'webp',
  [TileType.Mvt]: 'mvt',
};

/** PMTiles reads byte ranges; here they come from a local file handle instead of HTTP. */
class LocalFileSource implements Source {
  constructor(
    private readonly handle: fs.FileHandle,
    private readonly key: string,
  ) {}

  getKey(): string {
    return this.key;
  }

  async getBytes(offset: number, length: number) {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, offset);
    const bytes = buffer.subarray(0, bytesRead);
    return { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer };
  }
}

/** A PMTiles v3 archive (one file: header, directories, tiles addressed on a Hilbert curve). */
export async function openPmtilesArchive(file: string, label = file): Promise<TileArchive> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    throw new StationError('BASEMAP_INVALID', `"${label}" cannot be read (${errorMessage(error)}).`);
  }
  try {
    const archive = new PMTiles(new LocalFileSource(handle, file));
    let header;
    let metadata: Record<string, unknown>;
    try {
      header = await archive.getHeader();
      metadata = ((await archive.getMetadata()) ?? {}) as Record<string, unknown>;
    } catch (error) {
      throw new StationError('BASEMAP_INVALID', `"${label}" is not a readable PMTiles v3 archive (${errorMessage(error)}); choose the park's .pmtiles or .mbtiles file.`);
    }
    const tileType = TILE_TYPES[header.tileType];
    if (!tileType) throw new StationError('BASEMAP_INVALID', `"${label}" holds tiles of type ${header.tileType}; supported: png, jpeg, webp, mvt.`);
    const projection = ['crs', 'srs', 'projection'].map((key) => metadata[key]).find((value) => typeof value === 'string') as string | undefined;
    if (projection !== undefined && !isWebMercator(projection)) {
      throw new StationError('BASEMAP_INVALID', `"${label}" declares the projection "${projection}"; the map draws Web Mercator (EPSG:3857) tiles only: export the basemap in EPSG:3857.`);
    }
    const bounds = [header.minLon, header.minLat, header.maxLon, header.maxLat];
    if (!usableBounds(bounds)) {
      throw new StationError('BASEMAP_INVALID', `"${label}" declares no usable bounds (${bounds.join(', ')}); the map needs west,south,east,north in WGS84 degrees to fit the park.`);
    }
    const vectorLayers = Array.isArray(metadata.vector_layers)
      ? (metadata.vector_layers as { id?: unknown }[]).map((layer) => layer.id).filter((id): id is string => typeof id === 'string')
      : null;
    const contentType = TILE_CONTENT_TYPES[tileType];
    return {
      description: {
        name: (typeof metadata.name === 'string' && metadata.name.trim()) || label,
        format: 'pmtiles',
        tileType,
        bounds,
        minZoom: header.minZoom,
        maxZoom: header.maxZoom,
        vectorLayers: tileType === 'mvt' ? vectorLayers : null,
        attribution: typeof metadata.attribution === 'string' ? metadata.attribution : null,
      },
      async readTile(z, x, y) {
        if (z < header.minZoom || z > header.maxZoom) return null;
        const tile = await archive.getZxy(z, x, y);
        return tile ? { bytes: Buffer.from(tile.data), contentType } : null;
      },
      async close() {
        await handle.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
