import type { Page } from 'playwright-core';

/**
 * What the review tests read off the photo detail view. `page` is asked for at each call: the
 * tests open their page in a before hook, after these probes are made.
 */
export function photoDetailProbes(page: () => Page) {
  return {
    /** The id of the photo the detail view shows. */
    shownId: async () => Number(await page().getByTestId('photo-detail').getAttribute('data-photo-id')),
    /** Waits until the detail view shows photo `id`. */
    waitShown: (id: number) => page().locator(`[data-testid=photo-detail][data-photo-id="${id}"]`).waitFor(),
    /** The view says "Saving N decisions…" until the station has stored them all. */
    decisionsStored: () => page().getByTestId('decisions-pending').waitFor({ state: 'detached' }),
  };
}
