import path from 'node:path';
import { StationError } from '../../core/errors.js';
import { type AlertRefreshResult, refreshAlerts } from '../../core/geo/alerts.js';
import { ALERT_KIND_TITLES, writeAlertsCsv, writeAlertsGeoJson, writeAlertsHtml } from '../../core/geo/export-alerts.js';
import { ALERT_KINDS, ALERT_STATES, type AlertKind, type AlertRow, type AlertState, Library } from '../../core/library/index.js';
import { resolveSettings } from '../../core/settings.js';
import { type CliCommand, type CommandContext, usageError } from '../command.js';

/** Refreshes the alerts after a change and says what is new (shared by the geo commands). */
export function refreshAndReport(library: Library, context: CommandContext): AlertRefreshResult {
  const result = refreshAlerts(library, resolveSettings({ databasePath: context.databasePath }).geo);
  if (!context.json) {
    for (const alert of result.raised) context.stdout.write(`NEW ALERT ${describeAlert(alert)}\n`);
    if (result.withdrawn) context.stdout.write(`${result.withdrawn} unread alert(s) withdrawn: their photos no longer support them.\n`);
  }
  return result;
}

export function describeAlert(alert: AlertRow): string {
  const evidence = alert.evidence === 'predicted' ? ' [predicted only]' : '';
  const reason = alert.dismissReason ? ` (${alert.dismissReason})` : '';
  return `#${alert.id} ${alert.state}${reason}: ${ALERT_KIND_TITLES[alert.kind]}: ${alert.species}, ${alert.placeLabel}, ${alert.photoIds.length} photo(s)${evidence}`;
}

function alertId(text: string | undefined): number {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id <= 0) throw new StationError('INVALID_ARGUMENT', `Which alert? Give its number (see: invasives alerts list), got "${text ?? ''}".`);
  return id;
}

const EXPORTS = { csv: writeAlertsCsv, geojson: writeAlertsGeoJson, html: writeAlertsHtml } as const;

export const alertsCommand: CliCommand = {
  name: 'alerts',
  summary: 'early-detection alerts: list, acknowledge, dismiss, export a report',
  usage: `invasives alerts [list] [--state new|acknowledged|dismissed] [--kind KIND] [--db FILE] [--json]
invasives alerts refresh
invasives alerts ack ID
invasives alerts dismiss ID --reason TEXT
invasives alerts reopen ID
invasives alerts export --format csv|geojson|html --out FILE [--state STATE]

Alerts are raised once per species and place, after each import, review, placement,
zone or baseline change: a species never recorded before (new-species), the first record
of an invasive species in a management zone (new-zone) or a 1 km grid cell (new-cell),
and a sharp rise of sightings in a zone (surge). Alerts from model predictions are marked
"predicted only" until a ranger confirms a photo. Dismissed alerts stay dismissed.

  --kind KIND   ${ALERT_KINDS.join(' | ')}
  --format      csv, geojson (one feature per alert, its photos as a MultiPoint), or html
                (a printable page with a map per alert; works offline)`,
  options: {
    state: { type: 'string' },
    kind: { type: 'string' },
    reason: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
  },
  async run(context) {
    const [action = 'list', target] = context.positionals;
    const state = context.options.state as string | undefined;
    if (state !== undefined && !ALERT_STATES.includes(state as AlertState)) {
      throw new StationError('INVALID_ARGUMENT', `--state must be one of ${ALERT_STATES.join(', ')} (got "${state}").`);
    }
    const kind = context.options.kind as string | undefined;
    if (kind !== undefined && !ALERT_KINDS.includes(kind as AlertKind)) {
      throw new StationError('INVALID_ARGUMENT', `--kind must be one of ${ALERT_KINDS.join(', ')} (got "${kind}").`);
    }
    const library = context.library.open('write');
    try {
      const print = (alerts: AlertRow[]) => {
        if (context.json) context.stdout.write(`${JSON.stringify(alerts, null, 2)}\n`);
        else if (alerts.length === 0) context.stdout.write('No alerts.\n');
        else for (const alert of alerts) context.stdout.write(`${describeAlert(alert)}\n`);
      };
      switch (action) {
        case 'list':
          print(library.alerts.list({ state: state as AlertState | undefined, kind: kind as AlertKind | undefined }));
          return 0;
        case 'refresh': {
          const result = refreshAndReport(library, context);
          if (context.json) context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          else context.stdout.write(`${result.raised.length} new alert(s); ${result.open} unread; ${result.observations} observations.\n`);
          return 0;
        }
        case 'ack':
        case 'acknowledge':
          print([library.alerts.acknowledge(alertId(target))]);
          return 0;
        case 'dismiss': {
          const reason = context.options.reason;
          if (typeof reason !== 'string' || !reason.trim()) {
            throw usageError('say why with --reason "..." (e.g. "known planting").');
          }
          print([library.alerts.dismiss(alertId(target), reason)]);
          return 0;
        }
        case 'reopen':
          print([library.alerts.reopen(alertId(target))]);
          return 0;
        case 'export': {
          const format = context.options.format as string | undefined;
          const out = context.options.out as string | undefined;
          if (format !== 'csv' && format !== 'geojson' && format !== 'html') {
            throw usageError('--format csv, geojson or html is required.');
          }
          if (!out) {
            throw usageError('where to? Give --out FILE.');
          }
          const target = path.resolve(out);
          const counts = await EXPORTS[format](library, target, { state: state as AlertState | undefined });
          if (context.json) context.stdout.write(`${JSON.stringify({ format, out: target, ...counts })}\n`);
          else context.stdout.write(`Wrote ${counts.written} alert(s) as ${format} to ${target}.\n`);
          return 0;
        }
        default:
          throw usageError(`unknown action "${action}" (list, refresh, ack, dismiss, reopen, export).`);
      }
    } finally {
      library.close();
    }
  },
};
