import type { AlertCandidate, AlertRow, Library, SpeciesEntry } from '../library/index.js';
import type { GeoSettings } from '../settings.js';
import { effectiveGeoSettings } from '../station-settings.js';
import { distanceToBoundaryMetres } from './boundary-distance.js';
import { captureSortKey } from './capture-time.js';
import { distanceMetres, gridCellOf } from './grid.js';
import { linkSitePhotos } from '../sites/site-photo-links.js';
import { type ObservationGroup, computeObservations } from './observations.js';
import { ZoneIndex } from './zones.js';

export interface AlertRefreshResult {
  /** Alerts raised by this refresh (each alert is raised once in a library's life). */
  raised: AlertRow[];
  /** Existing alerts whose photos or evidence changed (their state is kept). */
  updated: number;
  /** New alerts nobody acted on that lost their support (e.g. a score under the threshold now). */
  withdrawn: number;
  /** Alerts closed by the station because a ranger rejected every one of their photos. */
  closed: number;
  /** Alerts in state 'new' after the refresh. */
  open: number;
  /** Observations (near-duplicate photos counted once) in the library. */
  observations: number;
}

const DAY_MS = 86_400_000;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The place of a 'new-species' alert: no place of its own, the species was never recorded
 * anywhere in this station's records (its photos, merged bundles, the baseline).
 */
export const NEW_SPECIES_PLACE_LABEL = 'first record at this station';

/** The kind an unknown-organism alert carries in place of a species name. */
export const UNKNOWN_ORGANISM = 'unknown organism';

/** What the rangers' species list says about a species, with the station's defaults for the rest. */
interface SpeciesRules {
  alertsOn: boolean;
  canOccur: boolean;
  watchList: boolean;
  minScore: number;
}

function rulesFor(species: string, entries: ReadonlyMap<string, SpeciesEntry>, settings: GeoSettings): SpeciesRules {
  const entry = entries.get(species);
  return {
    alertsOn: entry?.alertsOn ?? true,
    canOccur: entry?.canOccur ?? true,
    watchList: entry?.watchList ?? false,
    minScore: entry?.minScore ?? settings.alertMinScore,
  };
}

/**
 * Whether an observation may raise species alerts: a species with alerts on (and among
 * `invasiveSpecies` when that is set), confirmed by a ranger, or predicted with enough
 * confidence, judged known by the open set, and of a class that can occur in the park.
 */
function isAlertable(group: ObservationGroup, settings: GeoSettings, entries: ReadonlyMap<string, SpeciesEntry>): group is ObservationGroup & { species: string } {
  if (!group.species) return false;
  if (settings.invasiveSpecies && !settings.invasiveSpecies.includes(group.species)) return false;
  const rules = rulesFor(group.species, entries, settings);
  if (!rules.alertsOn) return false;
  if (group.evidence === 'confirmed') return true;
  if (group.evidence !== 'predicted' || group.unknown || !rules.canOccur) return false;
  return (group.score ?? 0) >= rules.minScore;
}

class CandidateSet {
  readonly byKey = new Map<string, AlertCandidate & { groups: ObservationGroup[] }>();

  constructor(private readonly rejected: ReadonlySet<number>) {}

