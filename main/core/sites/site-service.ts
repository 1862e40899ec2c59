import { StationError } from '../errors.js';
import { captureSortKey } from '../geo/capture-time.js';
import type { EventRow, Library, NewEvent } from '../library/index.js';
import { newGlobalId } from '../library/index.js';
import { recheckYearsFor } from './recheck-schedule.js';
import { type SiteExtent, checkExtent, extentAreaSquareMetres, extentBounds, extentCentroid } from './site-extent.js';
import { type SiteFold, foldSite } from './site-lifecycle.js';

/** When "now" is: tests and the due list inject their own. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export interface Actor {
  ranger?: string | null;
  reason?: string | null;
  clock?: Clock;
}

const SITE_ENTITY_TYPES = ['site', 'treatment', 'visit'] as const;

function today(clock: Clock): string {
  return clock().toISOString().slice(0, 10);
}

function checkDate(value: string | undefined, what: string, clock: Clock): string {
  const date = value ?? today(clock);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new StationError('INVALID_ARGUMENT', `${what} must be a date as YYYY-MM-DD (got "${date}").`);
  }
  if (date > today(clock)) throw new StationError('INVALID_ARGUMENT', `${what} ${date} is in the future; record it once it is done.`);
  return date;
}

/** Every event that folds into one site: its own, and its treatments' and visits'. */
export function siteEvents(library: Library, siteId: string): EventRow[] {
  const children = [...library.events.ofType('treatment'), ...library.events.ofType('visit')].filter((event) => event.payload.siteId === siteId);
  return [...library.events.history('site', siteId), ...children];
}

/** Recomputes one site's projection rows from its events. */
export function refoldSite(library: Library, siteId: string): SiteFold | null {
  const site = foldSite(siteEvents(library, siteId));
  if (!site) return null;
  const centroid = extentCentroid(site.extent);
  const bounds = extentBounds(site.extent);
  library.sites.replace(
    {
      id: site.id,
      originStation: site.originStation,
      species: site.species,
      state: site.state,
      centroidLatitude: centroid.latitude,
      centroidLongitude: centroid.longitude,
      ...bounds,
      areaSquareMetres: extentAreaSquareMetres(site.extent),
      firstRecordOn: site.firstRecordOn,
      lastTreatedOn: site.lastTreatedOn,
      nextDueOn: site.nextDueOn,
      stateJson: JSON.stringify(site),
    },
    site.treatments.map((t) => ({ id: t.id, siteId: site.id, originStation: t.originStation, date: t.treatedOn, kind: t.method, recordJson: JSON.stringify(t) })),
    site.visits.map((v) => ({ id: v.id, siteId: site.id, originStation: v.originStation, date: v.visitedOn, kind: v.outcome, recordJson: JSON.stringify(v) })),
  );
  return site;
}

/** The record-merging contract (stations/projectors.ts declares it; this is its shape). */
export interface SiteEventProjector {
  entityTypes: readonly string[];
  refold(library: Library, entityType: string, entityId: string): void;
}

/** Refolds the site an event of a site, treatment or visit belongs to (after a merge received it). */
export const siteProjector: SiteEventProjector = {
  entityTypes: SITE_ENTITY_TYPES,
  refold(library, entityType, entityId) {
    if (entityType === 'site') {
      refoldSite(library, entityId);
      return;
    }
    const siteId = library.events.history(entityType, entityId)[0]?.payload.siteId;
    if (typeof siteId === 'string') refoldSite(library, siteId);
  },
};

/**
 * Checks `event` against the site's history (strict fold with it added), then stores it and
 * refolds, in one transaction: a change that does not fit the lifecycle stores nothing.
 */
function decide(library: Library, siteId: string, event: NewEvent, clock: Clock): SiteFold {
  return library.transaction(() => {
    const occurredAt = clock().toISOString();
    const trial: EventRow = {
      seq: 0,
      eventId: '\uffff',
      originStation: library.events.stationId,
      entityType: event.entityType,
      entityId: event.entityId,
      action: event.action,
      payload: event.payload ?? {},
      ranger: event.ranger ?? null,
      reason: event.reason ?? null,
      occurredAt,
      recordedAt: occurredAt,
    };
    const existing = siteEvents(library, siteId);
    // The new decision comes after everything already known about the site.
    const latest = existing.reduce((max, e) => (e.occurredAt > max ? e.occurredAt : max), '');
    if (latest >= occurredAt) trial.occurredAt = new Date(Date.parse(latest) + 1).toISOString();
    foldSite([...existing, trial], 'strict');
    library.events.append({ ...event, occurredAt: trial.occurredAt });
    return refoldSite(library, siteId)!;
  });
}

