import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { StationError } from '../../core/errors.js';
import { exportToTemporaryFile } from '../../core/export-to-temporary-file.js';
import { writeCsvExport } from '../../core/geo/export-csv.js';
import { writeDarwinCoreCsv } from '../../core/geo/export-darwin-core.js';
import { writeGeoJsonExport } from '../../core/geo/export-geojson.js';
import type { PhotoQuery } from '../../core/library/index.js';
import { photoFilterSchema } from '../../api/contract.js';
import { resolveSettings } from '../../core/settings.js';
import { type CliCommand, usageError } from '../command.js';

const WRITERS = { csv: writeCsvExport, geojson: writeGeoJsonExport } as const;

const STATUSES = photoFilterSchema.shape.status.unwrap().options;

/** The photo filters from the command line, parsed by the contract's own schema (the UI's filters are the same). */
function queryFromOptions(options: Record<string, unknown>): PhotoQuery {
  const raw: Record<string, unknown> = {};
  for (const name of ['species', 'status', 'since', 'until'] as const) {
    if (typeof options[name] === 'string') raw[name] = options[name];
  }
  const parsed = photoFilterSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0]);
  const values = 'values' in issue && Array.isArray(issue.values) ? issue.values : null;
  const why = values ? `must be one of ${values.join(', ')}` : field === 'since' || field === 'until' ? 'must be a date like 2026-05-01 or 2026-05-01T08:00' : issue.message;
  throw new StationError('INVALID_ARGUMENT', `--${field} ${why} (got "${String(raw[field])}").`);
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write the library as CSV or GeoJSON (with filters), or Darwin Core for GBIF',
  usage: `invasives export --format csv|geojson|dwc [--out FILE] [--species NAME] [--status STATUS] [--since DATE] [--until DATE] [--db FILE] [--json]

CSV: RFC 4180, UTF-8, one row per photo. GeoJSON: RFC 7946 FeatureCollection of the
geolocated photos ([longitude, latitude, altitude]); photos without GPS are counted.
Without --out the export goes to standard output.

dwc: a Darwin Core occurrence CSV for GBIF, one occurrence per observation (a burst of
photos of one plant counts once; every photo is in associatedMedia): HumanObservation once
a ranger confirmed it, MachineObservation while it is a model prediction. Rejected photos
are left out. Options: --recorded-by NAME (dwc:recordedBy), --confirmed-only. The photo
filters below do not apply to dwc.

  --species NAME   the reviewed species when a ranger set one, else the predicted one
  --status STATUS  ${STATUSES.join(' | ')}
  --since DATE     capture time on or after DATE (local time, e.g. 2026-05-01)
  --until DATE     capture time on or before DATE (a bare date includes the whole day)`,
  options: {
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    species: { type: 'string' },
    status: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    'recorded-by': { type: 'string' },
    'confirmed-only': { type: 'boolean', default: false },
  },
  async run(context) {
    const format = context.options.format as string | undefined;
    if (format !== 'csv' && format !== 'geojson' && format !== 'dwc') {
      throw usageError('--format csv, --format geojson or --format dwc is required.');
    }
    const query = queryFromOptions(context.options);
    const library = context.library.open('read');
    try {
      const out = context.options.out as string | undefined;
      const write = (target: string) =>
        format === 'dwc'
          ? writeDarwinCoreCsv(library, resolveSettings({ databasePath: context.databasePath }).geo, target, {
              recordedBy: (context.options['recorded-by'] as string | undefined) ?? null,
              confirmedOnly: context.options['confirmed-only'] === true,
            })
          : WRITERS[format](library, query, target);
      const target = out ? path.resolve(out) : null;
      let counts;
      if (target) {
        counts = await write(target);
      } else {
        // Written whole first (atomically, like --out), then copied to standard output.
        const exported = await exportToTemporaryFile(os.tmpdir(), `export.${format}`, write);
        try {
          for await (const chunk of fs.createReadStream(exported.file)) {
            if (!context.stdout.write(chunk)) await once(context.stdout, 'drain');
          }
        } finally {
          await exported.remove();
        }
        counts = exported.result;
      }
      if (context.json) {
        context.stderr.write(`${JSON.stringify({ format, out: target, ...counts })}\n`);
      } else {
        const leftOut = counts.leftOut ? `; ${counts.leftOut} photos without GPS left out` : '';
        context.stderr.write(`Exported ${counts.written} ${format === 'dwc' ? 'occurrences' : 'photos'} as ${format}${target ? ` to ${target}` : ''}${leftOut}.\n`);
      }
      return 0;
    } finally {
      library.close();
    }
  },
};
