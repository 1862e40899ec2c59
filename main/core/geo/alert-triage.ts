/**
 * Alert triage: the priority order (kind first, as configured, then the species' own
 * priority from the watch list) and the grouping by species and place that the Alerts screen
 * and `invasives alerts groups` show, with counts and how many nobody has seen yet.
 */
import type { AlertKind, AlertRow, AlertState, SpeciesEntry } from '../library/index.js';
import type { AlertKindName } from '../settings.js';

/** Default species priority when the species is not on the list (1 = most urgent, 5 = least). */
const DEFAULT_SPECIES_PRIORITY = 3;

export interface AlertRanking {
  priority: readonly AlertKindName[];
  species: ReadonlyMap<string, SpeciesEntry>;
}

export function rankingOf(priority: readonly AlertKindName[], entries: readonly SpeciesEntry[]): AlertRanking {
  return { priority, species: new Map(entries.map((entry) => [entry.species, entry])) };
}

function kindRank(kind: AlertKind, ranking: AlertRanking): number {
  const index = ranking.priority.indexOf(kind);
  return index < 0 ? ranking.priority.length : index;
}

function compareAlerts(a: AlertRow, b: AlertRow, ranking: AlertRanking): number {
  return (
    kindRank(a.kind, ranking) - kindRank(b.kind, ranking) ||
    (ranking.species.get(a.species)?.priority ?? DEFAULT_SPECIES_PRIORITY) - (ranking.species.get(b.species)?.priority ?? DEFAULT_SPECIES_PRIORITY) ||
    (a.evidence === b.evidence ? 0 : a.evidence === 'confirmed' ? -1 : 1) ||
    (a.raisedAt < b.raisedAt ? 1 : a.raisedAt > b.raisedAt ? -1 : b.id - a.id)
  );
}

/** Alerts most urgent first: by kind (the configured order), then species priority, confirmed before predicted, newest first. */
export function rankAlerts(alerts: readonly AlertRow[], ranking: AlertRanking): AlertRow[] {
  return [...alerts].sort((a, b) => compareAlerts(a, b, ranking));
}

/** Alerts of one species at one place (its zone, else its grid cell). */
export interface AlertGroup {
  key: string;
  species: string;
  zone: string | null;
  cell: string | null;
  /** What a person reads: the zone's name, or the first alert's place. */
  placeLabel: string;
  count: number;
  unseen: number;
  byState: Record<AlertState, number>;
  /** Kinds in the group, most urgent first. */
  kinds: AlertKind[];
  evidence: 'predicted' | 'confirmed';
  /** The group's alerts, most urgent first. */
  alertIds: number[];
  latestRaisedAt: string;
}

/** Groups alerts by species and zone (or grid cell when outside any zone), most urgent group first. */
export function groupAlerts(alerts: readonly AlertRow[], ranking: AlertRanking): AlertGroup[] {
  const groups = new Map<string, { group: AlertGroup; alerts: AlertRow[] }>();
  for (const alert of rankAlerts(alerts, ranking)) {
    const zone = alert.zoneName;
    const cell = zone ? null : alert.cellKey;
    const key = `${alert.species}\u0000${zone ? `zone:${zone}` : (cell ?? alert.placeKey)}`;
    let entry = groups.get(key);
    if (!entry) {
      entry = {
        group: {
          key,
          species: alert.species,
          zone,
          cell,
          placeLabel: zone ?? alert.placeLabel,
          count: 0,
          unseen: 0,
          byState: { new: 0, acknowledged: 0, dismissed: 0 },
          kinds: [],
          evidence: 'predicted',
          alertIds: [],
          latestRaisedAt: alert.raisedAt,
        },
        alerts: [],
      };
      groups.set(key, entry);
    }
    const { group } = entry;
    group.count++;
    if (!alert.seenAt) group.unseen++;
    group.byState[alert.state]++;
    if (!group.kinds.includes(alert.kind)) group.kinds.push(alert.kind);
    if (alert.evidence === 'confirmed') group.evidence = 'confirmed';
    group.alertIds.push(alert.id);
    if (alert.raisedAt > group.latestRaisedAt) group.latestRaisedAt = alert.raisedAt;
    entry.alerts.push(alert);
  }
  // Groups in the order of their most urgent alert (rankAlerts put it first).
  return [...groups.values()].map((entry) => entry.group);
}
