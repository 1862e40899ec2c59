import { StationError } from '../../core/errors.js';
import { Library, type ModelRow } from '../../core/library/index.js';
import { resolveSettings } from '../../core/settings.js';
import { addModelToLibrary, findLibraryModel, removeModelFromLibrary } from '../../core/vision/open-classifier.js';
import { listDeepOcTimestamps } from '../../core/vision/packs/load-model-pack.js';
import { type CliCommand, type CommandContext, usageError } from '../command.js';

function describeModel(model: ModelRow): string {
  return `${model.isActive ? '*' : ' '} #${model.id}  ${model.name}  ${model.version}  (${model.format}, ${model.labels.length} classes)`;
}

/** One line per provenance entry, long values cut: a trained version's full report is `invasives train --show ID`. */
function describeProvenance(model: ModelRow): string[] {
  if (!model.provenance) return [];
  const lines = Object.entries(model.provenance).map(([key, value]) => {
    const text = JSON.stringify(value) ?? String(value);
    return `    ${key}: ${text.length > 100 ? `${text.slice(0, 97)}…` : text}`;
  });
  if (model.format === 'trained-head') lines.push(`    (full training report: invasives train --show ${model.id})`);
  return ['  provenance:', ...lines];
}

function requireModel(library: Library, spec: string | undefined, verb: string): ModelRow {
  if (!spec) throw new StationError('INVALID_ARGUMENT', `Which model? Usage: invasives models ${verb} <id> (ids: invasives models list).`);
  const model = findLibraryModel(library, spec);
  if (!model) throw new StationError('INVALID_ARGUMENT', `"${spec}" is not a model id; see invasives models list.`);
  return model;
}

async function run(context: CommandContext, library: Library): Promise<number> {
  const [action = 'list', target] = context.positionals;
  const out = (text: string, value: unknown) => context.stdout.write(context.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  switch (action) {
    case 'list': {
      const models = library.models.list();
      out(models.length ? models.map(describeModel).join('\n') : 'No models yet: add one with `invasives models add <pack>`.', models);
      return 0;
    }
    case 'add': {
      if (!target) throw new StationError('INVALID_ARGUMENT', 'Which model pack? Usage: invasives models add <path> [--timestamp T] [--use]');
      if (context.options['list-timestamps']) {
        const timestamps = await listDeepOcTimestamps(target);
        out(timestamps.join('\n'), timestamps);
        return 0;
      }
      const settings = resolveSettings({ databasePath: context.databasePath });
      if (!context.json) context.stderr.write(`Loading and compiling ${target}…\n`);
      const model = await addModelToLibrary(library, target, {
        settings,
        timestamp: context.options.timestamp as string | undefined,
        activate: context.options.use === true || library.models.list().length === 0,
      });
      out(`Added ${describeModel(model).trim()}${model.isActive ? ' — now the active model' : ''}`, model);
      return 0;
    }
    case 'use': {
      const model = requireModel(library, target, 'use');
      library.models.setActive(model.id);
      out(`Active model: ${describeModel(library.models.get(model.id)!).trim()}\nRun \`invasives classify\` to classify the library's photos with it.`, library.models.get(model.id));
      return 0;
    }
    case 'show': {
      const model = requireModel(library, target, 'show');
      const classes = model.labels.map((label, i) => `    ${String(i).padStart(3)}  ${label}${model.labelInfo?.[i] ? ` — ${model.labelInfo[i]}` : ''}`);
      out(
        [describeModel(model).trim(), `  from: ${model.sourcePath}`, `  added: ${model.addedAt}`, `  preprocessing: ${JSON.stringify(model.preprocessing)}`,
          ...describeProvenance(model), '  classes:', ...classes].join('\n'),
        model,
      );
      return 0;
    }
    case 'remove': {
      const model = requireModel(library, target, 'remove');
      removeModelFromLibrary(library, model);
      out(`Removed model #${model.id}, its compiled file and its predictions (reviews are kept).`, { removed: model.id });
      return 0;
    }
    default:
      throw usageError(`unknown action "${action}"; use list, add, use, show or remove.`);
  }
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'add, list, show, choose (use) and remove classification models',
  usage: `invasives models list
invasives models add <pack> [--timestamp T] [--use] [--list-timestamps]
invasives models use <id>
invasives models show <id>
invasives models remove <id>

A model pack is one of:
  - a DEEP-OC image-classification-tf archive (.tar.gz) or its unpacked folder
    (models/<timestamp>/ckpts/*.h5, dataset_files/classes.txt, conf/conf.json);
    the newest timestamp unless --timestamp; --list-timestamps shows them
  - a Keras .h5 with labels.txt or classes.txt beside it
  - a TF.js layers model.json (or its folder) with metadata.json or labels.txt
  - an .onnx with labels.txt and preprocessing.json beside it
Adding compiles the model to ONNX inside the library, so the pack's files are not needed
afterwards. The first model added becomes the active one; --use makes any model active.
Removing a model removes its predictions (reviews are kept).`,
  options: {
    timestamp: { type: 'string' },
    use: { type: 'boolean', default: false },
    'list-timestamps': { type: 'boolean', default: false },
  },
  async run(context) {
    const readOnlyAction = ['list', 'show'].includes(context.positionals[0] ?? 'list');
    const library = context.library.open(readOnlyAction ? 'read' : 'write');
    try {
      return await run(context, library);
    } finally {
      library.close();
    }
  },
};
