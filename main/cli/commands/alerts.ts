import path from 'node:path';
import { StationError } from '../../core/errors.js';
import { type AlertRefreshResult, refreshAlerts } from '../../core/geo/alerts.js';
import { ALERT_KIND_TITLES, writeAlertsCsv, writeAlertsGeoJson, writeAlertsHtml } from '../../core/geo/export-alerts.js';
import { groupAlerts, rankAlerts, rankingOf } from '../../core/geo/alert-triage.js';
import { ALERT_KINDS, ALERT_STATES, type AlertFilter, type AlertKind, type AlertRow, type AlertState, Library } from '../../core/library/index.js';
import { resolveSettings } from '../../core/settings.js';
import { decisionMaker, readStationSettings } from '../../core/station-settings.js';
import { type CliCommand, type CommandContext, usageError } from '../command.js';
import { refuseExistingOutput } from '../refuse-existing-output.js';

/** Refreshes the alerts after a change and says what is new (shared by the geo commands). */
export function refreshAndReport(library: Library, context: CommandContext): AlertRefreshResult {
  const result = refreshAlerts(library, resolveSettings({ databasePath: context.databasePath }).geo);
  if (!context.json) {
    for (const alert of result.raised) context.stdout.write(`NEW ALERT ${describeAlert(alert)}\n`);
    if (result.withdrawn) context.stdout.write(`${result.withdrawn} unread alert(s) withdrawn: their photos no longer support them.\n`);
    if (result.closed) context.stdout.write(`${result.closed} alert(s) closed: a ranger rejected all their photos.\n`);
  }
  return result;
}

export function describeAlert(alert: AlertRow): string {
  const evidence = alert.evidence === 'predicted' ? ' [predicted only]' : '';
  const reason = alert.dismissReason ? ` (${alert.dismissReason})` : '';
  const unseen = alert.seenAt ? '' : ' [unseen]';
  const by = alert.decidedBy && alert.state !== 'new' ? ` by ${alert.decidedBy}${alert.decidedStation ? ` at ${alert.decidedStation}` : ''}` : '';
  return `#${alert.id} ${alert.state}${by}${reason}: ${ALERT_KIND_TITLES[alert.kind]}: ${alert.species}, ${alert.placeLabel}, ${alert.photoIds.length} photo(s)${evidence}${unseen}`;
}

function alertId(text: string | undefined): number {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id <= 0) throw new StationError('INVALID_ARGUMENT', `Which alert? Give its number (see: invasives alerts list), got "${text ?? ''}".`);
  return id;
}

const EXPORTS = { csv: writeAlertsCsv, geojson: writeAlertsGeoJson, html: writeAlertsHtml } as const;

/** The alerts a list or a bulk action takes: --state, --kind, --species, --zone, --cell, --evidence, --unseen. */
function filterOf(context: CommandContext): AlertFilter {
  const option = (name: string) => (typeof context.options[name] === 'string' ? (context.options[name] as string) : undefined);
  const state = option('state');
  if (state !== undefined && !ALERT_STATES.includes(state as AlertState)) {
    throw new StationError('INVALID_ARGUMENT', `--state must be one of ${ALERT_STATES.join(', ')} (got "${state}").`);
  }
  const kind = option('kind');
  if (kind !== undefined && !ALERT_KINDS.includes(kind as AlertKind)) {
    throw new StationError('INVALID_ARGUMENT', `--kind must be one of ${ALERT_KINDS.join(', ')} (got "${kind}").`);
  }
  const evidence = option('evidence');
  if (evidence !== undefined && evidence !== 'predicted' && evidence !== 'confirmed') {
    throw new StationError('INVALID_ARGUMENT', `--evidence must be predicted or confirmed (got "${evidence}").`);
  }
  return {
    state: state as AlertState | undefined,
    kind: kind as AlertKind | undefined,
    species: option('species'),
    zone: option('zone'),
    cell: option('cell'),
    evidence: evidence as AlertFilter['evidence'],
    unseen: context.options.unseen === true ? true : undefined,
  };
}

