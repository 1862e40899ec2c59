import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../../core/atomic-file.js';
import { StationError } from '../../core/errors.js';
import type { Library } from '../../core/library/index.js';
import { readSchedules, setRecheckYears } from '../../core/sites/recheck-schedule.js';
import { extentAreaSquareMetres, extentCentroid } from '../../core/sites/site-extent.js';
import { type SiteFold, displayState } from '../../core/sites/site-lifecycle.js';
import { SITE_LINK_BUFFER_METRES } from '../../core/sites/site-photo-links.js';
import { fieldSheetHtml, siteSummaries, writeSitesCsv, writeSitesGeoJson, writeTreatmentsCsv } from '../../core/sites/site-reports.js';
import {
  type Clock,
  confirmSite,
  createSite,
  createSiteFromPhoto,
  dueSites,
  getSite,
  listSites,
  planTreatment,
  recordTreatment,
  recordVisit,
} from '../../core/sites/site-service.js';
import { decisionMaker } from '../../core/station-settings.js';
import { type CliCommand, type CommandContext, usageError } from '../command.js';
import { refuseExistingOutput } from '../refuse-existing-output.js';
import { refreshAndReport } from './alerts.js';

const option = (context: CommandContext, name: string) => (typeof context.options[name] === 'string' ? (context.options[name] as string) : undefined);

function numberOption(context: CommandContext, name: string): number | undefined {
  const text = option(context, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw usageError(`--${name} must be a number (got "${text}").`);
  return value;
}

function photoIdsOption(context: CommandContext): number[] {
  const text = option(context, 'photos');
  if (!text) return [];
  return text.split(',').map((part) => {
    const id = Number(part.trim());
    if (!Number.isInteger(id) || id <= 0) throw usageError(`--photos takes photo numbers separated by commas (got "${part}").`);
    return id;
  });
}

/** --as-of DATE: "today" for due lists and summaries (planning ahead, or tests); the real date otherwise. */
function clockOf(context: CommandContext): Clock {
  const asOf = option(context, 'as-of');
  if (asOf === undefined) return () => new Date();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(`${asOf}T12:00:00Z`))) throw usageError(`--as-of must be a date as YYYY-MM-DD (got "${asOf}").`);
  return () => new Date(`${asOf}T12:00:00Z`);
}

function extentOf(context: CommandContext): unknown {
  const polygonFile = option(context, 'polygon');
  if (polygonFile) {
    let parsed: { type?: string; geometry?: unknown; features?: { geometry?: unknown }[]; coordinates?: unknown };
    try {
      parsed = JSON.parse(fs.readFileSync(path.resolve(polygonFile), 'utf8')) as typeof parsed;
    } catch (error) {
      throw new StationError('GEOJSON_INVALID', `${polygonFile}: not a readable GeoJSON file (${error instanceof Error ? error.message : String(error)}).`);
    }
    const geometry = (parsed.type === 'FeatureCollection' ? parsed.features?.[0]?.geometry : parsed.type === 'Feature' ? parsed.geometry : parsed) as { type?: string; coordinates?: unknown } | undefined;
    if (geometry?.type !== 'Polygon') throw new StationError('GEOJSON_INVALID', `${polygonFile}: give one Polygon (a Feature, a FeatureCollection's first feature, or a bare geometry).`);
    return { type: 'polygon', coordinates: geometry.coordinates };
  }
  const latitude = numberOption(context, 'lat');
  const longitude = numberOption(context, 'lon');
  if (latitude === undefined || longitude === undefined) throw usageError('where is the site? Give --lat and --lon (with --radius metres), or --polygon FILE.geojson, or --from-photo ID.');
  return { type: 'point', latitude, longitude, radiusMetres: numberOption(context, 'radius') ?? 10 };
}

function describe(site: SiteFold, today: string): string {
  const centroid = extentCentroid(site.extent);
  const due = site.nextDueOn ? `, re-check due ${site.nextDueOn}` : '';
  return `${site.id.slice(0, 8)} ${displayState(site, today)}: ${site.species}${site.name ? ` "${site.name}"` : ''} at ${centroid.latitude.toFixed(5)}, ${centroid.longitude.toFixed(5)}, ${Math.round(extentAreaSquareMetres(site.extent))} m², ${site.treatments.length} treatment(s)${due}`;
}

