import type { PortableEvent } from '../library/index.js';
import { PLACEMENT_ENTITY } from '../library/placement-events.js';
import { SPECIES_LIST_ENTITY } from '../library/species-list-events.js';
import { ALERT_STATE_ACTIONS, ALERT_STATE_ENTITY, alertStateKey } from '../library/alert-state-events.js';
import type { AlertState } from '../library/index.js';

type Row = Record<string, unknown>;

/**
 * Bundles written before placements, the species list and alert states were events carry them
 * as rows ('position' and 'species' records, and alert rows with their state). Each such row
 * becomes the event the sending station's own upgrade writes for it (the same event id: station,
 * record and time of the change), so the merge is the same whichever version sent it.
 */
export function legacyRecordEvent(kind: string, value: Row, sourceStation: string): PortableEvent | null {
  const row = (value.row ?? {}) as Row;
  if (kind === 'position') {
    const sha256 = String(value.photo);
    const setAt = String(row.set_at);
    return {
      eventId: `${sourceStation}:${PLACEMENT_ENTITY}:${sha256}:${setAt}`,
      originStation: sourceStation,
      entityType: PLACEMENT_ENTITY,
      entityId: sha256,
      action: 'placed',
      payload: {
        latitude: row.latitude,
        longitude: row.longitude,
        source: row.source,
        detail: row.detail ?? null,
        uncertaintyMetres: row.uncertainty_m ?? null,
        supersedes: [],
      },
      ranger: null,
      reason: null,
      occurredAt: setAt,
    };
  }
  if (kind === 'species') {
    const species = String(row.species);
    const updatedAt = String(row.updated_at);
    return {
      eventId: `${sourceStation}:${SPECIES_LIST_ENTITY}:${species}:${updatedAt}`,
      originStation: sourceStation,
      entityType: SPECIES_LIST_ENTITY,
      entityId: species,
      action: 'saved',
      payload: {
        watchList: row.watch_list === 1,
        priority: row.priority,
        minScore: row.min_score ?? null,
        alertsOn: row.alerts_on === 1,
        canOccur: row.can_occur === 1,
        note: row.note ?? null,
        supersedes: [],
      },
      ranger: (row.updated_by as string | null) ?? null,
      reason: null,
      occurredAt: updatedAt,
    };
  }
  if (kind === 'alert' && typeof row.state === 'string' && row.decided_at && row.auto_closed !== 1) {
    const key = alertStateKey({ kind: String(row.kind), species: String(row.species), placeKey: String(row.place_key) });
    const state = row.state as AlertState;
    const reason = (row.dismiss_reason as string | null) ?? null;
    return {
      eventId: `${sourceStation}:${ALERT_STATE_ENTITY}:${key}:${String(row.decided_at)}`,
      originStation: sourceStation,
      entityType: ALERT_STATE_ENTITY,
      entityId: key,
      action: ALERT_STATE_ACTIONS[state] ?? 'reopened',
      payload: { state, reason, station: (row.decided_station as string | null) ?? null, supersedes: [] },
      ranger: (row.decided_by as string | null) ?? null,
      reason,
      occurredAt: String(row.decided_at),
    };
  }
  return null;
}