export function getSite(library: Library, idOrPrefix: string): SiteFold {
  const exact = library.sites.stateJson(idOrPrefix);
  if (exact) return JSON.parse(exact) as SiteFold;
  const matches = idOrPrefix.length >= 4 ? library.sites.idsStartingWith(idOrPrefix) : [];
  if (matches.length === 1) return JSON.parse(library.sites.stateJson(matches[0]!)!) as SiteFold;
  throw new StationError(
    'NOT_FOUND',
    matches.length > 1 ? `Site id "${idOrPrefix}" matches ${matches.length} sites; give more of it (see: invasives sites list).` : `There is no site "${idOrPrefix}" (see: invasives sites list).`,
  );
}

export function listSites(library: Library): SiteFold[] {
  return library.sites.all().map((row) => JSON.parse(row.stateJson) as SiteFold);
}

export interface NewSite {
  species: string;
  extent: SiteExtent | unknown;
  name?: string | null;
  /** What the ranger noted when reporting it (access, size, what was seen). */
  notes?: string | null;
  /** 'reported' (a ranger's suspicion, drawn on the map) or 'confirmed'. */
  state?: 'reported' | 'confirmed';
  /** Date of the first record (a photo's capture); today when absent. */
  firstRecordOn?: string;
  photoHashes?: string[];
}

export function createSite(library: Library, site: NewSite, actor: Actor = {}): SiteFold {
  const clock = actor.clock ?? systemClock;
  const species = site.species?.trim();
  if (!species) throw new StationError('INVALID_ARGUMENT', 'A site needs a species (--species NAME).');
  const extent = checkExtent(site.extent);
  const firstRecordOn = checkDate(site.firstRecordOn, 'The first record date', clock);
  const id = newGlobalId();
  return decide(library, id, {
    entityType: 'site',
    entityId: id,
    action: 'created',
    payload: { species, extent, name: site.name ?? null, notes: site.notes?.trim() || null, state: site.state ?? 'reported', firstRecordOn, photoHashes: site.photoHashes ?? [] },
    ranger: actor.ranger ?? null,
    reason: actor.reason ?? null,
  }, clock);
}

/** A site from a ranger-confirmed photo: its species, its position with `radiusMetres`, its capture date. */
export function createSiteFromPhoto(library: Library, photoId: number, radiusMetres: number, actor: Actor = {}): SiteFold {
  const photo = library.photos.get(photoId);
  if (!photo) throw new StationError('NOT_FOUND', `There is no photo ${photoId} (see: invasives export).`);
  if ((photo.status !== 'confirmed' && photo.status !== 'corrected') || !photo.species) {
    throw new StationError('INVALID_ARGUMENT', `Photo ${photoId} is ${photo.status}; a site is made from a photo a ranger confirmed (or corrected). Review it first, or draw the site.`);
  }
  if (photo.latitude === null || photo.longitude === null) {
    throw new StationError('INVALID_ARGUMENT', `Photo ${photoId} has no position; place it on the map first (invasives place).`);
  }
  const captured = captureSortKey(photo.capturedAt);
  return createSite(
    library,
    {
      species: photo.species,
      extent: { type: 'point', latitude: photo.latitude, longitude: photo.longitude, radiusMetres },
      state: 'confirmed',
      firstRecordOn: captured === null ? undefined : new Date(captured).toISOString().slice(0, 10),
      photoHashes: [photo.sha256],
    },
    actor,
  );
}

export function confirmSite(library: Library, siteId: string, actor: Actor = {}): SiteFold {
  const site = getSite(library, siteId);
  return decide(library, site.id, { entityType: 'site', entityId: site.id, action: 'confirmed', ranger: actor.ranger, reason: actor.reason }, actor.clock ?? systemClock);
}

export function planTreatment(library: Library, siteId: string, plan: { plannedFor?: string | null; method?: string | null }, actor: Actor = {}): SiteFold {
  const site = getSite(library, siteId);
  return decide(library, site.id, {
    entityType: 'site',
    entityId: site.id,
    action: 'treatment-planned',
    payload: { plannedFor: plan.plannedFor ?? null, method: plan.method ?? null },
    ranger: actor.ranger,
    reason: actor.reason,
  }, actor.clock ?? systemClock);
}

export interface NewTreatment {
  treatedOn?: string;
  method: string;
  product?: string | null;
  dose?: string | null;
  crew?: string | null;
  areaSquareMetres?: number | null;
  notes?: string | null;
  photoIds?: number[];
}

function photoHashesOf(library: Library, photoIds: readonly number[] = []): string[] {
  return photoIds.map((id) => {
    const photo = library.photos.get(id);
    if (!photo) throw new StationError('NOT_FOUND', `There is no photo ${id} to attach.`);
    return photo.sha256;
  });
}

