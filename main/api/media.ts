import fs from 'node:fs/promises';
import path from 'node:path';
import { StationError } from '../core/errors.js';
import type { Library } from '../core/library/index.js';
import { type Settings, thumbnailCacheDir } from '../core/settings.js';
import { makeThumbnail } from '../core/vision/decode.js';
import { DISPLAY_PREVIEW_SIZE, cachedDisplayPreview } from './display-preview.js';

/**
 * Photo and thumbnail bytes for the UI, looked up by photo id only: a client never names a
 * file path, so neither transport can be made to read anything outside the library.
 */
export interface MediaBytes {
  bytes: Buffer;
  contentType: string;
}

/** Formats every browser shows as they are (Chromium applies EXIF orientation itself). */
const BROWSER_FORMATS: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

async function readPhotoFile(library: Library, photoId: number): Promise<{ bytes: Buffer; path: string; format: string; sha256: string }> {
  const photo = library.photos.get(photoId);
  if (!photo) throw new StationError('NOT_FOUND', `Photo ${photoId} is not in the library.`);
  for (const candidate of library.photos.paths(photoId)) {
    const bytes = await fs.readFile(candidate).catch(() => null);
    if (bytes) return { bytes, path: candidate, format: photo.format, sha256: photo.sha256 };
  }
  throw new StationError(
    'FILE_UNREADABLE',
    `Photo ${photoId} is no longer at ${photo.path ? `"${photo.path}"` : 'its imported path'}; reconnect the card or drive, or import the folder again from its new place.`,
  );
}

/** The cached review thumbnail, made (and cached) now when the pipeline has not. */
export async function readThumbnail(library: Library, settings: Settings, photoId: number): Promise<MediaBytes> {
  const photo = library.photos.get(photoId);
  if (!photo) throw new StationError('NOT_FOUND', `Photo ${photoId} is not in the library.`);
  const cacheFile = path.join(thumbnailCacheDir(library.databasePath), `${photo.sha256}.jpg`);
  const cached = await fs.readFile(cacheFile).catch(() => null);
  if (cached) return { bytes: cached, contentType: 'image/jpeg' };
  const file = await readPhotoFile(library, photoId);
  const thumbnail = await makeThumbnail(file.bytes, { size: settings.thumbnailSize, maxPixels: settings.maxImagePixels, path: file.path });
  await fs.mkdir(path.dirname(cacheFile), { recursive: true });
  // Written beside and renamed, so a concurrent reader never sees half a file.
  const partial = `${cacheFile}.${process.pid}.${Date.now()}.partial`;
  await fs.writeFile(partial, thumbnail.jpeg);
  await fs.rename(partial, cacheFile);
  return { bytes: thumbnail.jpeg, contentType: 'image/jpeg' };
}

type StoredPhoto = NonNullable<ReturnType<Library['photos']['get']>>;

/** The photo as stored when `asStored` says so and a browser shows its format, else its cached upright display preview. */
async function storedOrPreview(library: Library, settings: Settings, photoId: number, asStored: (photo: StoredPhoto) => boolean): Promise<MediaBytes> {
  const photo = library.photos.get(photoId);
  if (!photo) throw new StationError('NOT_FOUND', `Photo ${photoId} is not in the library.`);
  const contentType = BROWSER_FORMATS[photo.format];
  if (contentType && asStored(photo)) return { bytes: (await readPhotoFile(library, photoId)).bytes, contentType };
  const bytes = await cachedDisplayPreview(library.databasePath, settings, photo.sha256, () => readPhotoFile(library, photoId));
  return { bytes, contentType: 'image/jpeg' };
}

/** The full photo in a form a browser displays upright: as stored when it can, else a cached upright display-size preview. */
export function readDisplayPhoto(library: Library, settings: Settings, photoId: number): Promise<MediaBytes> {
  return storedOrPreview(library, settings, photoId, () => true);
}

/**
 * Photos wider or taller than this are shown from the cached display preview; only zoom asks
 * for the original. A 12 MP camera JPEG decodes in the browser in a few hundred ms on every
 * view (and again after a reload); its 1600 px preview in a fraction of that.
 */
export const VIEW_FROM_PREVIEW_ABOVE = Math.round(DISPLAY_PREVIEW_SIZE * 1.25);

/** The photo as the photo view shows it: the display preview for large or non-browser photos, else as stored. */
export function readViewPhoto(library: Library, settings: Settings, photoId: number): Promise<MediaBytes> {
  return storedOrPreview(library, settings, photoId, (photo) => Math.max(photo.width ?? 0, photo.height ?? 0) <= VIEW_FROM_PREVIEW_ABOVE);
}

/** What each media kind answers: the review thumbnail, the photo view's image, the original for zoom. */
const MEDIA_READERS = { thumb: readThumbnail, view: readViewPhoto, photo: readDisplayPhoto } as const;

/** A media request of either transport ("thumb", "view" or "photo" and the id text), as a status, a type and bytes. */
export interface MediaResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

export async function mediaResponse(library: Library, settings: Settings, kind: string, idText: string): Promise<MediaResponse> {
  const photoId = Number(idText);
  const text = (status: number, message: string) => ({ status, contentType: 'text/plain; charset=utf-8', body: Buffer.from(message) });
  if (!/^\d+$/.test(idText) || !Number.isSafeInteger(photoId) || photoId <= 0 || !Object.hasOwn(MEDIA_READERS, kind)) return text(404, 'Not found.');
  try {
    const media = await MEDIA_READERS[kind as keyof typeof MEDIA_READERS](library, settings, photoId);
    return { status: 200, contentType: media.contentType, body: media.bytes };
  } catch (error) {
    const status = error instanceof StationError && error.code === 'NOT_FOUND' ? 404 : 422;
    return text(status, error instanceof StationError ? error.message : 'The photo could not be read.');
  }
}
