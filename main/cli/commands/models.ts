import { StationError } from '../../core/errors.js';
import { Library, type ModelRow } from '../../core/library/index.js';
import { calibrateModel } from '../../core/learning/calibrate-model.js';
import { resolveSettings } from '../../core/settings.js';
import { type Int8AddOptions, describeInt8 } from '../../core/vision/add-int8-model.js';
import { decisionMaker } from '../../core/station-settings.js';
import { refreshAndReport } from './alerts.js';
import { addModelToLibrary, findLibraryModel, removeModelFromLibrary } from '../../core/vision/open-classifier.js';
import { listDeepOcTimestamps } from '../../core/vision/packs/load-model-pack.js';
import { type CliCommand, type CommandContext, usageError } from '../command.js';

function describeModel(model: ModelRow): string {
  return `${model.isActive ? '*' : ' '} #${model.id}  ${model.name}  ${model.version}  (${model.format}, ${model.labels.length} classes)`;
}

/** "calibrated (library, 12 of 77 classes)" or "not calibrated": whether the model can say "unknown". */
function describeCalibration(library: Library, model: ModelRow): string {
  const summary = library.calibrations.summary(model.id);
  if (!summary) return 'open set: not calibrated (run: invasives models calibrate ' + model.id + ')';
  return `open set: calibrated from ${summary.source} (${summary.calibratedClasses} of ${summary.classes} classes, ${summary.calibrationCount} photos; distance > ${summary.distanceThreshold.toFixed(4)} or top score < ${summary.probabilityThreshold.toFixed(4)} is unknown)`;
}

/** One line per provenance entry, long values cut: a trained version's full report is `invasives train --show ID`. */
function describeProvenance(model: ModelRow): string[] {
  if (!model.provenance) return [];
  const int8 = describeInt8(model.provenance.int8 as Parameters<typeof describeInt8>[0]);
  const lines = Object.entries(model.provenance).filter(([key]) => key !== 'int8').map(([key, value]) => {
    const text = JSON.stringify(value) ?? String(value);
    return `    ${key}: ${text.length > 100 ? `${text.slice(0, 97)}…` : text}`;
  });
  if (model.format === 'trained-head') lines.push(`    (full training report: invasives train --show ${model.id})`);
  return [...(int8 ? [`  ${int8}`] : []), ...(lines.length ? ['  provenance:', ...lines] : [])];
}

