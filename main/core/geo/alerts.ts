import type { AlertCandidate, AlertRow, Library } from '../library/index.js';
import type { GeoSettings } from '../settings.js';
import { captureSortKey } from './capture-time.js';
import { gridCellOf } from './grid.js';
import { type ObservationGroup, refreshObservationGroups } from './observations.js';
import { ZoneIndex } from './zones.js';

export interface AlertRefreshResult {
  /** Alerts raised by this refresh (each alert is raised once in a library's life). */
  raised: AlertRow[];
  /** Existing alerts whose photos or evidence changed (their state is kept). */
  updated: number;
  /** New alerts nobody acted on that lost all their support (e.g. their photos were rejected). */
  withdrawn: number;
  /** Alerts in state 'new' after the refresh. */
  open: number;
  /** Observations (near-duplicate photos counted once) in the library. */
  observations: number;
}

const DAY_MS = 86_400_000;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whether an observation may raise alerts: an invasive species, confirmed, or predicted with enough confidence. */
function isAlertable(group: ObservationGroup, settings: GeoSettings): group is ObservationGroup & { species: string } {
  if (!group.species) return false;
  if (settings.invasiveSpecies && !settings.invasiveSpecies.includes(group.species)) return false;
  return group.evidence === 'confirmed' || (group.evidence === 'predicted' && (group.score ?? 0) >= settings.alertMinScore);
}

class CandidateSet {
  readonly byKey = new Map<string, AlertCandidate & { groups: ObservationGroup[] }>();

  add(kind: AlertCandidate['kind'], species: string, placeKey: string, placeLabel: string, group: ObservationGroup, detail: Record<string, unknown> = {}): void {
    const key = `${kind}\u0000${species}\u0000${placeKey}`;
    let candidate = this.byKey.get(key);
    if (!candidate) {
      candidate = { kind, species, placeKey, placeLabel, confirmed: false, photoIds: [], detail, groups: [] };
      this.byKey.set(key, candidate);
    }
    candidate.groups.push(group);
    candidate.photoIds.push(...group.photoIds);
    candidate.confirmed ||= group.evidence === 'confirmed';
  }
}

function summaryDetail(groups: readonly ObservationGroup[]): Record<string, unknown> {
  const times = groups.map((group) => group.capturedAt).filter((time): time is string => time !== null).sort();
  const scores = groups.map((group) => group.score).filter((score): score is number => score !== null);
  const placed = groups.filter((group) => group.latitude !== null);
  return {
    sightings: groups.length,
    firstSeen: times[0] ?? null,
    lastSeen: times[times.length - 1] ?? null,
    bestScore: scores.length ? Number(Math.max(...scores).toFixed(4)) : null,
    centre: placed.length
      ? {
          latitude: Number((placed.reduce((total, group) => total + group.latitude!, 0) / placed.length).toFixed(6)),
          longitude: Number((placed.reduce((total, group) => total + group.longitude!, 0) / placed.length).toFixed(6)),
        }
      : null,
  };
}

/**
 * Brings the alerts up to date with the library: regroups near-duplicate photos, then raises
 * (once per kind, species and place, ever) an alert for
 *  - a species never recorded in the library or the baseline ('new-species');
 *  - an invasive species in a management zone ('new-zone') or grid cell ('new-cell') where
 *    the baseline has no record of it;
 *  - a sharp rise of a species' sightings in a zone over one window ('surge').
 * Idempotent: running it twice changes nothing; acknowledged and dismissed alerts keep their
 * state; only the evidence (photos, predicted/confirmed) of existing alerts is refreshed.
 * Call it after an import, a review, a placement, or loading zones or a baseline.
 */
