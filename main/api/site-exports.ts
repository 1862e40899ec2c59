/**
 * The Sites screen's downloads (issue 15 through the issue 18 file transfers): the sites as
 * GeoJSON or CSV, the treatments in the agencies' upload layout, and the printable field sheet
 * of the due route. The same core writers as `invasives sites export`; the page gets an output
 * file id to download (browser) or save (Electron), never a path.
 */
import { writeFileAtomically } from '../core/atomic-file.js';
import type { Library } from '../core/library/index.js';
import { dueRoute, fieldSheetHtml, writeSitesCsv, writeSitesGeoJson, writeTreatmentsCsv } from '../core/sites/site-reports.js';
import { getSite, listSites } from '../core/sites/site-service.js';
import type { SitesExportFormat, SitesExportResult } from './contract.js';
import type { FileTransfers } from './file-transfers.js';

const DELIVERY: Record<SitesExportFormat, { suffix: string; contentType: string }> = {
  geojson: { suffix: 'sites.geojson', contentType: 'application/geo+json' },
  csv: { suffix: 'sites.csv', contentType: 'text/csv; charset=utf-8' },
  treatments: { suffix: 'treatments.csv', contentType: 'text/csv; charset=utf-8' },
  sheet: { suffix: 'field-sheet.html', contentType: 'text/html; charset=utf-8' },
};

/** Default due horizon of the field sheet, as on the command line (--due-weeks 4). */
const DEFAULT_DUE_WEEKS = 4;

export async function exportSites(
  library: Library,
  transfers: FileTransfers,
  request: { format: SitesExportFormat; siteIds?: string[]; dueWithinWeeks?: number },
): Promise<SitesExportResult> {
  const { format } = request;
  const named = request.siteIds && request.siteIds.length > 0 ? request.siteIds.map((id) => getSite(library, id)) : null;
  const sites = named ?? (format === 'sheet' ? dueRoute(library, 7 * (request.dueWithinWeeks ?? DEFAULT_DUE_WEEKS)) : listSites(library));
  const { suffix, contentType } = DELIVERY[format];
  const stamp = new Date().toISOString().slice(0, 10);
  const { file, result } = await transfers.createOutput(`invasives-${stamp}-${suffix}`, contentType, async (target) => {
    if (format === 'geojson') return writeSitesGeoJson(sites, library, target);
    if (format === 'csv') return writeSitesCsv(sites, library, target);
    if (format === 'treatments') return writeTreatmentsCsv(sites, target);
    await writeFileAtomically(target, fieldSheetHtml(library, sites));
    return sites.length;
  });
  return { format, count: result, file };
}