  add(
    kind: AlertCandidate['kind'],
    species: string,
    placeKey: string,
    placeLabel: string,
    group: ObservationGroup,
    detail: Record<string, unknown> = {},
    where: { zoneName: string | null; cellKey: string | null } = { zoneName: null, cellKey: null },
  ): void {
    const key = `${kind}\u0000${species}\u0000${placeKey}`;
    let candidate = this.byKey.get(key);
    if (!candidate) {
      candidate = { kind, species, placeKey, placeLabel, confirmed: false, photoIds: [], detail, groups: [], ...where };
      this.byKey.set(key, candidate);
    }
    candidate.groups.push(group);
    // A photo a ranger rejected never counts toward an alert, even inside a confirmed burst.
    candidate.photoIds.push(...group.photoIds.filter((id) => !this.rejected.has(id)));
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

/** Known records of each species (baseline + earlier library sightings), sorted by latitude for buffer look-ups. */
class KnownRecords {
  private readonly bySpecies = new Map<string, { latitude: number; longitude: number; time: number; place: string }[]>();

  add(species: string, latitude: number, longitude: number, time: number, place: string): void {
    let list = this.bySpecies.get(species);
    if (!list) this.bySpecies.set(species, (list = []));
    list.push({ latitude, longitude, time, place });
  }

  sort(): void {
    for (const list of this.bySpecies.values()) list.sort((a, b) => a.latitude - b.latitude);
  }

  /** The nearest record of `species` within `metres` of the point, known before `before`, from another place. */
  nearest(species: string, point: { latitude: number; longitude: number }, metres: number, before: number, place: string): { distance: number } | null {
    const list = this.bySpecies.get(species);
    if (!list || metres <= 0) return null;
    const span = metres / 111_000 + 1e-9;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (list[mid]!.latitude < point.latitude - span) low = mid + 1;
      else high = mid;
    }
    let best: { distance: number } | null = null;
    for (let i = low; i < list.length && list[i]!.latitude <= point.latitude + span; i++) {
      const record = list[i]!;
      if (record.time >= before || record.place === place) continue;
      const distance = distanceMetres(point, record);
      if (distance <= metres && (!best || distance < best.distance)) best = { distance };
    }
    return best;
  }
}

/**
 * Brings the alerts up to date with the library: regroups near-duplicate photos, then raises
 * (once per kind, species and place, ever) an alert for
 *  - a species never recorded in the station's records, photos or baseline ('new-species', new
 *    to the park; its place reads NEW_SPECIES_PLACE_LABEL);
 *  - a species in a management zone ('new-zone') or grid cell ('new-cell') where the baseline
 *    has no record of it: a new introduction, or 'spread' when a known record of the same
 *    species (baseline, or an earlier sighting elsewhere) lies within `spreadBufferMetres`;
 *  - a watch-list species within `boundaryBufferMetres` of the park boundary ('near-boundary');
 *  - a sharp rise of a species' sightings in a zone over one window ('surge');
 *  - photos the open set judged unknown: one 'unknown-organism' alert per grid cell and
 *    `unknownWindowDays` window, never a species alert.
 * Rejected photos never count; an alert whose photos were all rejected closes itself. A class
 * that cannot occur in the park alerts only once a ranger confirms it.
 * Idempotent: running it twice changes nothing; acknowledged and dismissed alerts keep their
 * state; only the evidence (photos, predicted/confirmed) of existing alerts is refreshed.
 * Call it after an import, a review, a placement, or loading zones or a baseline.
 */
export function refreshAlerts(library: Library, baseSettings: GeoSettings): AlertRefreshResult {
  return library.transaction(() => {
    const settings = effectiveGeoSettings(library, baseSettings);
    const { groups: memberLists, observations, photos } = computeObservations(library, settings);
    library.observations.replaceAll(memberLists.filter((members) => members.length > 1));
    const zones = ZoneIndex.of(library);
    const cellSize = settings.gridCellMetres;
    const entries = new Map(library.speciesList.list().map((entry) => [entry.species, entry]));
    const rejected = new Set([...photos.values()].filter((photo) => photo.status === 'rejected').map((photo) => photo.id));

    const knownSpecies = new Set<string>();
    const knownZones = new Set<string>();
    const knownCells = new Set<string>();
    const known = new KnownRecords();
    for (const record of library.baseline.list()) {
      knownSpecies.add(record.species);
      const zone = zones.locate(record.latitude, record.longitude).zone;
      if (zone) knownZones.add(`${record.species}\u0000${zone.name}`);
      const cell = gridCellOf(record.latitude, record.longitude, cellSize).key;
      knownCells.add(`${record.species}\u0000${cell}`);
      known.add(record.species, record.latitude, record.longitude, -Infinity, '');
    }

    const candidates = new CandidateSet(rejected);
    const alertable = observations.filter((group) => isAlertable(group, settings, entries));
    // A first record is judged against what was known before it: sightings in time order.
    const timeOf = (group: ObservationGroup) => captureSortKey(group.capturedAt) ?? Infinity;
    for (const group of alertable) {
      if (group.latitude === null || group.longitude === null) continue;
      known.add(group.species, group.latitude, group.longitude, timeOf(group), gridCellOf(group.latitude, group.longitude, cellSize).key);
    }
    known.sort();
    const parks = library.zones.list().filter((zone) => zone.kind === 'park');

    for (const group of alertable) {
      const species = group.species;
      if (!knownSpecies.has(species)) candidates.add('new-species', species, '', NEW_SPECIES_PLACE_LABEL, group);
      if (group.latitude === null || group.longitude === null) continue;
      const point = { latitude: group.latitude, longitude: group.longitude };
      const place = zones.locate(group.latitude, group.longitude);
      const cell = gridCellOf(group.latitude, group.longitude, cellSize);
      const where = { zoneName: place.zone?.name ?? null, cellKey: cell.key };
      const near = known.nearest(species, point, settings.spreadBufferMetres, timeOf(group), cell.key);
      const spreadDetail = near ? { spread: { nearestKnownMetres: Math.round(near.distance), bufferMetres: settings.spreadBufferMetres } } : {};
      if (place.zone && !knownZones.has(`${species}\u0000${place.zone.name}`)) {
        candidates.add(near ? 'spread' : 'new-zone', species, `zone:${place.zone.name}`, place.zone.name, group, spreadDetail, where);
      }
      if (!knownCells.has(`${species}\u0000${cell.key}`)) {
        candidates.add(near ? 'spread' : 'new-cell', species, cell.key, zones.hasZones ? `${cell.label} (${place.label})` : cell.label, group, {
          cell: { row: cell.row, col: cell.col, sizeMetres: cellSize, bbox: cell.bbox },
          ...spreadDetail,
        }, where);
      }
      if (parks.length > 0 && rulesFor(species, entries, settings).watchList) {
        const distance = Math.min(...parks.map((park) => distanceToBoundaryMetres(point.latitude, point.longitude, park.geometry)));
        if (distance <= settings.boundaryBufferMetres) {
          candidates.add('near-boundary', species, `boundary:${cell.key}`, `${cell.label} (${place.insidePark === false ? 'outside' : 'inside'} the park, ${Math.round(distance)} m from its boundary)`, group, {
            boundary: { distanceMetres: Math.round(distance), bufferMetres: settings.boundaryBufferMetres, insidePark: place.insidePark },
          }, where);
        }
      }
    }
    addSurges(candidates, alertable, zones, settings);
    addUnknownOrganisms(candidates, observations, zones, settings);

    let updated = 0;
    const raised: AlertRow[] = [];
    const seenIds = new Set<number>();
    for (const candidate of candidates.byKey.values()) {
      const { groups, ...rest } = candidate;
      if (rest.photoIds.length === 0) continue;
      const { alert, created, changed } = library.alerts.upsert({ ...rest, detail: { ...summaryDetail(groups), ...rest.detail } });
      seenIds.add(alert.id);
      if (created) raised.push(alert);
      else if (changed) updated++;
    }
    // Treated sites: photos inside them are linked, and a confirmed photo of their species after the treatment is regrowth.
    for (const candidate of linkSitePhotos(library, photos, (latitude, longitude) => zones.locate(latitude, longitude).zone?.name ?? null)) {
      const { alert, created, changed } = library.alerts.upsert(candidate);
      seenIds.add(alert.id);
      if (created) raised.push(alert);
      else if (changed) updated++;
    }
    let withdrawn = 0;
    let closed = 0;
    for (const existing of library.alerts.keys()) {
      if (seenIds.has(existing.id) || existing.state === 'dismissed') continue;
      const photoIds = library.alerts.get(existing.id)!.photoIds;
      if (photoIds.length > 0 && photoIds.every((id) => rejected.has(id))) {
        library.alerts.closeRejected(existing.id, `closed by the station: all ${photoIds.length} photo(s) were rejected by a ranger`);
        closed++;
      } else if (existing.state === 'new') {
        library.alerts.withdraw(existing.id);
        withdrawn++;
      }
    }
    return {
      raised,
      updated,
      withdrawn,
      closed,
      open: library.alerts.list({ state: 'new' }).length,
      observations: observations.length,
    };
  });
}

/**
 * Observations the open set judged unknown raise no species alert; instead at most one
 * "unknown organism here" alert per grid cell (or "no position") and window of
 * `unknownWindowDays` (aligned on 1970-01-01, so a window's key never moves).
 */
function addUnknownOrganisms(candidates: CandidateSet, observations: readonly ObservationGroup[], zones: ZoneIndex, settings: GeoSettings): void {
  const windowMs = settings.unknownWindowDays * DAY_MS;
  for (const group of observations) {
    if (group.evidence !== 'predicted' || !group.unknown) continue;
    const time = captureSortKey(group.capturedAt);
    const window = time === null ? null : Math.floor(time / windowMs);
    const start = window === null ? 'undated' : isoDate(window * windowMs);
    const end = window === null ? null : isoDate((window + 1) * windowMs - DAY_MS);
    const when = window === null ? 'no capture time' : `${start} to ${end}`;
    if (group.latitude === null || group.longitude === null) {
      candidates.add('unknown-organism', UNKNOWN_ORGANISM, `unknown:unplaced:${start}`, `no position, ${when}`, group, { window: { start, end } });
      continue;
    }
    const cell = gridCellOf(group.latitude, group.longitude, settings.gridCellMetres);
    const place = zones.locate(group.latitude, group.longitude);
    candidates.add('unknown-organism', UNKNOWN_ORGANISM, `unknown:${cell.key}:${start}`, `${zones.hasZones ? `${cell.label} (${place.label})` : cell.label}, ${when}`, group, {
      cell: { row: cell.row, col: cell.col, sizeMetres: settings.gridCellMetres, bbox: cell.bbox },
      window: { start, end },
    }, { zoneName: place.zone?.name ?? null, cellKey: cell.key });
  }
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
        }, { zoneName: zone, cellKey: null });
      }
    }
  }
}