export function refreshAlerts(library: Library, settings: GeoSettings): AlertRefreshResult {
  return library.transaction(() => {
    const observations = refreshObservationGroups(library, settings);
    const zones = ZoneIndex.of(library);
    const cellSize = settings.gridCellMetres;

    const knownSpecies = new Set<string>();
    const knownZones = new Set<string>();
    const knownCells = new Set<string>();
    for (const record of library.baseline.list()) {
      knownSpecies.add(record.species);
      const zone = zones.locate(record.latitude, record.longitude).zone;
      if (zone) knownZones.add(`${record.species}\u0000${zone.name}`);
      knownCells.add(`${record.species}\u0000${gridCellOf(record.latitude, record.longitude, cellSize).key}`);
    }

    const candidates = new CandidateSet();
    const alertable = observations.filter((group) => isAlertable(group, settings));
    for (const group of alertable) {
      const species = group.species;
      if (!knownSpecies.has(species)) candidates.add('new-species', species, '', 'the library', group);
      if (group.latitude === null || group.longitude === null) continue;
      const place = zones.locate(group.latitude, group.longitude);
      if (place.zone && !knownZones.has(`${species}\u0000${place.zone.name}`)) {
        candidates.add('new-zone', species, `zone:${place.zone.name}`, place.zone.name, group);
      }
      const cell = gridCellOf(group.latitude, group.longitude, cellSize);
      if (!knownCells.has(`${species}\u0000${cell.key}`)) {
        candidates.add('new-cell', species, cell.key, zones.hasZones ? `${cell.label} (${place.label})` : cell.label, group, {
          cell: { row: cell.row, col: cell.col, sizeMetres: cellSize, bbox: cell.bbox },
        });
      }
    }
    addSurges(candidates, alertable, zones, settings);

    let updated = 0;
    const raised: AlertRow[] = [];
    const seenIds = new Set<number>();
    for (const candidate of candidates.byKey.values()) {
      const { groups, ...rest } = candidate;
      const { alert, created, changed } = library.alerts.upsert({ ...rest, detail: { ...summaryDetail(groups), ...rest.detail } });
      seenIds.add(alert.id);
      if (created) raised.push(alert);
      else if (changed) updated++;
    }
    let withdrawn = 0;
    for (const existing of library.alerts.keys()) {
      if (seenIds.has(existing.id) || existing.state !== 'new') continue;
      library.alerts.withdraw(existing.id);
      withdrawn++;
    }
    return {
      raised,
      updated,
      withdrawn,
      open: library.alerts.list({ state: 'new' }).length,
      observations: observations.length,
    };
  });
}

/**
 * Sightings per (species, zone) in fixed windows of `surgeWindowDays` (aligned on 1970-01-01,
 * so a window's alert key never moves); a window is a surge when it holds at least
 * `surgeMinSightings` and `surgeFactor` times the mean of the `surgeHistoryWindows` before it.
 * Only windows preceded by some library history are judged (a first import is not a surge).
 */
function addSurges(candidates: CandidateSet, alertable: readonly (ObservationGroup & { species: string })[], zones: ZoneIndex, settings: GeoSettings): void {
  const windowMs = settings.surgeWindowDays * DAY_MS;
  const windowOf = (group: ObservationGroup) => {
    const time = captureSortKey(group.capturedAt);
    return time === null ? null : Math.floor(time / windowMs);
  };
  const windowsWithData = alertable.map(windowOf).filter((window): window is number => window !== null);
  if (windowsWithData.length === 0) return;
  const firstWindow = Math.min(...windowsWithData);
  const counts = new Map<string, { species: string; zone: string; windows: Map<number, ObservationGroup[]> }>();
  for (const group of alertable) {
    const window = windowOf(group);
    if (window === null || group.latitude === null || group.longitude === null) continue;
    const zone = zones.locate(group.latitude, group.longitude).zone;
    if (!zone) continue;
    const key = `${group.species}\u0000${zone.name}`;
    let entry = counts.get(key);
    if (!entry) counts.set(key, (entry = { species: group.species, zone: zone.name, windows: new Map() }));
    let list = entry.windows.get(window);
    if (!list) entry.windows.set(window, (list = []));
    list.push(group);
  }
  for (const { species, zone, windows } of counts.values()) {
    for (const [window, groups] of windows) {
      if (window <= firstWindow || groups.length < settings.surgeMinSightings) continue;
      let history = 0;
      const historyWindows = Math.min(settings.surgeHistoryWindows, window - firstWindow);
      for (let back = 1; back <= historyWindows; back++) history += windows.get(window - back)?.length ?? 0;
      const mean = history / historyWindows;
      if (groups.length < settings.surgeFactor * mean || (mean > 0 && groups.length <= mean)) continue;
      const start = isoDate(window * windowMs);
      const end = isoDate((window + 1) * windowMs - DAY_MS);
      for (const group of groups) {
        candidates.add('surge', species, `surge:zone:${zone}:${start}`, `${zone}, ${start} to ${end}`, group, {
          window: { start, end, sightings: groups.length, historyMean: Number(mean.toFixed(2)), historyWindows },
        });
      }
    }
  }
}