export function recordTreatment(library: Library, siteId: string, treatment: NewTreatment, actor: Actor = {}): SiteFold {
  const clock = actor.clock ?? systemClock;
  const site = getSite(library, siteId);
  const method = treatment.method?.trim();
  if (!method) throw new StationError('INVALID_ARGUMENT', 'A treatment needs its method (--method hand-pulling|cutting|herbicide|covering|...).');
  if (method === 'herbicide' && !treatment.product?.trim()) throw new StationError('INVALID_ARGUMENT', 'A herbicide treatment needs its product (--product NAME) and dose (--dose TEXT).');
  if (treatment.areaSquareMetres != null && !(treatment.areaSquareMetres >= 0)) throw new StationError('INVALID_ARGUMENT', `The area treated must be 0 or more m² (got ${treatment.areaSquareMetres}).`);
  const treatedOn = checkDate(treatment.treatedOn, 'The treatment date', clock);
  const id = newGlobalId();
  return decide(library, site.id, {
    entityType: 'treatment',
    entityId: id,
    action: 'recorded',
    payload: {
      siteId: site.id,
      treatedOn,
      method,
      product: treatment.product ?? null,
      dose: treatment.dose ?? null,
      crew: treatment.crew ?? null,
      areaSquareMetres: treatment.areaSquareMetres ?? null,
      notes: treatment.notes ?? null,
      photoHashes: photoHashesOf(library, treatment.photoIds),
      recheckYears: recheckYearsFor(library, site.species),
    },
    ranger: actor.ranger,
    reason: actor.reason,
  }, clock);
}

export interface NewVisit {
  visitedOn?: string;
  outcome: 'clean' | 'regrowth';
  statement: string;
  photoIds: number[];
}

/** A re-check: a clean one is a ranger's statement with the photos taken, never an absence of photos. */
export function recordVisit(library: Library, siteId: string, visit: NewVisit, actor: Actor = {}): SiteFold {
  const clock = actor.clock ?? systemClock;
  const site = getSite(library, siteId);
  if (!visit.statement?.trim()) throw new StationError('INVALID_ARGUMENT', 'A re-check needs the ranger\'s statement of what was checked (--statement TEXT).');
  if (!actor.ranger?.trim()) throw new StationError('INVALID_ARGUMENT', 'A re-check needs the ranger who made it (--ranger NAME, or the ranger setting).');
  if (visit.outcome === 'clean' && (!visit.photoIds || visit.photoIds.length === 0)) {
    throw new StationError('INVALID_ARGUMENT', 'A clean re-check needs the photos taken on the visit (--photos ID,ID): an absence of photos proves nothing.');
  }
  const visitedOn = checkDate(visit.visitedOn, 'The visit date', clock);
  const id = newGlobalId();
  return decide(library, site.id, {
    entityType: 'visit',
    entityId: id,
    action: 'recorded',
    payload: { siteId: site.id, visitedOn, outcome: visit.outcome, statement: visit.statement.trim(), photoHashes: photoHashesOf(library, visit.photoIds) },
    ranger: actor.ranger,
    reason: actor.reason,
  }, clock);
}

/** Regrowth seen on a confirmed photo after the last treatment (the station's own finding). */
export function recordRegrowthFound(library: Library, site: SiteFold, photoHashes: string[], capturedAt: string): SiteFold {
  const clock: Clock = () => new Date(capturedAt);
  return decide(library, site.id, {
    entityType: 'site',
    entityId: site.id,
    action: 'regrowth-found',
    payload: { photoHashes },
    ranger: null,
    reason: `confirmed photo(s) of ${site.species} inside the site after its treatment on ${site.lastTreatedOn}`,
  }, clock);
}

export interface DueSite {
  site: SiteFold;
  dueOn: string;
  overdue: boolean;
}

/** Sites whose next re-check is due within `withinDays` of the clock's today (overdue ones first). */
export function dueSites(library: Library, options: { withinDays?: number; clock?: Clock } = {}): DueSite[] {
  const now = today(options.clock ?? systemClock);
  const horizon = new Date(`${now}T00:00:00Z`);
  horizon.setUTCDate(horizon.getUTCDate() + (options.withinDays ?? 30));
  const until = horizon.toISOString().slice(0, 10);
  return listSites(library)
    .filter((site) => site.nextDueOn !== null && site.nextDueOn <= until)
    .map((site) => ({ site, dueOn: site.nextDueOn!, overdue: site.nextDueOn! < now }))
    .sort((a, b) => a.dueOn.localeCompare(b.dueOn));
}
