import { writeFileAtomically } from '../atomic-file.js';
import { escapeXml } from '../geo/alert-map-svg.js';
import { csvRow } from '../geo/export-csv.js';
import { ZoneIndex } from '../geo/zones.js';
import type { Library } from '../library/index.js';
import { extentAreaSquareMetres, extentCentroid, extentGeometry } from './site-extent.js';
import { type SiteFold, displayState } from './site-lifecycle.js';
import { type Clock, dueSites, systemClock } from './site-service.js';

function csv(rows: readonly (readonly unknown[])[]): string {
  return rows.map((row) => csvRow(row)).join('');
}

const today = (clock: Clock) => clock().toISOString().slice(0, 10);

export const SITE_COLUMNS = [
  'siteID', 'name', 'species', 'state', 'displayState', 'zone', 'centroidLatitude', 'centroidLongitude', 'extentType', 'radiusMetres', 'areaSquareMetres',
  'firstRecordOn', 'lastTreatedOn', 'treatments', 'cleanRechecks', 'requiredRechecks', 'nextDueOn', 'originStation', 'notes',
] as const;

function siteRecord(site: SiteFold, zone: string, now: string): Record<(typeof SITE_COLUMNS)[number], unknown> {
  const centroid = extentCentroid(site.extent);
  return {
    siteID: site.id,
    name: site.name ?? '',
    species: site.species,
    state: site.state,
    displayState: displayState(site, now),
    zone,
    centroidLatitude: Number(centroid.latitude.toFixed(6)),
    centroidLongitude: Number(centroid.longitude.toFixed(6)),
    extentType: site.extent.type,
    radiusMetres: site.extent.type === 'point' ? site.extent.radiusMetres : '',
    areaSquareMetres: Math.round(extentAreaSquareMetres(site.extent)),
    firstRecordOn: site.firstRecordOn,
    lastTreatedOn: site.lastTreatedOn ?? '',
    treatments: site.treatments.length,
    cleanRechecks: site.cleanRechecks,
    requiredRechecks: site.recheckYears.length,
    nextDueOn: site.nextDueOn ?? '',
    originStation: site.originStation,
    notes: site.notes ?? '',
  };
}

function zoneNamer(library: Library): (site: SiteFold) => string {
  const zones = ZoneIndex.of(library);
  return (site) => {
    const centroid = extentCentroid(site.extent);
    return zones.locate(centroid.latitude, centroid.longitude).label;
  };
}

/** Sites as CSV (one row each, with its zone and area), written atomically. */
export async function writeSitesCsv(sites: readonly SiteFold[], library: Library, outPath: string, clock: Clock = systemClock): Promise<number> {
  const zoneOf = zoneNamer(library);
  const now = today(clock);
  await writeFileAtomically(outPath, csv([SITE_COLUMNS, ...sites.map((site) => SITE_COLUMNS.map((column) => siteRecord(site, zoneOf(site), now)[column]))]));
  return sites.length;
}

/** Sites as an RFC 7946 FeatureCollection: a polygon, or the point of a point site (its radius a property). */
export async function writeSitesGeoJson(sites: readonly SiteFold[], library: Library, outPath: string, clock: Clock = systemClock): Promise<number> {
  const zoneOf = zoneNamer(library);
  const now = today(clock);
  const collection = {
    type: 'FeatureCollection',
    features: sites.map((site) => ({ type: 'Feature', id: site.id, geometry: extentGeometry(site.extent), properties: siteRecord(site, zoneOf(site), now) })),
  };
  await writeFileAtomically(outPath, `${JSON.stringify(collection, null, 1)}\n`);
  return sites.length;
}

/**
 * Treatment columns in EDDMapS-style names. No published treatment upload template was found:
 * resources/treatment-upload-columns.md lists which names match a published source, which are
 * the station's own, and what was searched.
 */
export const TREATMENT_UPLOAD_COLUMNS = [
  'SciName', 'ObsDate', 'Reporter', 'Latitude', 'Longitude', 'Datum', 'CoordAcc', 'Location', 'InfestAcre', 'GrossAcre', 'ManageStat',
  'TreatmentDate', 'TreatmentMethod', 'Herbicide', 'HerbicideRate', 'AreaTreatedAcre', 'Crew', 'Comments', 'SiteID', 'TreatmentID',
] as const;

const ACRES_PER_M2 = 1 / 4046.8564224;