function positiveCount(context: CommandContext, name: string): number | undefined {
  const raw = context.options[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new StationError('INVALID_ARGUMENT', `--${name} takes a whole number of photos (1 or more), not "${String(raw)}".`);
  return n;
}

function int8Options(context: CommandContext): Int8AddOptions {
  return {
    calibrationFolder: context.options['calibration-folder'] as string | undefined,
    calibrationPhotos: positiveCount(context, 'calibration-photos'),
    heldOutPhotos: positiveCount(context, 'held-out-photos'),
    onProgress: context.json ? undefined : (line) => context.stderr.write(`${line}\n`),
  };
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
      out(
        models.length ? models.map((model) => `${describeModel(model)}\n      ${describeCalibration(library, model)}`).join('\n') : 'No models yet: add one with `invasives models add <pack>`.',
        models.map((model) => ({ ...model, calibration: library.calibrations.summary(model.id) })),
      );
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
        int8: context.options.int8 === true ? int8Options(context) : undefined,
      });
      const int8 = context.options.int8 === true ? describeInt8(model.provenance?.int8 as Parameters<typeof describeInt8>[0]) : null;
      out(`Added ${describeModel(model).trim()}${model.isActive ? ' — now the active model' : ''}${int8 ? `\n  ${int8}` : ''}`, model);
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
        [describeModel(model).trim(), `  ${describeCalibration(library, model)}`, `  from: ${model.sourcePath}`, `  added: ${model.addedAt}`, `  preprocessing: ${JSON.stringify(model.preprocessing)}`,
          ...describeProvenance(model), '  classes:', ...classes].join('\n'),
        model,
      );
      return 0;
    }
    case 'calibrate': {
      const spec = (context.options.model as string | undefined) ?? target ?? (library.models.active() ? String(library.models.active()!.id) : undefined);
      const model = requireModel(library, spec, 'calibrate');
      const fromFolder = context.options['from-folder'] as string | undefined;
      const fromLibrary = context.options['from-library'] === true || fromFolder === undefined;
      const result = await calibrateModel(library, model, {
        settings: resolveSettings({ databasePath: context.databasePath }),
        fromLibrary,
        fromFolder,
        by: decisionMaker(library, context.options.ranger as string | undefined).ranger,
        onProgress: context.json ? undefined : ({ done, total }) => context.stderr.write(`\rclassifying calibration photos: ${done}/${total}`),
      });
      if (!context.json) context.stderr.write('\n');
      const perClass = Object.entries(result.photosPerClass).map(([label, n]) => `${label} ${n}`).join(', ');
      out(
        [
          `Calibrated model #${model.id} "${model.name}": ${describeCalibration(library, model)}`,
          `  photos per class: ${perClass}`,
          ...(result.notModelClasses ? [`  ${result.notModelClasses} confirmed photo(s) left out: their species is not a class of this model`] : []),
          ...(result.failed.length ? [`  ${result.failed.length} photo(s) could not be read: ${result.failed[0]!.message}`] : []),
          `  its ${result.rejudged} stored prediction(s) judged again: ${result.verdicts.unknown} unknown, ${result.verdicts.known} known`,
        ].join('\n'),
        result,
      );
      // Unknowns no longer hold species alerts: bring the alerts up to date now.
      refreshAndReport(library, context);
      return 0;
    }
    case 'remove': {
      const model = requireModel(library, target, 'remove');
      removeModelFromLibrary(library, model);
      out(`Removed model #${model.id}, its compiled file and its predictions (reviews are kept).`, { removed: model.id });
      return 0;
    }
    default:
      throw usageError(`unknown action "${action}"; use list, add, use, show, calibrate or remove.`);
  }
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'add, list, show, choose (use) and remove classification models',
  usage: `invasives models list
invasives models add <pack> [--timestamp T] [--use] [--list-timestamps]
                      [--int8 [--calibration-folder DIR] [--calibration-photos N] [--held-out-photos N]]
invasives models use <id>
invasives models show <id>
invasives models remove <id>
invasives models calibrate [<id> | --model ID] [--from-library] [--from-folder DIR] [--ranger NAME]

A model pack is one of:
  - a DEEP-OC image-classification-tf archive (.tar.gz) or its unpacked folder
    (models/<timestamp>/ckpts/*.h5, dataset_files/classes.txt, conf/conf.json);
    the newest timestamp unless --timestamp; --list-timestamps shows them
  - a Keras .h5 with labels.txt or classes.txt beside it
  - a TF.js layers model.json (or its folder) with metadata.json or labels.txt
  - an .onnx with labels.txt and preprocessing.json beside it
Adding compiles the model to ONNX inside the library, so the pack's files are not needed
afterwards. The first model added becomes the active one; --use makes any model active.

--int8 also writes a statically quantised graph (int8 weights per channel, uint8
activations calibrated on photos: DIR, or else the library's own photos; 200 to calibrate,
100 held out by default). It is used only if its top-1 class agrees with the FP32 graph on
at least 99% of the held-out photos; otherwise the FP32 graph stays and the reason is
printed. \`models show\` prints the agreement. Adding the model again without --int8
goes back to the FP32 graph.
Removing a model removes its predictions (reviews are kept).

calibrate: sets the model's open-set thresholds ("unknown / possibly new species") from the
library's confirmed and corrected photos (--from-library, the default) and/or a labelled
folder (--from-folder DIR: one sub-folder per species, named exactly as the model's classes),
then judges every stored prediction of the model again. Trained versions are calibrated when
trained; a downloaded pack (DEEP-OC) says "not calibrated" until this is run, and its
predictions are never called unknown until then.`,
  options: {
    timestamp: { type: 'string' },
    use: { type: 'boolean', default: false },
    'list-timestamps': { type: 'boolean', default: false },
    int8: { type: 'boolean', default: false },
    'calibration-folder': { type: 'string' },
    'calibration-photos': { type: 'string' },
    'held-out-photos': { type: 'string' },
    model: { type: 'string' },
    'from-library': { type: 'boolean', default: false },
    'from-folder': { type: 'string' },
    ranger: { type: 'string' },
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
