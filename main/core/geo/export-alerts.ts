import { writeFileAtomically, writeStreamAtomically } from '../atomic-file.js';
import type { AlertRow, AlertState, BoundingBox, Library, PhotoSummary } from '../library/index.js';
import { BasemapLibrary } from '../basemaps/basemap-library.js';
import { renderBasemapImage } from '../basemaps/render-basemap-image.js';
import { alertMapArea, alertMapSvg, escapeXml } from './alert-map-svg.js';
import { csvRow } from './export-csv.js';

/** One row per alert in the CSV report (GeoJSON properties alike). */
export interface AlertReportRecord {
  alert_id: number;
  kind: string;
  species: string;
  place: string;
  state: AlertState;
  evidence: 'predicted' | 'confirmed';
  dismiss_reason: string | null;
  sightings: number | null;
  photos: number;
  photo_ids: string;
  first_seen: string | null;
  last_seen: string | null;
  best_score: number | null;
  latitude: number | null;
  longitude: number | null;
  raised_at: string;
  updated_at: string;
}

export const ALERT_REPORT_COLUMNS: readonly (keyof AlertReportRecord)[] = [
  'alert_id', 'kind', 'species', 'place', 'state', 'evidence', 'dismiss_reason', 'sightings', 'photos', 'photo_ids',
  'first_seen', 'last_seen', 'best_score', 'latitude', 'longitude', 'raised_at', 'updated_at',
];

export const ALERT_KIND_TITLES: Record<AlertRow['kind'], string> = {
  'new-species': 'New to the park: species never recorded before',
  'new-zone': 'New introduction: first record in this zone',
  'new-cell': 'New introduction: first record in this grid cell',
  'near-boundary': 'Watch-list species near the park boundary',
  spread: 'Spread: first record in this cell, near a known record',
  surge: 'Sharp rise of sightings in this zone',
  'unknown-organism': 'Unknown organism here (possibly a species the model does not know)',
  regrowth: 'Regrowth at a treated site (a confirmed photo of its species after the treatment)',
};

export function alertReportRecordOf(alert: AlertRow): AlertReportRecord {
  const detail = alert.detail as { sightings?: number; firstSeen?: string | null; lastSeen?: string | null; bestScore?: number | null; centre?: { latitude: number; longitude: number } | null };
  return {
    alert_id: alert.id,
    kind: alert.kind,
    species: alert.species,
    place: alert.placeLabel,
    state: alert.state,
    evidence: alert.evidence,
    dismiss_reason: alert.dismissReason,
    sightings: detail.sightings ?? null,
    photos: alert.photoIds.length,
    photo_ids: alert.photoIds.join(' '),
    first_seen: detail.firstSeen ?? null,
    last_seen: detail.lastSeen ?? null,
    best_score: detail.bestScore ?? null,
    latitude: detail.centre?.latitude ?? null,
    longitude: detail.centre?.longitude ?? null,
    raised_at: alert.raisedAt,
    updated_at: alert.updatedAt,
  };
}

export interface AlertReportFilter {
  state?: AlertState;
}

/** RFC 4180 CSV of the alerts (formula cells neutralised), written atomically. */
export async function writeAlertsCsv(library: Library, outPath: string, filter: AlertReportFilter = {}): Promise<{ written: number }> {
  const alerts = library.alerts.list(filter);
  await writeStreamAtomically(outPath, (append) => {
    append(csvRow(ALERT_REPORT_COLUMNS));
    for (const alert of alerts) {
      const record = alertReportRecordOf(alert);
      append(csvRow(ALERT_REPORT_COLUMNS.map((column) => record[column])));
    }
  });
  return { written: alerts.length };
}

/**
 * RFC 7946 FeatureCollection: one feature per alert, a MultiPoint of its photos' positions
 * (null geometry when none has a position), the CSV fields as properties.
 */
export async function writeAlertsGeoJson(library: Library, outPath: string, filter: AlertReportFilter = {}): Promise<{ written: number }> {
  const alerts = library.alerts.list(filter);
  const features = alerts.map((alert) => {
    const coordinates = photosOf(library, alert)
      .filter((photo) => photo.latitude !== null && photo.longitude !== null)
      .map((photo) => [photo.longitude!, photo.latitude!]);
    return {
      type: 'Feature',
      id: alert.id,
      geometry: coordinates.length ? { type: 'MultiPoint', coordinates } : null,
      properties: alertReportRecordOf(alert),
    };
  });
  await writeFileAtomically(outPath, `${JSON.stringify({ type: 'FeatureCollection', features })}\n`);
  return { written: alerts.length };
}

function photosOf(library: Library, alert: AlertRow): PhotoSummary[] {
  return alert.photoIds.map((id) => library.photos.get(id)).filter((photo): photo is PhotoSummary => photo !== null);
}