function showSite(library: Library, site: SiteFold, context: CommandContext, today: string): void {
  if (context.json) {
    context.stdout.write(`${JSON.stringify({ ...site, displayState: displayState(site, today), photoIds: library.sites.photosOf(site.id) }, null, 2)}\n`);
    return;
  }
  context.stdout.write(`${describe(site, today)}\nsite id ${site.id} (origin station ${site.originStation}), first record ${site.firstRecordOn}\n`);
  if (site.notes) context.stdout.write(`notes: ${site.notes}\n`);
  for (const t of site.treatments) context.stdout.write(`  treated ${t.treatedOn}: ${t.method}${t.product ? ` ${t.product}` : ''}${t.dose ? ` ${t.dose}` : ''}${t.crew ? `, crew ${t.crew}` : ''}${t.areaSquareMetres !== null ? `, ${t.areaSquareMetres} m²` : ''}\n`);
  for (const v of site.visits) context.stdout.write(`  re-check ${v.visitedOn}: ${v.outcome}${v.countsForSchedule ? ' (counts for the schedule)' : ''}, ${v.ranger ?? 'unknown ranger'}: ${v.statement}\n`);
  context.stdout.write(`  photos inside (+${SITE_LINK_BUFFER_METRES} m): ${library.sites.photosOf(site.id).join(', ') || 'none'}\n  history:\n`);
  for (const h of site.history) context.stdout.write(`    ${h.occurredAt} ${h.entityType} ${h.action}${h.ranger ? ` by ${h.ranger}` : ''}${h.reason ? `: ${h.reason}` : ''}\n`);
}

