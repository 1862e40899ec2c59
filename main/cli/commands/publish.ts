import { publishToPostgres } from '../../core/stations/publish-postgres.js';
import { type CliCommand, usageError } from '../command.js';

export const publishCommand: CliCommand = {
  name: 'publish',
  summary: "send the library to headquarters' PostgreSQL + PostGIS (idempotent)",
  usage: `invasives publish postgresql://USER:PASSWORD@HOST:PORT/DATABASE [--db FILE] [--json]

Sends the library's events, photos (points), zones, alerts (points of their photos) and the
records built from events (sites, treatments, submissions: their latest state, with a geometry
when they have one) to tables in the schema "invasives" of a PostgreSQL database with PostGIS
(EPSG:4326; QGIS reads them directly). Everything is keyed by a global id, so publishing again
or from several stations never duplicates a row. The database's administrator creates the
PostGIS extension; the station never does. An unreachable server changes nothing here: publish
again later and it finishes.`,
  options: {},
  async run(context) {
    const url = context.positionals[0];
    if (!url) throw usageError('where to? Usage: invasives publish postgresql://USER:PASSWORD@HOST:PORT/DATABASE');
    const library = context.library.open('read');
    try {
      const progress = !context.json && context.stderr.isTTY ? (stage: string, done: number) => context.stderr.write(`\r${stage}: ${done}   `) : undefined;
      const summary = await publishToPostgres(library, url, { onProgress: progress });
      if (progress) context.stderr.write('\r\x1b[K');
      if (context.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        context.stdout.write(
          `Published to ${summary.target}: ${summary.events} events, ${summary.photos} photos (${summary.photosWithPoint} with a point), ${summary.zones} zones, ${summary.alerts} alerts, ${summary.records} records.\n`,
        );
      }
      return 0;
    } finally {
      library.close();
    }
  },
};
