import sharp from 'sharp';
import type { BasemapRow, BoundingBox } from '../library/index.js';
import type { BasemapLibrary } from './basemap-library.js';

/**
 * A picture of the park's raster basemap over an area, composited from its tiles with sharp
 * (no browser): for the printable alert report. The tiles of the zoom whose resolution
 * matches the picture are laid side by side in Web Mercator pixels, the area's rectangle is
 * cut out and scaled to the picture. Where the basemap has no tile the paper colour remains.
 */
const TILE_PIXELS = 256;
/** At most this many tiles per picture (a 480 px map needs 4 to 9). */
const MAX_TILES = 64;
const PAPER: { r: number; g: number; b: number } = { r: 0xf4, g: 0xf1, b: 0xe8 };

export interface BasemapImage {
  /** JPEG bytes of `width` x `height` pixels. */
  jpeg: Buffer;
  basemap: BasemapRow;
  zoom: number;
}

function mercatorX(longitude: number, zoom: number): number {
  return ((longitude + 180) / 360) * TILE_PIXELS * 2 ** zoom;
}
function mercatorY(latitude: number, zoom: number): number {
  const rad = (Math.max(-85.0511, Math.min(85.0511, latitude)) * Math.PI) / 180;
  return ((1 - Math.log(Math.tan(Math.PI / 4 + rad / 2)) / Math.PI) / 2) * TILE_PIXELS * 2 ** zoom;
}

/** The raster basemap for the area: one covering its centre first, then any overlapping it; the most detailed (smallest) first. */
function chooseBasemap(basemaps: readonly BasemapRow[], area: BoundingBox): BasemapRow | null {
  const lon = (area[0] + area[2]) / 2;
  const lat = (area[1] + area[3]) / 2;
  const raster = basemaps.filter((row) => row.tileType !== 'mvt' && row.bounds[0] <= area[2] && row.bounds[2] >= area[0] && row.bounds[1] <= area[3] && row.bounds[3] >= area[1]);
  const coversCentre = (row: BasemapRow) => lon >= row.bounds[0] && lon <= row.bounds[2] && lat >= row.bounds[1] && lat <= row.bounds[3];
  const size = (row: BasemapRow) => (row.bounds[2] - row.bounds[0]) * (row.bounds[3] - row.bounds[1]);
  return raster.sort((a, b) => Number(coversCentre(b)) - Number(coversCentre(a)) || size(a) - size(b))[0] ?? null;
}

export async function renderBasemapImage(basemaps: BasemapLibrary, area: BoundingBox, width: number, height: number): Promise<BasemapImage | null> {
  const available = (await basemaps.list()).filter((row) => row.available);
  const basemap = chooseBasemap(available, area);
  if (!basemap) return null;
  const [west, south, east, north] = area;
  // The zoom whose pixels are at least as fine as the picture's, within what the basemap holds.
  const wanted = Math.ceil(Math.log2((width * 360) / ((east - west) * TILE_PIXELS)));
  let zoom = Math.max(basemap.minZoom, Math.min(basemap.maxZoom, wanted));
  const tilesAt = (z: number) => {
    const x0 = Math.floor(mercatorX(west, z) / TILE_PIXELS);
    const x1 = Math.floor((mercatorX(east, z) - 1e-9) / TILE_PIXELS);
    const y0 = Math.floor(mercatorY(north, z) / TILE_PIXELS);
    const y1 = Math.floor((mercatorY(south, z) - 1e-9) / TILE_PIXELS);
    return { x0, x1, y0, y1, count: (x1 - x0 + 1) * (y1 - y0 + 1) };
  };
  let range = tilesAt(zoom);
  while (range.count > MAX_TILES && zoom > basemap.minZoom) range = tilesAt(--zoom);
  const last = 2 ** zoom - 1;
  const composites: sharp.OverlayOptions[] = [];
  for (let x = range.x0; x <= range.x1; x++) {
    for (let y = range.y0; y <= range.y1; y++) {
      if (x < 0 || y < 0 || x > last || y > last) continue;
      const tile = await basemaps.readTile(basemap.id, zoom, x, y).catch(() => null);
      if (!tile) continue;
      // Tiles of 512 px (high-density basemaps) are brought to the grid's 256.
      const input = await sharp(tile.bytes).resize(TILE_PIXELS, TILE_PIXELS).png().toBuffer().catch(() => null);
      if (input) composites.push({ input, left: (x - range.x0) * TILE_PIXELS, top: (y - range.y0) * TILE_PIXELS });
    }
  }
  if (composites.length === 0) return null;
  const canvasWidth = (range.x1 - range.x0 + 1) * TILE_PIXELS;
  const canvasHeight = (range.y1 - range.y0 + 1) * TILE_PIXELS;
  const mosaic = await sharp({ create: { width: canvasWidth, height: canvasHeight, channels: 3, background: PAPER } }).composite(composites).png().toBuffer();
  const left = mercatorX(west, zoom) - range.x0 * TILE_PIXELS;
  const top = mercatorY(north, zoom) - range.y0 * TILE_PIXELS;
  const cut = {
    left: Math.max(0, Math.floor(left)),
    top: Math.max(0, Math.floor(top)),
    width: Math.max(1, Math.min(canvasWidth - Math.max(0, Math.floor(left)), Math.round(mercatorX(east, zoom) - mercatorX(west, zoom)))),
    height: Math.max(1, Math.min(canvasHeight - Math.max(0, Math.floor(top)), Math.round(mercatorY(south, zoom) - mercatorY(north, zoom)))),
  };
  const jpeg = await sharp(mosaic).extract(cut).resize(width, height, { fit: 'fill' }).jpeg({ quality: 82 }).toBuffer();
  return { jpeg, basemap, zoom };
}
