import { StationError } from '../../core/errors.js';
import { STATION_SETTINGS, STATION_SETTING_KEYS, decisionMaker, readStationSettings, resetStationSetting, setStationSetting } from '../../core/station-settings.js';
import { type CliCommand, usageError } from '../command.js';

export const settingsCommand: CliCommand = {
  name: 'settings',
  summary: "settings kept in the library: station name, default ranger, alert order and buffers",
  usage: `invasives settings [list]
invasives settings set KEY VALUE
invasives settings reset KEY

${STATION_SETTING_KEYS.map((key) => `  ${key.padEnd(22)} ${STATION_SETTINGS[key].describe}`).join('\n')}

Example: invasives settings set stationName "Ofenpass field station"
         invasives settings set ranger "A. Ranger"      (the CLI's --ranger default)
         invasives settings set alertPriority new-species,new-zone,new-cell,near-boundary,spread,surge,unknown-organism`,
  options: { ranger: { type: 'string' } },
  async run(context) {
    const [action = 'list', key, ...rest] = context.positionals;
    const library = context.library.open(action === 'list' ? 'read' : 'write');
    try {
      let values;
      switch (action) {
        case 'list':
          values = readStationSettings(library);
          break;
        case 'set':
          if (!key || rest.length === 0) throw new StationError('INVALID_ARGUMENT', 'Usage: invasives settings set KEY VALUE (see: invasives settings --help).');
          values = setStationSetting(library, key, rest.join(' '), decisionMaker(library, context.options.ranger as string | undefined).ranger);
          break;
        case 'reset':
          if (!key) throw new StationError('INVALID_ARGUMENT', 'Usage: invasives settings reset KEY');
          values = resetStationSetting(library, key);
          break;
        default:
          throw usageError(`unknown action "${action}" (list, set, reset).`);
      }
      if (context.json) context.stdout.write(`${JSON.stringify(values, null, 2)}\n`);
      else for (const [name, value] of Object.entries(values)) context.stdout.write(`${name.padEnd(22)} ${Array.isArray(value) ? value.join(',') : String(value ?? '(not set)')}\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};
