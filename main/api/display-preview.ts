import fs from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../core/settings.js';
import { openOrientedImage, runImageOutput } from '../core/vision/decode.js';

/** Longest side of the display preview: sharper than the detail view at 1920 px, a fraction of a 12 MP decode. */
export const DISPLAY_PREVIEW_SIZE = 1600;
const DISPLAY_PREVIEW_QUALITY = 88;

/** Display previews live beside the database (`<library>.previews/<sha256>.jpg`), like the thumbnails. */
export function displayPreviewDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath)}.previews`);
}

/**
 * The upright display-size JPEG of a photo a browser cannot show as stored (HEIC, TIFF): made
 * on its first view by sharp (its own thread pool, off the event loop), then read from the
 * cache, so a second view costs a file read instead of a HEIC decode.
 */
export async function cachedDisplayPreview(
  databasePath: string,
  settings: Settings,
  sha256: string,
  readOriginal: () => Promise<{ bytes: Buffer; path: string }>,
): Promise<Buffer> {
  const cacheFile = path.join(displayPreviewDir(databasePath), `${sha256}.jpg`);
  const cached = await fs.readFile(cacheFile).catch(() => null);
  if (cached) return cached;
  const file = await readOriginal();
  const image = await openOrientedImage(file.bytes, { maxPixels: settings.maxImagePixels, path: file.path });
  const bytes = await runImageOutput(file.path, () =>
    image
      .resize(DISPLAY_PREVIEW_SIZE, DISPLAY_PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: DISPLAY_PREVIEW_QUALITY })
      .toBuffer(),
  );
  await fs.mkdir(path.dirname(cacheFile), { recursive: true });
  // Written beside and renamed, so a concurrent reader never sees half a file.
  const partial = `${cacheFile}.${process.pid}.${Date.now()}.partial`;
  await fs.writeFile(partial, bytes);
  await fs.rename(partial, cacheFile);
  return bytes;
}
