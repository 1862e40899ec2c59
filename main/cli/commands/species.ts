import path from 'node:path';
import { writeFileAtomically } from '../../core/atomic-file.js';
import { StationError } from '../../core/errors.js';
import { readTextFile } from '../../core/geo/read-text-file.js';
import type { NewSpeciesEntry, SpeciesEntry } from '../../core/library/index.js';
import { parseSpeciesListCsv, saveSpeciesEntries, speciesListCsv } from '../../core/species-list.js';
import { decisionMaker } from '../../core/station-settings.js';
import { type CliCommand, type CommandContext, usageError } from '../command.js';
import { refuseExistingOutput } from '../refuse-existing-output.js';

function describeEntry(entry: SpeciesEntry): string {
  const flags = [
    entry.watchList ? 'WATCH LIST' : null,
    `priority ${entry.priority}`,
    entry.minScore !== null ? `min score ${entry.minScore}` : null,
    entry.alertsOn ? null : 'alerts off',
    entry.canOccur ? null : 'CANNOT OCCUR HERE (flagged for review, alerts only once confirmed)',
  ].filter(Boolean);
  return `${entry.species}: ${flags.join(', ')}${entry.note ? ` — ${entry.note}` : ''}${entry.updatedBy ? ` (by ${entry.updatedBy})` : ''}`;
}

function yesNo(value: string | undefined, option: string): boolean | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase();
  if (['yes', 'on', 'true', '1'].includes(text)) return true;
  if (['no', 'off', 'false', '0'].includes(text)) return false;
  throw new StationError('INVALID_ARGUMENT', `--${option} is "${value}"; write yes or no.`);
}

/** The entry `species set` stores: the existing one (or the defaults) with the options given. */
function entryFrom(context: CommandContext, species: string, existing: SpeciesEntry | null): NewSpeciesEntry {
  const option = (name: string) => context.options[name] as string | undefined;
  const priorityText = option('priority');
  const priority = priorityText === undefined ? (existing?.priority ?? 3) : Number(priorityText);
  if (!Number.isInteger(priority) || priority < 1 || priority > 5) throw new StationError('INVALID_ARGUMENT', `--priority is "${priorityText}"; write 1 (most urgent) to 5.`);
  const minText = option('min-score');
  const minScore = minText === undefined ? (existing?.minScore ?? null) : minText === '' || minText === 'default' ? null : Number(minText);
  if (minScore !== null && !(minScore >= 0 && minScore <= 1)) throw new StationError('INVALID_ARGUMENT', `--min-score is "${minText}"; write a score from 0 to 1 (or "default").`);
  return {
    species,
    watchList: yesNo(option('watch'), 'watch') ?? existing?.watchList ?? false,
    priority,
    minScore,
    alertsOn: yesNo(option('alerts'), 'alerts') ?? existing?.alertsOn ?? true,
    canOccur: yesNo(option('can-occur'), 'can-occur') ?? existing?.canOccur ?? true,
    note: option('note') ?? existing?.note ?? null,
  };
}

export const speciesCommand: CliCommand = {
  name: 'species',
  summary: 'the watch list and the park species list: priority, alert score, alerts on/off, can occur here',
  usage: `invasives species [list]
invasives species set "<species>" [--watch yes|no] [--priority 1-5] [--min-score S|default]
                                   [--alerts on|off] [--can-occur yes|no] [--note TEXT]
invasives species remove "<species>"
invasives species import <file.csv> [--replace] [--allow-new-species]
invasives species export --out FILE.csv [--force]

Per species: on the watch list (its alerts near the park boundary), priority (1 most urgent
to 5; orders alerts of the same kind), the least model score that may alert (else the
alertMinScore setting), alerts on/off, and whether it can occur in this park: a class that
cannot is flagged for review and never alerts on a prediction, only once a ranger confirms it.
CSV columns: species,watch_list,priority,min_score,alerts,can_occur,note (only species is
required). Names must be known to the station (a model class, a reviewed species or a
baseline record) unless --allow-new-species; a file with any bad row stores nothing.
Changes record the ranger (--ranger NAME, else the "ranger" setting).`,
  options: {
    watch: { type: 'string' },
    priority: { type: 'string' },
    'min-score': { type: 'string' },
    alerts: { type: 'string' },
    'can-occur': { type: 'string' },
    note: { type: 'string' },
    replace: { type: 'boolean', default: false },
    'allow-new-species': { type: 'boolean', default: false },
    ranger: { type: 'string' },
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean', default: false },
  },
  async run(context) {
    const [action = 'list', target] = context.positionals;
    const library = context.library.open(action === 'list' || action === 'export' ? 'read' : 'write');
    try {
      const by = decisionMaker(library, context.options.ranger as string | undefined).ranger;
      const allowNewSpecies = context.options['allow-new-species'] === true;
      const print = (entries: SpeciesEntry[], empty: string) => {
        if (context.json) context.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        else context.stdout.write(entries.length ? `${entries.map(describeEntry).join('\n')}\n` : `${empty}\n`);
      };
      switch (action) {
        case 'list':
          print(library.speciesList.list(), 'The species list is empty: every species alerts with the station defaults. Add some with `invasives species set` or `import`.');
          return 0;
        case 'set': {
          const species = target?.trim();
          if (!species) throw new StationError('INVALID_ARGUMENT', 'Which species? Usage: invasives species set "<species>" [options]');
          print(saveSpeciesEntries(library, [entryFrom(context, species, library.speciesList.get(species))], { allowNewSpecies, by }), '');
          return 0;
        }
        case 'remove': {
          if (!target) throw new StationError('INVALID_ARGUMENT', 'Which species? Usage: invasives species remove "<species>"');
          if (!library.speciesList.delete(target.trim(), by)) throw new StationError('NOT_FOUND', `"${target}" is not on the species list (see: invasives species list).`);
          context.stdout.write(context.json ? `${JSON.stringify({ removed: target })}\n` : `Removed "${target}" from the species list.\n`);
          return 0;
        }
        case 'import': {
          if (!target) throw new StationError('INVALID_ARGUMENT', 'Which file? Usage: invasives species import <file.csv>');
          const { resolved, text } = readTextFile(target);
          const saved = saveSpeciesEntries(library, parseSpeciesListCsv(text, resolved), { allowNewSpecies, replace: context.options.replace === true, by, source: resolved });
          if (context.json) context.stdout.write(`${JSON.stringify(saved, null, 2)}\n`);
          else context.stdout.write(`Imported ${saved.length} species from ${resolved}${context.options.replace ? ' (the list was replaced)' : ''}.\n`);
          return 0;
        }
        case 'export': {
          const out = context.options.out as string | undefined;
          if (!out) throw new StationError('INVALID_ARGUMENT', 'Where to? Give --out FILE.csv.');
          const file = path.resolve(out);
          refuseExistingOutput(file, context.options.force === true);
          const entries = library.speciesList.list();
          await writeFileAtomically(file, speciesListCsv(entries));
          context.stdout.write(context.json ? `${JSON.stringify({ out: file, written: entries.length })}\n` : `Wrote ${entries.length} species to ${file}.\n`);
          return 0;
        }
        default:
          throw usageError(`unknown action "${action}" (list, set, remove, import, export).`);
      }
    } finally {
      library.close();
    }
  },
};
