import type { BasemapStatus, MapPoint, PhotoDetail } from '../../../main/api/contract.js';
import { api, isElectron, viewUrl } from '../lib/api-client.js';

/**
 * What the photo view needs, fetched before the ranger gets there: the next photo's details,
 * its mini-map neighbourhood and its image, so that a decision shows the next photo at once.
 * Only the photo on screen and the one after it are wanted at any time: requests for any other
 * photo (the ranger moved on) are aborted. Entries are short-lived and dropped on library:changed.
 */

/** A prefetched detail older than this is fetched again when opened. */
const FRESH_MS = 30_000;
/** Prefetched images kept (object URLs of their bytes); the oldest is released. */
const IMAGES_KEPT = 4;

/** Answers by photo id: kept for FRESH_MS, asked for once however many views want them meanwhile. */
class PhotoRequests<T> {
  private readonly answers = new Map<number, { value: T; at: number }>();
  private readonly inFlight = new Map<number, { promise: Promise<T>; controller: AbortController }>();

  constructor(private readonly ask: (signal: AbortSignal, photoId: number) => Promise<T>) {}

  cached(photoId: number): T | undefined {
    const answer = this.answers.get(photoId);
    if (answer && performance.now() - answer.at <= FRESH_MS) return answer.value;
    this.answers.delete(photoId);
    return undefined;
  }

  get(photoId: number): Promise<T> {
    const cached = this.cached(photoId);
    if (cached !== undefined) return Promise.resolve(cached);
    const running = this.inFlight.get(photoId);
    if (running) return running.promise;
    const controller = new AbortController();
    const promise = this.ask(controller.signal, photoId).then(
      (value) => {
        if (this.inFlight.get(photoId)?.promise === promise) this.inFlight.delete(photoId);
        this.answers.set(photoId, { value, at: performance.now() });
        return value;
      },
      (error: unknown) => {
        if (this.inFlight.get(photoId)?.promise === promise) this.inFlight.delete(photoId);
        throw error;
      },
    );
    promise.catch(() => undefined); // a prefetch nobody waits for fails quietly; a view reports its own
    this.inFlight.set(photoId, { promise, controller });
    return promise;
  }

  remember(photoId: number, value: T): void {
    this.answers.set(photoId, { value, at: performance.now() });
  }

  forget(photoId: number): void {
    this.answers.delete(photoId);
  }

  /** Aborts the requests for photos no longer wanted. */
  abortExcept(wanted: ReadonlySet<number>): void {
    for (const [photoId, { controller }] of this.inFlight) {
      if (wanted.has(photoId)) continue;
      controller.abort();
      this.inFlight.delete(photoId);
    }
  }

  clear(): void {
    this.answers.clear();
  }
}

const details = new PhotoRequests<PhotoDetail>((signal, id) => api.cancellable(signal, 'photos:get', { id }));
const neighbourhoods = new PhotoRequests<MapPoint[]>((signal, photoId) => api.cancellable(signal, 'map:nearby', { photoId }));
const images = new Map<number, string>();
const imageRequests = new Map<number, AbortController>();
let speciesNames: Promise<string[]> | null = null;
/** The photo on screen and the one prefetched after it: the only photos whose requests are wanted. */
const wanted = new Set<number>();

export const cachedDetail = (photoId: number) => details.cached(photoId);
export const cachedNeighbourhood = (photoId: number) => neighbourhoods.cached(photoId);
/** The photo's details: prefetched, in flight (asked once), or asked for now. */
export const detailOf = (photoId: number) => details.get(photoId);
export const neighbourhoodOf = (photoId: number) => neighbourhoods.get(photoId);
export const rememberDetail = (photo: PhotoDetail) => details.remember(photo.id, photo);

/** A photo changed (a decision stored, an undo): its next view asks the station again. */
export function forgetPhoto(photoId: number): void {
  details.forget(photoId);
}

/** The image's object URL when its bytes are here already (prefetched, or seen a moment ago). */
export function cachedImage(photoId: number): string | undefined {
  return images.get(photoId);
}

/** The species list of the correction picker: asked once, not at every photo. */
export function species(): Promise<string[]> {
  speciesNames ??= api.call('species:list').then(
    (list) => list.all,
    (error) => {
      speciesNames = null;
      throw error;
    },
  );
  return speciesNames;
}

