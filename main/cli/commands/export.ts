import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { StationError } from '../../core/errors.js';
import { exportToTemporaryFile } from '../../core/export-to-temporary-file.js';
import { writeCsvExport } from '../../core/geo/export-csv.js';
import { writeDarwinCoreCsv } from '../../core/geo/export-darwin-core.js';
import { writeDarwinCoreArchive } from '../../core/geo/export-dwca.js';
import { whyNoOccurrences } from '../../core/geo/export-dwca-empty.js';
import type { SkippedObservations } from '../../core/geo/export-darwin-core.js';
import { writeGeoJsonExport } from '../../core/geo/export-geojson.js';
import type { PhotoQuery } from '../../core/library/index.js';
import { photoFilterSchema } from '../../api/contract.js';
import { resolveSettings } from '../../core/settings.js';
import { type CliCommand, usageError } from '../command.js';
import { refuseExistingOutput } from '../refuse-existing-output.js';

const FORMATS = ['csv', 'geojson', 'dwc', 'dwca'] as const;
type Format = (typeof FORMATS)[number];

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

/** What an export with no rows holds and why, for the warning on standard error. */
function emptyExportReason(format: Format, counts: { leftOut: number; skipped?: SkippedObservations; withoutTaxon?: Record<string, number> }, query: PhotoQuery): string {
  if (counts.skipped) return `the file holds no occurrences: ${whyNoOccurrences({ skipped: counts.skipped, withoutTaxon: counts.withoutTaxon ?? {} })}.`;
  if (format === 'geojson' && counts.leftOut > 0) return `the file holds no features: the ${counts.leftOut} matching photos have no position (place them, or load a GPX track).`;
  const filters = Object.entries(query)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `--${name} ${JSON.stringify(value)}`);
  return filters.length ? `the file holds no photos: no photo matched ${filters.join(' ')}.` : 'the file holds no photos: the library has none.';
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write the library as CSV or GeoJSON (with filters), or Darwin Core (CSV or archive) for GBIF',
  usage: `invasives export --format csv|geojson|dwc [--out FILE [--force]] [--species NAME] [--status STATUS] [--since DATE] [--until DATE] [--excel] [--db FILE] [--json]
invasives export --format dwca --out FILE.zip [--force] [--with-photos] [--recorded-by NAME] [--confirmed-only]

An existing --out file is never replaced unless --force is given. An export with no rows
says so on standard error; a dwca archive that would hold no occurrences is not written
(published through the IPT it would empty the dataset) and the error says why.

CSV: RFC 4180, UTF-8, one row per photo. GeoJSON: RFC 7946 FeatureCollection of the
geolocated photos ([longitude, latitude, altitude]); photos without GPS are counted.
Both carry captured_at_source and position_source. --excel starts CSV files with a UTF-8
byte order mark so that Excel shows accents right. Without --out the export goes to
standard output.

dwca: a Darwin Core Archive for GBIF's IPT (a zip: meta.xml, eml.xml, occurrence.txt and
the Simple Multimedia extension multimedia.txt). The dataset's title, licence, publisher,
contact and media base URL come from 'invasives dataset set'; classes that are not
scientific names need 'invasives taxa load FILE.csv' (they are left out and named until
then). --with-photos puts the photos in the archive (media/<id>.jpg), upright and without
EXIF, XMP or IPTC; otherwise multimedia rows point at the media base URL, or are left out.

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
    'with-photos': { type: 'boolean', default: false },
    excel: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
  },
  async run(context) {
    const format = context.options.format as Format | undefined;
    if (!format || !FORMATS.includes(format)) {
      throw usageError(`--format ${FORMATS.join(', --format ')} is required.`);
    }
    const out = context.options.out as string | undefined;
    if (format === 'dwca' && !out) {
      throw usageError('--format dwca writes a zip file; give it with --out FILE.zip.');
    }
    const query = queryFromOptions(context.options);
    if (out) refuseExistingOutput(path.resolve(out), context.options.force === true);
    const library = context.library.open('read');
    try {
      const settings = resolveSettings({ databasePath: context.databasePath });
      const darwinCore = {
        recordedBy: (context.options['recorded-by'] as string | undefined) ?? null,
        confirmedOnly: context.options['confirmed-only'] === true,
      };
      const excel = context.options.excel === true;
      type Counts = { written: number; leftOut: number; withoutTaxon?: Record<string, number>; skipped?: SkippedObservations; media?: number; photosMissing?: Record<string, string> };
      const write = (target: string): Promise<Counts> => {
        if (format === 'dwca') {
          return writeDarwinCoreArchive(library, settings.geo, target, {
            ...darwinCore,
            recordedBy: darwinCore.recordedBy ?? undefined,
            withPhotos: context.options['with-photos'] === true,
            maxImagePixels: settings.maxImagePixels,
            onPhotoProgress: context.json ? undefined : (done, total) => context.stderr.write(`\rPhotos for the archive: ${done}/${total}${done === total ? '\n' : ''}`),
          });
        }
        if (format === 'dwc') return writeDarwinCoreCsv(library, settings.geo, target, { ...darwinCore, excel });
        if (format === 'csv') return writeCsvExport(library, query, target, { excel });
        return writeGeoJsonExport(library, query, target);
      };
      const target = out ? path.resolve(out) : null;
      let counts: Counts;
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
        const darwin = format === 'dwc' || format === 'dwca';
        const leftOut = counts.leftOut && !darwin ? `; ${counts.leftOut} photos without GPS left out` : '';
        const media = counts.media !== undefined ? `, ${counts.media} media` : '';
        context.stderr.write(`Exported ${counts.written} ${darwin ? 'occurrences' : 'photos'}${media} as ${format}${target ? ` to ${target}` : ''}${leftOut}.\n`);
        for (const [label, n] of Object.entries(counts.withoutTaxon ?? {})) {
          context.stderr.write(`Left out ${n} observation(s) of class "${label}": it is not a scientific name; map it with 'invasives taxa load FILE.csv'.\n`);
        }
        for (const [photo, reason] of Object.entries(counts.photosMissing ?? {})) context.stderr.write(`Photo not included: ${photo}: ${reason}\n`);
        if (counts.written === 0) context.stderr.write(`Warning: ${emptyExportReason(format, counts, query)}\n`);
      }
      return 0;
    } finally {
      library.close();
    }
  },
};
