import { StationError } from '../../core/errors.js';
import type { Library } from '../../core/library/index.js';
import { decisionMaker } from '../../core/station-settings.js';
import { type CliCommand, usageError } from '../command.js';
import { refreshAndReport } from './alerts.js';

function placedBy(library: Library, ranger: unknown): { by: string | null; station: string | null } {
  const maker = decisionMaker(library, ranger as string | undefined);
  return { by: maker.ranger, station: maker.station };
}

export const placeCommand: CliCommand = {
  name: 'place',
  summary: 'set a photo\'s position by hand (or --clear it)',
  usage: `invasives place <photoId> <latitude> <longitude> [--db FILE] [--json]
invasives place <photoId> --lat=-33.96 --lon=18.41
invasives place <photoId> <latitude> <longitude> --uncertainty 25
invasives place <photoId> --clear

Stores a position placed by hand (WGS84 decimal degrees); it wins over the EXIF position
and is exported with its source. --uncertainty: metres within which the position is known
(Darwin Core coordinateUncertaintyInMeters; default: the manual placement default). The
placement records the ranger (--ranger NAME, else the "ranger" setting) and travels to other
stations in bundles. Negative values: use --lat=-33.96 or put -- before them.`,
  options: {
    lat: { type: 'string' },
    lon: { type: 'string' },
    clear: { type: 'boolean', default: false },
    uncertainty: { type: 'string' },
    ranger: { type: 'string' },
  },
  async run(context) {
    const [idText, latText = context.options.lat, lonText = context.options.lon] = context.positionals;
    const photoId = Number(idText);
    if (!idText || !Number.isInteger(photoId) || photoId <= 0) {
      throw usageError('which photo? Usage: invasives place <photoId> <latitude> <longitude>');
    }
    const library = context.library.open('write');
    try {
      if (context.options.clear) {
        const cleared = library.positions.clear(photoId, decisionMaker(library, context.options.ranger as string | undefined).ranger);
        if (!context.json) context.stdout.write(cleared ? `Photo ${photoId}: hand or GPX position removed.\n` : `Photo ${photoId} had no hand or GPX position.\n`);
      } else {
        const latitude = Number(latText);
        const longitude = Number(lonText);
        if (typeof latText !== 'string' || typeof lonText !== 'string' || !latText.trim() || !lonText.trim()) {
          throw new StationError('INVALID_ARGUMENT', 'Give the latitude and longitude in decimal degrees, e.g. invasives place 12 46.7 10.2.');
        }
        const uncertaintyText = context.options.uncertainty as string | undefined;
        const uncertaintyMetres = uncertaintyText === undefined ? null : Number(uncertaintyText);
        const position = library.positions.set(photoId, { latitude, longitude, source: 'manual', detail: 'placed by hand (CLI)', uncertaintyMetres, ...placedBy(library, context.options.ranger) });
        if (!context.json) context.stdout.write(`Photo ${photoId} placed at ${position.latitude}, ${position.longitude}.\n`);
      }
      const alerts = refreshAndReport(library, context);
      if (context.json) context.stdout.write(`${JSON.stringify({ photo: library.photos.get(photoId), alerts }, null, 2)}\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};
