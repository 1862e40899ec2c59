import { StationError } from '../../core/errors.js';
import { parseUtcOffset } from '../../core/geo/capture-time.js';
import { matchPhotosToGpx } from '../../core/geo/gpx.js';
import { resolveSettings } from '../../core/settings.js';
import { type CliCommand, usageError } from '../command.js';
import { describeGpxReport } from '../gpx-summary.js';
import { rereadPendingDates } from '../reread-pending-dates.js';
import { refreshAndReport } from './alerts.js';

export const gpxCommand: CliCommand = {
  name: 'gpx',
  summary: 'place photos without GPS by time-matching a GPX track',
  usage: `invasives gpx <track.gpx> [--offset +02:00] [--clock-offset SECONDS] [--max-gap SECONDS] [--overwrite] [--db FILE] [--json]

Gives each photo without a position the position of the track at its capture time
(interpolated between the fixes around it). GPX times are UTC; photo times are the camera's
local time: photos whose EXIF has no UTC offset need --offset (the camera clock's zone).

  --offset +02:00        UTC offset of the camera clock, for photos that recorded none
  --clock-offset SECONDS seconds to add to the camera's time to get the true time
                         (the camera was 30 s slow: 30; 30 s fast: -30)
  --max-gap SECONDS      refuse photos farther than this from track fixes (default ${resolveSettings().geo.gpxMaxGapSeconds})
  --overwrite            replace earlier GPX positions (EXIF and hand placements are kept)`,
  options: {
    offset: { type: 'string' },
    'clock-offset': { type: 'string' },
    'max-gap': { type: 'string' },
    overwrite: { type: 'boolean', default: false },
  },
  async run(context) {
    const file = context.positionals[0];
    if (!file) {
      throw usageError('which track? Usage: invasives gpx <track.gpx> [--offset +02:00]');
    }
    const number = (name: string): number | undefined => {
      const text = context.options[name];
      if (typeof text !== 'string') return undefined;
      const value = Number(text);
      if (!Number.isFinite(value)) throw new StationError('INVALID_ARGUMENT', `--${name} must be a number of seconds (got "${text}").`);
      return value;
    };
    const settings = resolveSettings({ databasePath: context.databasePath });
    const maxGap = number('max-gap');
    const geo = maxGap === undefined ? settings.geo : { ...settings.geo, gpxMaxGapSeconds: maxGap };
    const library = context.library.open('write');
    try {
      await rereadPendingDates(library, context);
      const report = matchPhotosToGpx(library, file, geo, {
        offsetMinutes: typeof context.options.offset === 'string' ? parseUtcOffset(context.options.offset) : null,
        clockOffsetSeconds: number('clock-offset') ?? 0,
        overwrite: context.options.overwrite === true,
      });
      if (!context.json) {
        for (const line of describeGpxReport(report)) context.stdout.write(`${line}\n`);
      }
      const alerts = refreshAndReport(library, context);
      if (context.json) context.stdout.write(`${JSON.stringify({ ...report, alerts }, null, 2)}\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};