export const sitesCommand: CliCommand = {
  name: 'sites',
  summary: 'invasive-plant sites over years: create, treat, re-check, due list, field sheets, exports',
  usage: `invasives sites [list] [--species NAME] [--state STATE]
invasives sites create --species NAME (--lat N --lon N [--radius M] | --polygon FILE.geojson) [--name TEXT] [--notes TEXT] [--first-record DATE] [--confirmed]
invasives sites create --from-photo ID [--radius M]        from a ranger-confirmed photo (its species, place and date)
invasives sites show SITE
invasives sites confirm SITE
invasives sites plan SITE [--date DATE] [--method TEXT]
invasives sites treat SITE --method hand-pulling|cutting|herbicide|covering|... [--date DATE] [--product TEXT --dose TEXT]
                     [--crew TEXT] [--area M2] [--notes TEXT] [--photos ID,ID]
invasives sites visit SITE --outcome clean|regrowth --statement TEXT --photos ID,ID [--date DATE]
invasives sites due [--weeks N] [--as-of DATE]           re-checks due in the coming weeks (overdue first)
invasives sites summary [--as-of DATE]                   still to treat / treated this season, per zone and species
invasives sites schedule [--years 1,2,5] [--species NAME]  show or set the re-check schedule
invasives sites export --format geojson|csv|treatments|sheet --out FILE [--force] [--due-weeks N] [SITE ...]

A site's lifecycle: reported → confirmed → treatment planned → treated → re-check due →
regrowth | clean → eradicated after the last required clean re-check (default 1, 2 and 5 years
after the last treatment). A change that skips a step is refused and nothing is stored.
Every change is an event with the ranger (--ranger NAME, else the "ranger" setting) and --reason.
SITE is a site id or its first 8 characters. Dates are YYYY-MM-DD (default today).
--format sheet writes a printable field sheet (HTML, one page per site) for the SITEs named,
or the due route (--due-weeks N, default 4).`,
  options: {
    species: { type: 'string' },
    state: { type: 'string' },
    lat: { type: 'string' },
    lon: { type: 'string' },
    radius: { type: 'string' },
    polygon: { type: 'string' },
    name: { type: 'string' },
    'first-record': { type: 'string' },
    confirmed: { type: 'boolean', default: false },
    'from-photo': { type: 'string' },
    date: { type: 'string' },
    method: { type: 'string' },
    product: { type: 'string' },
    dose: { type: 'string' },
    crew: { type: 'string' },
    area: { type: 'string' },
    notes: { type: 'string' },
    photos: { type: 'string' },
    outcome: { type: 'string' },
    statement: { type: 'string' },
    weeks: { type: 'string' },
    'due-weeks': { type: 'string' },
    'as-of': { type: 'string' },
    years: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean', default: false },
    ranger: { type: 'string' },
    reason: { type: 'string' },
  },
  async run(context) {
    const [action = 'list', ...targets] = context.positionals;
    const reads = ['list', 'show', 'due', 'summary', 'export'].includes(action) || (action === 'schedule' && option(context, 'years') === undefined);
    const library = context.library.open(reads ? 'read' : 'write');
    try {
      const clock = clockOf(context);
      const today = clock().toISOString().slice(0, 10);
      const actor = { ranger: decisionMaker(library, option(context, 'ranger')).ranger, reason: option(context, 'reason') ?? null, clock };
      const siteArg = () => {
        const id = targets[0];
        if (!id) throw usageError(`${action}: which site? Give its id (see: invasives sites list).`);
        return id;
      };
      const done = (site: SiteFold) => {
        showSite(library, site, context, today);
        return 0;
      };
      switch (action) {
        case 'list': {
          const species = option(context, 'species');
          const state = option(context, 'state');
          const sites = listSites(library).filter((site) => (!species || site.species === species) && (!state || site.state === state || displayState(site, today) === state));
          if (context.json) context.stdout.write(`${JSON.stringify(sites.map((site) => ({ ...site, displayState: displayState(site, today) })), null, 2)}\n`);
          else if (sites.length === 0) context.stdout.write('No sites.\n');
          else for (const site of sites) context.stdout.write(`${describe(site, today)}\n`);
          return 0;
        }
        case 'show':
          return done(getSite(library, siteArg()));
        case 'create': {
          const fromPhoto = option(context, 'from-photo');
          let site: SiteFold;
          if (fromPhoto !== undefined) {
            const photoId = Number(fromPhoto);
            if (!Number.isInteger(photoId) || photoId <= 0) throw usageError(`--from-photo takes a photo number (got "${fromPhoto}").`);
            site = createSiteFromPhoto(library, photoId, numberOption(context, 'radius') ?? 10, actor);
          } else {
            site = createSite(library, {
              species: option(context, 'species') ?? '',
              extent: extentOf(context),
              name: option(context, 'name') ?? null,
              notes: option(context, 'notes') ?? null,
              state: context.options.confirmed === true ? 'confirmed' : 'reported',
              firstRecordOn: option(context, 'first-record'),
            }, actor);
          }
          refreshAndReport(library, context);
          return done(getSite(library, site.id));
        }
        case 'confirm':
          return done(confirmSite(library, siteArg(), actor));
        case 'plan':
          return done(planTreatment(library, siteArg(), { plannedFor: option(context, 'date') ?? null, method: option(context, 'method') ?? null }, actor));
        case 'treat': {
          const site = recordTreatment(library, siteArg(), {
            treatedOn: option(context, 'date'),
            method: option(context, 'method') ?? '',
            product: option(context, 'product') ?? null,
            dose: option(context, 'dose') ?? null,
            crew: option(context, 'crew') ?? null,
            areaSquareMetres: numberOption(context, 'area') ?? null,
            notes: option(context, 'notes') ?? null,
            photoIds: photoIdsOption(context),
          }, actor);
          refreshAndReport(library, context);
          return done(getSite(library, site.id));
        }
        case 'visit': {
          const outcome = option(context, 'outcome');
          if (outcome !== 'clean' && outcome !== 'regrowth') throw usageError('--outcome clean or regrowth is required.');
          const site = recordVisit(library, siteArg(), { visitedOn: option(context, 'date'), outcome, statement: option(context, 'statement') ?? '', photoIds: photoIdsOption(context) }, actor);
          return done(site);
        }
        case 'due': {
          const due = dueSites(library, { withinDays: 7 * (numberOption(context, 'weeks') ?? 4), clock });
          if (context.json) {
            context.stdout.write(`${JSON.stringify(due.map((entry) => ({ siteId: entry.site.id, species: entry.site.species, dueOn: entry.dueOn, overdue: entry.overdue, ...extentCentroid(entry.site.extent), lastPhotoIds: library.sites.photosOf(entry.site.id).slice(-5) })), null, 2)}\n`);
          } else if (due.length === 0) context.stdout.write('No re-checks due.\n');
          else {
            for (const entry of due) {
              const centroid = extentCentroid(entry.site.extent);
              const photos = library.sites.photosOf(entry.site.id).slice(-5);
              context.stdout.write(`${entry.dueOn}${entry.overdue ? ' OVERDUE' : ''} ${entry.site.id.slice(0, 8)} ${entry.site.species} at ${centroid.latitude.toFixed(5)}, ${centroid.longitude.toFixed(5)}; last photos: ${photos.join(', ') || 'none'}\n`);
            }
          }
          return 0;
        }
        case 'summary': {
          const summary = siteSummaries(library, listSites(library), clock);
          if (context.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          else {
            context.stdout.write('Still to treat:\n');
            for (const row of summary.stillToTreat) context.stdout.write(`  ${row.zone} · ${row.species}: ${row.sites} site(s), ${row.areaSquareMetres} m²\n`);
            if (summary.stillToTreat.length === 0) context.stdout.write('  nothing\n');
            context.stdout.write(`Treated this season (${summary.season}):\n`);
            for (const row of summary.treatedThisSeason) context.stdout.write(`  ${row.zone} · ${row.species}: ${row.sites} site(s), ${row.areaSquareMetres} m²\n`);
            if (summary.treatedThisSeason.length === 0) context.stdout.write('  nothing\n');
          }
          return 0;
        }
        case 'schedule': {
          const years = option(context, 'years');
          const schedules = years === undefined ? readSchedules(library) : setRecheckYears(library, years.split(','), option(context, 'species'), actor.ranger);
          if (context.json) context.stdout.write(`${JSON.stringify(schedules)}\n`);
          else {
            context.stdout.write(`Re-checks (years after the last treatment): ${schedules.default.join(', ')}\n`);
            for (const [species, list] of Object.entries(schedules.bySpecies)) context.stdout.write(`  ${species}: ${list.join(', ')}\n`);
          }
          return 0;
        }
        case 'export': {
          const format = option(context, 'format');
          const out = option(context, 'out');
          if (!format || !['geojson', 'csv', 'treatments', 'sheet'].includes(format)) throw usageError('--format geojson, csv, treatments or sheet is required.');
          if (!out) throw usageError('where to? Give --out FILE.');
          const target = path.resolve(out);
          refuseExistingOutput(target, context.options.force === true);
          let sites = targets.length > 0 ? targets.map((id) => getSite(library, id)) : listSites(library);
          let written: number;
          if (format === 'geojson') written = await writeSitesGeoJson(sites, library, target, clock);
          else if (format === 'csv') written = await writeSitesCsv(sites, library, target, clock);
          else if (format === 'treatments') written = await writeTreatmentsCsv(sites, target);
          else {
            if (targets.length === 0) sites = dueSites(library, { withinDays: 7 * (numberOption(context, 'due-weeks') ?? 4), clock }).map((due) => due.site);
            await writeFileAtomically(target, fieldSheetHtml(library, sites, clock));
            written = sites.length;
          }
          if (context.json) context.stdout.write(`${JSON.stringify({ format, out: target, written })}\n`);
          else context.stdout.write(`Wrote ${written} ${format === 'treatments' ? 'treatment(s)' : 'site(s)'} as ${format} to ${target}.\n`);
          return 0;
        }
        default:
          throw usageError(`unknown action "${action}" (list, show, create, confirm, plan, treat, visit, due, summary, schedule, export).`);
      }
    } finally {
      library.close();
    }
  },
};
