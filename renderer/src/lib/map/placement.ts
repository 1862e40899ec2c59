/**
 * The rules of placing a photo by hand, kept out of the screen so they can be tested:
 * a click places only over the park's basemap and only zoomed in far enough that one screen
 * pixel is at most `MAX_CLICK_METRES_PER_PIXEL` on the ground; elsewhere the ranger types the
 * coordinates. The stored uncertainty follows from the zoom (or is typed).
 */
export const EARTH_CIRCUMFERENCE_METRES = 40_075_016.686;
/** MapLibre's zoom 0 shows the world in 512 CSS pixels. */
const WORLD_PIXELS_AT_ZOOM_0 = 512;
export const MAX_CLICK_METRES_PER_PIXEL = 10;
/** How many pixels a ranger's click may be off what they aimed at: the placement's uncertainty is this many pixels on the ground. */
export const AIMING_PIXELS = 3;
/** Typed coordinates without an uncertainty get this one (a position read off a paper map or a phone). */
export const DEFAULT_TYPED_UNCERTAINTY_METRES = 30;

export function metresPerPixel(latitude: number, zoom: number): number {
  return (EARTH_CIRCUMFERENCE_METRES * Math.cos((latitude * Math.PI) / 180)) / (WORLD_PIXELS_AT_ZOOM_0 * 2 ** zoom);
}

/** The lowest zoom at which a click may place a photo at this latitude. */
export function minimumPlacementZoom(latitude: number): number {
  return Math.log2((EARTH_CIRCUMFERENCE_METRES * Math.cos((latitude * Math.PI) / 180)) / (WORLD_PIXELS_AT_ZOOM_0 * MAX_CLICK_METRES_PER_PIXEL));
}

export interface ClickContext {
  latitude: number;
  longitude: number;
  zoom: number;
  /** Bounds [west, south, east, north] of the park basemap shown, or null when only the world outline is. */
  basemapBounds: readonly [number, number, number, number] | null;
}

export type ClickVerdict = { ok: true; uncertaintyMetres: number } | { ok: false; reason: string };

export function judgeClickPlacement({ latitude, longitude, zoom, basemapBounds }: ClickContext): ClickVerdict {
  if (!basemapBounds) {
    return { ok: false, reason: 'Over the world outline there is nothing to aim at: add the park\'s basemap, or type the coordinates below.' };
  }
  const [west, south, east, north] = basemapBounds;
  if (longitude < west || longitude > east || latitude < south || latitude > north) {
    return { ok: false, reason: 'That point is outside the park basemap: click on the park\'s map, or type the coordinates below.' };
  }
  const metres = metresPerPixel(latitude, zoom);
  if (metres > MAX_CLICK_METRES_PER_PIXEL) {
    return {
      ok: false,
      reason: `Zoom in to place by clicking: one pixel is ${Math.round(metres)} m here; clicks place only where a pixel is ${MAX_CLICK_METRES_PER_PIXEL} m or less (zoom ${Math.ceil(minimumPlacementZoom(latitude) * 10) / 10}).`,
    };
  }
  return { ok: true, uncertaintyMetres: Math.max(1, Math.ceil(metres * AIMING_PIXELS * 10) / 10) };
}

export type TypedPosition = { ok: true; latitude: number; longitude: number; uncertaintyMetres: number } | { ok: false; reason: string };

/** Decimal degrees as typed (a comma as the decimal mark is accepted), with an optional uncertainty in metres. */
export function parseTypedPosition(latitudeText: string, longitudeText: string, uncertaintyText = ''): TypedPosition {
  const number = (text: string) => (text.trim() === '' ? Number.NaN : Number(text.trim().replace(',', '.')));
  const latitude = number(latitudeText);
  const longitude = number(longitudeText);
  if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) return { ok: false, reason: `Latitude "${latitudeText}" is not a decimal degree between -90 and 90 (south is negative).` };
  if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) return { ok: false, reason: `Longitude "${longitudeText}" is not a decimal degree between -180 and 180 (west is negative).` };
  const uncertainty = uncertaintyText.trim() === '' ? DEFAULT_TYPED_UNCERTAINTY_METRES : number(uncertaintyText);
  if (!Number.isFinite(uncertainty) || uncertainty <= 0) return { ok: false, reason: `Uncertainty "${uncertaintyText}" is not a positive number of metres.` };
  return { ok: true, latitude, longitude, uncertaintyMetres: uncertainty };
}

export function formatCoordinates(latitude: number, longitude: number): string {
  return `${latitude.toFixed(6)}, ${longitude.toFixed(6)}`;
}
