import type { Page } from 'playwright-core';

/**
 * The Map screen as the browser tests read it: where a screen point lands by Web Mercator
 * (computed here, independently of MapLibre), how far apart two places are, and moving the
 * view and waiting until it is drawn.
 */

/** Web Mercator done here independently of MapLibre: the point `dx, dy` CSS pixels from the view's centre. */
export function unprojectOffset(center: [number, number], zoom: number, dx: number, dy: number): [number, number] {
  const world = 512 * 2 ** zoom;
  const x = ((center[0] + 180) / 360) * world + dx;
  const latRad = (center[1] * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(Math.PI / 4 + latRad / 2)) / Math.PI) / 2) * world + dy;
  return [(x / world) * 360 - 180, (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / world))) * 180) / Math.PI];
}

/** Great-circle distance in metres between two [longitude, latitude] points. */
export function metresBetween([lon1, lat1]: readonly number[], [lon2, lat2]: readonly number[]): number {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2! - lat1!) * rad) / 2) ** 2 + Math.cos(lat1! * rad) * Math.cos(lat2! * rad) * Math.sin(((lon2! - lon1!) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}

/** Moves the page's map to `center` and `zoom` and waits until it has drawn the new view. */
export async function jumpMapTo(page: Page, center: [number, number], zoom: number): Promise<void> {
  await page.getByTestId('map').evaluate(
    (element, view) =>
      new Promise<void>((resolve) => {
        const map = (element as HTMLElement & { stationMap: { map: { jumpTo(v: unknown): void; once(e: string, f: () => void): void } } }).stationMap.map;
        map.once('idle', () => resolve());
        map.jumpTo(view);
      }),
    { center, zoom },
  );
}