/**
 * A printable, self-contained HTML report (no scripts, no network): per alert its facts, its
 * photos and an SVG map of the zones, the grid cell, past records and the photos, over the
 * park's raster basemap where one covers the place (its tiles composited here, embedded).
 */
export async function writeAlertsHtml(library: Library, outPath: string, filter: AlertReportFilter = {}): Promise<{ written: number }> {
  const alerts = library.alerts.list(filter);
  const zones = library.zones.list();
  const baseline = library.baseline.list();
  const basemaps = new BasemapLibrary(library);
  const sections: string[] = [];
  try {
    for (const alert of alerts) {
      const record = alertReportRecordOf(alert);
      const photos = photosOf(library, alert);
      const placed = photos.filter((photo) => photo.latitude !== null && photo.longitude !== null);
      const cell = (alert.detail as { cell?: { bbox?: BoundingBox } }).cell?.bbox ?? null;
      const mapInput = {
        zones,
        cell,
        photos: placed.map((photo) => ({ latitude: photo.latitude!, longitude: photo.longitude!, label: `Photo ${photo.id}: ${photo.path}` })),
        baseline: baseline
          .filter((past) => past.species === alert.species)
          .map((past) => ({ latitude: past.latitude, longitude: past.longitude, label: `Past record${past.observedOn ? ` ${past.observedOn}` : ''}` })),
      };
      const area = alertMapArea(mapInput);
      const picture = area ? await renderBasemapImage(basemaps, area, 480, 320) : null;
      const background = picture
        ? { href: `data:image/jpeg;base64,${picture.jpeg.toString('base64')}`, title: `Basemap: ${picture.basemap.name}${picture.basemap.attribution ? ` (${picture.basemap.attribution})` : ''}` }
        : null;
      const map = alertMapSvg({ ...mapInput, background });
      const facts: [string, string][] = [
        ['Place', alert.placeLabel],
        ['State', alert.state + (alert.dismissReason ? ` (${alert.dismissReason})` : '')],
        ['Evidence', alert.evidence === 'confirmed' ? 'confirmed by a ranger' : 'model prediction only, not yet confirmed'],
        ['Sightings', `${record.sightings ?? '?'} (${record.photos} photo${record.photos === 1 ? '' : 's'})`],
        ['Seen', [record.first_seen, record.last_seen].filter(Boolean).join(' to ') || 'unknown'],
        ['Best model score', record.best_score === null ? '—' : record.best_score.toFixed(3)],
        ['Raised', alert.raisedAt],
      ];
      const photoList = photos
        .map((photo) => `<li>#${photo.id} ${escapeXml(photo.path)}${photo.capturedAt ? `, ${escapeXml(photo.capturedAt)}` : ''}${photo.latitude !== null ? `, ${photo.latitude.toFixed(5)}, ${photo.longitude!.toFixed(5)} (${photo.positionSource})` : ', no position'}</li>`)
        .join('');
      sections.push(`<section class="alert ${alert.state}">
<h2>#${alert.id} ${escapeXml(ALERT_KIND_TITLES[alert.kind])}: <i>${escapeXml(alert.species)}</i>${alert.evidence === 'predicted' ? ' <span class="predicted">PREDICTED</span>' : ''}</h2>
<div class="body"><table>${facts.map(([name, value]) => `<tr><th>${name}</th><td>${escapeXml(value)}</td></tr>`).join('')}</table>
${map}</div>
<ul class="photos">${photoList}</ul>
${background ? `<p class="basemap">${escapeXml(background.title)}</p>` : ''}
</section>`);
    }
  } finally {
    await basemaps.close();
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invasive species alerts</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin:0 0 .4em}
.alert{border:1px solid #bbb;padding:.8em;margin:0 0 1.2em;page-break-inside:avoid;break-inside:avoid}
.alert.dismissed{opacity:.6}.body{display:flex;gap:1em;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse;font-size:.9em}th{text-align:left;padding:2px 8px 2px 0;color:#555;font-weight:normal}
.predicted{background:#f5d76e;padding:0 .4em;font-size:.8em}.photos{font-size:.8em;color:#444}.basemap{font-size:.75em;color:#666;margin:0}
@media print{body{margin:0}}
</style></head><body>
<h1>Invasive species alerts</h1>
<p>${alerts.length} alert${alerts.length === 1 ? '' : 's'}${filter.state ? ` in state “${filter.state}”` : ''}, report written ${new Date().toISOString()}. Red dots: photos; grey squares: past records; dashed: grid cell; dark green: park boundary.</p>
${sections.join('\n')}
</body></html>
`;
  await writeFileAtomically(outPath, html);
  return { written: alerts.length };
}
