/**
 * Alert states as events. Alerts themselves are recomputed by every station from its photos;
 * what a ranger decided about one (acknowledged, dismissed with a reason, reopened) is an
 * 'alert-state' event keyed by the alert's natural key, the same at every station:
 *
 *     kind | species | placeKey        e.g. "new-zone|Ailanthus altissima|zone:Meadow"
 *
 * placeKey holds no local id: a zone by its name, a grid cell by its size, row and column
 * ('cell:250:…'), a window by its start date ('surge:zone:Meadow:2026-05-01'), a site by its
 * global id. The payload holds the state, the reason and the station's name, and `supersedes`;
 * the ranger and the station id travel on the event. The alert row's state is the latest
 * standing event (superseding-events.ts), so A-into-B and B-into-A end equal. The station's own
 * closing of an alert whose photos were all rejected is not an event: every station computes it
 * from the merged reviews.
 */
export const ALERT_STATE_ENTITY = 'alert-state';

export function alertStateKey(alert: { kind: string; species: string; placeKey: string }): string {
  return `${alert.kind}|${alert.species}|${alert.placeKey}`;
}

/** The parts of a natural key (kinds and species names hold no '|'; a place key may). */
export function parseAlertStateKey(key: string): { kind: string; species: string; placeKey: string } | null {
  const first = key.indexOf('|');
  const second = first < 0 ? -1 : key.indexOf('|', first + 1);
  if (second < 0) return null;
  return { kind: key.slice(0, first), species: key.slice(first + 1, second), placeKey: key.slice(second + 1) };
}

/** The event action for each state a ranger can set. */
export const ALERT_STATE_ACTIONS = { acknowledged: 'acknowledged', dismissed: 'dismissed', new: 'reopened' } as const;
