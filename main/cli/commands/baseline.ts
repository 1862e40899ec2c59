import { importBaselineFile } from '../../core/geo/baseline.js';
import type { CliCommand } from '../command.js';
import { refreshAndReport } from './alerts.js';

export const baselineCommand: CliCommand = {
  name: 'baseline',
  summary: 'import past records (CSV or GeoJSON) so that only truly new places alert',
  usage: `invasives baseline <file.csv|file.geojson> [--db FILE] [--json]

Past records of species (surveys, herbarium, GBIF downloads): a place where the baseline
already has a species raises no new-zone or new-cell alert for it, and a species in the
baseline is not "never recorded before".

CSV: a header row with species (or scientificName), latitude and longitude (or
decimalLatitude, decimalLongitude) and optionally date (or eventDate), WGS84 decimal degrees.
GeoJSON: a FeatureCollection of Point features with a species (or scientificName) property.
The same record imported twice is stored once.`,
  options: {},
  async run(context) {
    const file = context.positionals[0];
    const library = context.library.open('write');
    try {
      if (!file) {
        context.stdout.write(`${library.baseline.count()} past records in the baseline. Import more: invasives baseline <file>\n`);
        return 0;
      }
      const counts = importBaselineFile(library, file);
      if (!context.json) context.stdout.write(`${counts.records} records read, ${counts.added} new.\n`);
      const result = refreshAndReport(library, context);
      if (context.json) context.stdout.write(`${JSON.stringify({ ...counts, alerts: result }, null, 2)}\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};
