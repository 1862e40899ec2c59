/**
 * Handlers of the Sites screen's calls (issue 15): list and due list, a site from a confirmed
 * photo or a drawn extent, and the lifecycle steps. Each decision records the ranger; a step
 * that skips the lifecycle is refused by the core and stores nothing.
 */
import type { Library } from '../core/library/index.js';
import { extentAreaSquareMetres, extentCentroid } from '../core/sites/site-extent.js';
import { type SiteFold, displayState } from '../core/sites/site-lifecycle.js';
import { confirmSite, createSite, createSiteFromPhoto, dueSites, getSite, listSites, planTreatment, recordTreatment, recordVisit } from '../core/sites/site-service.js';
import { decisionMaker } from '../core/station-settings.js';
import type { AlertsRefresher } from './alerts-refresher.js';
import type { SiteListItem } from './contract.js';
import type { Handlers } from './handlers.js';

export type SiteHandlerNames = 'sites:list' | 'sites:createFromPhoto' | 'sites:create' | 'sites:confirm' | 'sites:plan' | 'sites:treat' | 'sites:visit';

export function siteListItem(library: Library, site: SiteFold, now: Date = new Date()): SiteListItem {
  const today = now.toISOString().slice(0, 10);
  const centroid = extentCentroid(site.extent);
  return {
    site,
    displayState: displayState(site, today),
    latitude: centroid.latitude,
    longitude: centroid.longitude,
    areaSquareMetres: Math.round(extentAreaSquareMetres(site.extent)),
    photoIds: library.sites.photosOf(site.id),
    dueOn: site.nextDueOn,
    overdue: site.nextDueOn !== null && site.nextDueOn < today,
  };
}

export function createSiteHandlers(library: Library, alerts: AlertsRefresher, changed: (reason: string) => void): Pick<Handlers, SiteHandlerNames> {
  const actor = (ranger: string | undefined, reason?: string) => ({ ranger: decisionMaker(library, ranger).ranger, reason: reason ?? null });
  /** A new or moved extent, or a treatment: links and regrowth alerts follow. */
  const relink = (site: SiteFold) => {
    alerts.refreshNow();
    changed('sites');
    return siteListItem(library, getSite(library, site.id));
  };
  const done = (site: SiteFold) => {
    changed('sites');
    return siteListItem(library, site);
  };
  return {
    'sites:list': (args) => {
      const sites = args?.dueWithinWeeks === undefined ? listSites(library) : dueSites(library, { withinDays: args.dueWithinWeeks * 7 }).map((due) => due.site);
      return sites.map((site) => siteListItem(library, site));
    },
    'sites:createFromPhoto': ({ photoId, radiusMetres, ranger }) => relink(createSiteFromPhoto(library, photoId, radiusMetres, actor(ranger))),
    'sites:create': ({ species, extent, name, notes, confirmed, firstRecordOn, ranger }) =>
      relink(createSite(library, { species, extent, name: name ?? null, notes: notes ?? null, state: confirmed ? 'confirmed' : 'reported', firstRecordOn }, actor(ranger))),
    'sites:confirm': ({ siteId, ranger, reason }) => done(confirmSite(library, siteId, actor(ranger, reason))),
    'sites:plan': ({ siteId, plannedFor, method, ranger }) => done(planTreatment(library, siteId, { plannedFor: plannedFor ?? null, method: method ?? null }, actor(ranger))),
    'sites:treat': ({ siteId, ranger, reason, ...treatment }) => relink(recordTreatment(library, siteId, treatment, actor(ranger, reason))),
    'sites:visit': ({ siteId, ranger, ...visit }) => done(recordVisit(library, siteId, visit, actor(ranger))),
  };
}