let basemapList: { promise: Promise<BasemapStatus[]>; at: number } | null = null;

/** The park's basemaps for the mini-map: asked once a minute at most, not at every photo. */
export function basemaps(): Promise<BasemapStatus[]> {
  if (!basemapList || performance.now() - basemapList.at > 60_000) {
    const promise = api.call('basemaps:list');
    basemapList = { promise, at: performance.now() };
    promise.catch(() => (basemapList = null));
  }
  return basemapList.promise;
}

function abortUnwanted(): void {
  details.abortExcept(wanted);
  neighbourhoods.abortExcept(wanted);
  for (const [photoId, controller] of imageRequests) {
    if (wanted.has(photoId)) continue;
    controller.abort();
    imageRequests.delete(photoId);
  }
}

const imageLoads = new Map<number, Promise<string>>();

/**
 * The photo's image for the view: its bytes fetched once into an object URL, decoded ahead, and
 * kept for the last few photos (the station sends photos uncached), so the next photo and a
 * photo seen again show without a new transfer. The media URL itself where fetch cannot reach
 * it (Electron's media scheme) or when the fetch fails (the img then shows the station's answer).
 */
export function imageOf(photoId: number, width: number | null = null): Promise<string> {
  const known = images.get(photoId);
  if (known) return Promise.resolve(known);
  const loading = imageLoads.get(photoId);
  if (loading) return loading;
  const promise = loadImage(photoId, width).finally(() => imageLoads.delete(photoId));
  imageLoads.set(photoId, promise);
  return promise;
}

/** Photos wider than this are shown from a copy this wide, made in the browser off the main thread (zoom shows the original). */
const DISPLAY_WIDTH = 1920;

/**
 * A 12-20 MP photo takes far longer to decode on every view than the screen needs: it is scaled
 * to the display width once (createImageBitmap decodes and scales off the main thread, EXIF
 * orientation applied) and kept as a JPEG of that size.
 */
async function displaySized(blob: Blob, width: number | null): Promise<Blob> {
  if (width === null || width <= DISPLAY_WIDTH || typeof OffscreenCanvas === 'undefined') return blob;
  try {
    const bitmap = await createImageBitmap(blob, { resizeWidth: DISPLAY_WIDTH, resizeQuality: 'medium', imageOrientation: 'from-image' });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    bitmap.close();
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  } catch {
    return blob;
  }
}

async function loadImage(photoId: number, width: number | null): Promise<string> {
  if (isElectron) {
    // The media scheme is not fetch()-able under the CSP: let the image cache hold it decoded.
    const image = new Image();
    image.src = viewUrl(photoId);
    await image.decode().catch(() => undefined);
    return viewUrl(photoId);
  }
  const controller = new AbortController();
  imageRequests.set(photoId, controller);
  try {
    const response = await fetch(viewUrl(photoId), { credentials: 'same-origin', signal: controller.signal });
    if (!response.ok) return viewUrl(photoId);
    const url = URL.createObjectURL(await displaySized(await response.blob(), width));
    // Decoded ahead, so showing it costs no decode on the main thread.
    const image = new Image();
    image.src = url;
    await image.decode().catch(() => undefined);
    images.set(photoId, url);
    while (images.size > IMAGES_KEPT) {
      const [oldest, oldUrl] = images.entries().next().value as [number, string];
      images.delete(oldest);
      URL.revokeObjectURL(oldUrl);
    }
    return url;
  } catch {
    // Aborted (the ranger moved on) or unreachable: the media URL, as the img would have asked.
    return viewUrl(photoId);
  } finally {
    if (imageRequests.get(photoId) === controller) imageRequests.delete(photoId);
  }
}

/** The photo view shows `photoId` now: requests for photos other than it (and its next) are dropped. */
export function viewing(photoId: number): void {
  wanted.clear();
  wanted.add(photoId);
  abortUnwanted();
}

/** Fetches the next photo's details, neighbourhood and image while the ranger looks at the current one. */
export function prefetchPhoto(current: number, next: number, nextWidth: number | null = null): void {
  wanted.clear();
  wanted.add(current).add(next);
  abortUnwanted();
  void details.get(next);
  void neighbourhoods.get(next);
  void imageOf(next, nextWidth);
}

api.listen('library:changed', () => {
  details.clear();
  neighbourhoods.clear();
  speciesNames = null;
  basemapList = null;
});