/** Treatments as CSV in the bulk-upload template's columns (one row per treatment). */
export async function writeTreatmentsCsv(sites: readonly SiteFold[], outPath: string): Promise<number> {
  const rows: unknown[][] = [];
  for (const site of sites) {
    const centroid = extentCentroid(site.extent);
    const siteAcres = extentAreaSquareMetres(site.extent) * ACRES_PER_M2;
    for (const treatment of site.treatments) {
      const record: Record<(typeof TREATMENT_UPLOAD_COLUMNS)[number], unknown> = {
        SciName: site.species,
        ObsDate: site.firstRecordOn,
        Reporter: treatment.ranger ?? '',
        Latitude: Number(centroid.latitude.toFixed(6)),
        Longitude: Number(centroid.longitude.toFixed(6)),
        Datum: 'WGS84',
        CoordAcc: site.extent.type === 'point' ? site.extent.radiusMetres : '',
        Location: site.name ?? '',
        InfestAcre: Number(siteAcres.toFixed(4)),
        GrossAcre: Number(siteAcres.toFixed(4)),
        ManageStat: 'Treated',
        TreatmentDate: treatment.treatedOn,
        TreatmentMethod: treatment.method,
        Herbicide: treatment.product ?? '',
        HerbicideRate: treatment.dose ?? '',
        AreaTreatedAcre: treatment.areaSquareMetres === null ? '' : Number((treatment.areaSquareMetres * ACRES_PER_M2).toFixed(4)),
        Crew: treatment.crew ?? '',
        Comments: treatment.notes ?? '',
        SiteID: site.id,
        TreatmentID: treatment.id,
      };
      rows.push(TREATMENT_UPLOAD_COLUMNS.map((column) => record[column]));
    }
  }
  await writeFileAtomically(outPath, csv([TREATMENT_UPLOAD_COLUMNS, ...rows]));
  return rows.length;
}

export interface SiteSummaryRow {
  zone: string;
  species: string;
  sites: number;
  areaSquareMetres: number;
}

/**
 * "Still to treat" (reported, confirmed, planned, regrowth) and "treated this season" (a
 * treatment dated in the clock's calendar year), per zone and species, with areas.
 */
export function siteSummaries(library: Library, sites: readonly SiteFold[], clock: Clock = systemClock): { stillToTreat: SiteSummaryRow[]; treatedThisSeason: SiteSummaryRow[]; season: string } {
  const zoneOf = zoneNamer(library);
  const season = today(clock).slice(0, 4);
  const group = (chosen: readonly SiteFold[], area: (site: SiteFold) => number) => {
    const rows = new Map<string, SiteSummaryRow>();
    for (const site of chosen) {
      const zone = zoneOf(site);
      const key = `${zone}\u0000${site.species}`;
      const row = rows.get(key) ?? { zone, species: site.species, sites: 0, areaSquareMetres: 0 };
      row.sites++;
      row.areaSquareMetres += area(site);
      rows.set(key, row);
    }
    return [...rows.values()].map((row) => ({ ...row, areaSquareMetres: Math.round(row.areaSquareMetres) })).sort((a, b) => a.zone.localeCompare(b.zone) || a.species.localeCompare(b.species));
  };
  const stillToTreat = sites.filter((site) => ['reported', 'confirmed', 'treatment-planned', 'regrowth'].includes(site.state));
  const treatedThisSeason = sites.filter((site) => site.treatments.some((t) => t.treatedOn.startsWith(season)));
  return {
    season,
    stillToTreat: group(stillToTreat, (site) => extentAreaSquareMetres(site.extent)),
    treatedThisSeason: group(treatedThisSeason, (site) =>
      site.treatments.filter((t) => t.treatedOn.startsWith(season)).reduce((sum, t) => sum + (t.areaSquareMetres ?? extentAreaSquareMetres(site.extent)), 0),
    ),
  };
}

const STATE_TITLES: Record<string, string> = {
  reported: 'Reported',
  confirmed: 'Confirmed',
  'treatment-planned': 'Treatment planned',
  treated: 'Treated',
  'recheck-due': 'Re-check due',
  regrowth: 'Regrowth found',
  clean: 'Clean (monitoring)',
  eradicated: 'Eradicated',
};

/**
 * A printable field sheet (self-contained HTML: no scripts, no remote resources; prints to
 * PDF from the browser, one site per page) for a route of sites in the given order.
 */