/**
 * When --species matched nothing because no alert names that species at all (a typing
 * mistake, another spelling, a species never seen here), says which species have alerts.
 */
function unknownSpeciesHint(alerts: readonly AlertRow[], filter: AlertFilter): string {
  if (filter.species === undefined) return '';
  const species = [...new Set(alerts.map((alert) => alert.species).filter((name): name is string => !!name))].sort();
  if (species.includes(filter.species)) return '';
  const sameLetters = species.find((name) => name.toLowerCase() === filter.species!.toLowerCase());
  if (sameLetters) return ` No alert names the species "${filter.species}": did you mean "${sameLetters}"?`;
  return ` No alert names the species "${filter.species}"; species with alerts: ${species.length ? species.join(', ') : 'none'}.`;
}

const hasFilter = (filter: AlertFilter) => Object.values(filter).some((value) => value !== undefined);

export const alertsCommand: CliCommand = {
  name: 'alerts',
  summary: 'early-detection alerts: list, group, triage (one or many), export a report',
  usage: `invasives alerts [list] [FILTER] [--db FILE] [--json]
invasives alerts groups [FILTER]            alerts by species and zone/cell, with counts and unseen
invasives alerts refresh
invasives alerts ack ID | ack FILTER        acknowledge one alert, or every alert matching FILTER
invasives alerts dismiss ID|FILTER --reason TEXT
invasives alerts reopen ID|FILTER
invasives alerts seen ID|FILTER             mark as seen
invasives alerts export --format csv|geojson|html --out FILE [--force] [--state STATE]

FILTER: --state new|acknowledged|dismissed  --kind KIND  --species NAME  --zone NAME
        --cell KEY  --evidence predicted|confirmed  --unseen
        (a bulk action without an ID needs at least one filter option, or --all)
Decisions record the ranger (--ranger NAME, else the "ranger" setting) and the station's
name (invasives settings set stationName NAME).

Kinds, most urgent first (the default order; change it with
invasives settings set alertPriority KIND,KIND,...):
  new-species       new to the park: a species never recorded at this station (its photos
                    or the baseline); its place reads "first record at this station"
  new-zone          new introduction: first record of a species in a management zone
  new-cell          new introduction: first record of a species in a grid cell
  near-boundary     a watch-list species within boundaryBufferMetres of the park boundary
  spread            a first record in a zone/cell within spreadBufferMetres (1 km) of a known record
  surge             a sharp rise of sightings in a zone
  unknown-organism  photos the open set judged unknown: one per grid cell and time window
Within a kind: the species' priority (invasives species), confirmed before predicted, newest
first. Alerts from model predictions are marked "predicted only" until a ranger confirms a
photo. Dismissed alerts stay dismissed; an alert whose photos were all rejected closes itself.

  --format      csv, geojson (one feature per alert, its photos as a MultiPoint), or html
                (a printable page with a map per alert; works offline)`,
  options: {
    state: { type: 'string' },
    kind: { type: 'string' },
    species: { type: 'string' },
    zone: { type: 'string' },
    cell: { type: 'string' },
    evidence: { type: 'string' },
    unseen: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    ranger: { type: 'string' },
    reason: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean', default: false },
  },
  async run(context) {
    const [action = 'list', target] = context.positionals;
    const filter = filterOf(context);
    const library = context.library.open(action === 'list' || action === 'groups' || action === 'export' ? 'read' : 'write');
    try {
      const ranking = rankingOf(readStationSettings(library, resolveSettings({ databasePath: context.databasePath }).geo).alertPriority, library.speciesList.list());
      const print = (alerts: AlertRow[]) => {
        if (context.json) context.stdout.write(`${JSON.stringify(alerts, null, 2)}\n`);
        else if (alerts.length === 0) context.stdout.write(`No alerts.${unknownSpeciesHint(library.alerts.list({}), filter)}\n`);
        else for (const alert of alerts) context.stdout.write(`${describeAlert(alert)}\n`);
      };
      const maker = decisionMaker(library, context.options.ranger as string | undefined);
      const decider = { by: maker.ranger, station: maker.station };
      /** The alerts an action takes: the one named by ID, or every one matching the filter. */
      const targets = (verb: string): number[] => {
        if (target !== undefined) return [alertId(target)];
        if (!hasFilter(filter) && context.options.all !== true) {
          throw usageError(`${verb}: which alerts? Give an ID, filter options (--species, --kind, --zone, ...) or --all.`);
        }
        return library.alerts.list(filter).map((alert) => alert.id);
      };
      switch (action) {
        case 'list':
          print(rankAlerts(library.alerts.list(filter), ranking));
          return 0;
        case 'groups': {
          const groups = groupAlerts(library.alerts.list(filter), ranking);
          if (context.json) context.stdout.write(`${JSON.stringify(groups, null, 2)}\n`);
          else if (groups.length === 0) context.stdout.write('No alerts.\n');
          else {
            for (const group of groups) {
              const states = Object.entries(group.byState).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`).join(', ');
              context.stdout.write(`${group.species} @ ${group.placeLabel}: ${group.count} alert(s) (${states}), ${group.unseen} unseen; ${group.kinds.join(', ')}${group.evidence === 'predicted' ? ' [predicted only]' : ''}\n`);
            }
          }
          return 0;
        }
        case 'refresh': {
          const result = refreshAndReport(library, context);
          if (context.json) context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          else context.stdout.write(`${result.raised.length} new alert(s); ${result.open} unread; ${result.observations} observations.\n`);
          return 0;
        }
        case 'ack':
        case 'acknowledge':
        case 'reopen':
        case 'dismiss': {
          const verb = action === 'ack' ? 'acknowledge' : action;
          const reason = context.options.reason;
          if (verb === 'dismiss' && (typeof reason !== 'string' || !reason.trim())) {
            throw usageError('say why with --reason "..." (e.g. "known planting").');
          }
          const ids = targets(verb);
          if (target !== undefined) {
            const id = ids[0]!;
            print([verb === 'acknowledge' ? library.alerts.acknowledge(id, decider) : verb === 'dismiss' ? library.alerts.dismiss(id, reason as string, decider) : library.alerts.reopen(id, decider)]);
            return 0;
          }
          const changed = library.alerts.bulk(verb as 'acknowledge' | 'dismiss' | 'reopen', { ...filter, ids }, decider, reason as string | undefined);
          if (context.json) context.stdout.write(`${JSON.stringify({ action: verb, count: changed.length, alertIds: changed.map((alert) => alert.id) })}\n`);
          else context.stdout.write(`${verb === 'acknowledge' ? 'Acknowledged' : verb === 'dismiss' ? 'Dismissed' : 'Reopened'} ${changed.length} alert(s)${decider.by ? ` as ${decider.by}` : ''}.${changed.length === 0 ? unknownSpeciesHint(library.alerts.list({}), filter) : ''}\n`);
          return 0;
        }
        case 'seen': {
          const ids = targets('seen');
          const count = library.alerts.markSeenMany(ids);
          context.stdout.write(context.json ? `${JSON.stringify({ count })}\n` : `Marked ${count} alert(s) as seen.${ids.length === 0 ? unknownSpeciesHint(library.alerts.list({}), filter) : ''}\n`);
          return 0;
        }
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
          refuseExistingOutput(target, context.options.force === true);
          const counts = await EXPORTS[format](library, target, { state: filter.state });
          if (context.json) context.stdout.write(`${JSON.stringify({ format, out: target, ...counts })}\n`);
          else context.stdout.write(`Wrote ${counts.written} alert(s) as ${format} to ${target}.\n`);
          return 0;
        }
        default:
          throw usageError(`unknown action "${action}" (list, groups, refresh, ack, dismiss, reopen, seen, export).`);
      }
    } finally {
      library.close();
    }
  },
};