export function fieldSheetHtml(library: Library, sites: readonly SiteFold[], clock: Clock = systemClock): string {
  const now = today(clock);
  const zoneOf = zoneNamer(library);
  const e = (value: unknown) => escapeXml(String(value ?? ''));
  const pages = sites.map((site, index) => {
    const centroid = extentCentroid(site.extent);
    const photos = library.sites.photosOf(site.id).map((id) => library.photos.get(id)).filter((photo) => photo !== null);
    const last = photos.sort((a, b) => (b.capturedAt ?? '').localeCompare(a.capturedAt ?? '')).slice(0, 5);
    const extent = site.extent.type === 'point'
      ? `point, radius ${site.extent.radiusMetres} m`
      : `polygon: ${site.extent.coordinates[0]!.slice(0, -1).map(([lon, lat]) => `${lat!.toFixed(5)}, ${lon!.toFixed(5)}`).join(' · ')}`;
    return `<section class="sheet">
<h1>${index + 1}. ${e(site.species)} <small>${e(site.name ?? site.id.slice(0, 8))}</small></h1>
<table>
<tr><th>State</th><td>${e(STATE_TITLES[displayState(site, now)] ?? site.state)}</td><th>Zone</th><td>${e(zoneOf(site))}</td></tr>
<tr><th>Centre</th><td>${centroid.latitude.toFixed(6)}, ${centroid.longitude.toFixed(6)}</td><th>Area</th><td>${Math.round(extentAreaSquareMetres(site.extent))} m²</td></tr>
<tr><th>Extent</th><td colspan="3">${e(extent)}</td></tr>
<tr><th>First record</th><td>${e(site.firstRecordOn)}</td><th>Last treated</th><td>${e(site.lastTreatedOn ?? '—')}</td></tr>
<tr><th>Re-check due</th><td>${e(site.nextDueOn ?? '—')}</td><th>Clean re-checks</th><td>${site.cleanRechecks} of ${site.recheckYears.length || '—'}</td></tr>
${site.notes ? `<tr><th>Notes</th><td colspan="3">${e(site.notes)}</td></tr>\n` : ''}<tr><th>Site id</th><td colspan="3"><code>${e(site.id)}</code></td></tr>
</table>
<h2>Treatments</h2>
${site.treatments.length === 0 ? '<p>None yet.</p>' : `<ul>${site.treatments.map((t) => `<li>${e(t.treatedOn)}: ${e(t.method)}${t.product ? ` (${e(t.product)}${t.dose ? `, ${e(t.dose)}` : ''})` : ''}${t.crew ? `, crew ${e(t.crew)}` : ''}${t.notes ? `: ${e(t.notes)}` : ''}</li>`).join('')}</ul>`}
<h2>Last photos</h2>
${last.length === 0 ? '<p>None linked.</p>' : `<ul>${last.map((photo) => `<li>#${photo.id} ${e(photo.capturedAt ?? 'no time')} ${e(photo.species ?? '')} (${e(photo.status)})</li>`).join('')}</ul>`}
<h2>This visit</h2>
<table class="form">
<tr><th>Date</th><td></td><th>Ranger</th><td></td></tr>
<tr><th>Outcome</th><td colspan="3">☐ clean &nbsp; ☐ regrowth &nbsp; ☐ treated (method, product, dose, area)</td></tr>
<tr><th>Photo numbers</th><td colspan="3"></td></tr>
<tr><th>Statement</th><td colspan="3" class="tall"></td></tr>
</table>
</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Field sheet: ${sites.length} site(s), ${e(now)}</title>
<style>
body { font: 11pt/1.4 system-ui, sans-serif; margin: 1.5cm; color: #000; }
h1 { font-size: 15pt; margin: 0 0 .4em; } h1 small { font-weight: normal; color: #444; }
h2 { font-size: 12pt; margin: 1em 0 .3em; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #888; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eee; width: 16%; } .form td { height: 1.6em; } .form td.tall { height: 6em; }
.sheet { page-break-after: always; break-after: page; } .sheet:last-child { page-break-after: auto; break-after: auto; }
@page { size: A4; margin: 1.5cm; } @media print { body { margin: 0; } }
</style></head><body>
${pages.join('\n')}
</body></html>
`;
}

/** The due list for the coming `withinDays`, as a route: overdue first, then by date. */
export function dueRoute(library: Library, withinDays: number, clock: Clock = systemClock): SiteFold[] {
  return dueSites(library, { withinDays, clock }).map((due) => due.site);
}
