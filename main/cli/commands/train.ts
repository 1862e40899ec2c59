import { StationError } from '../../core/errors.js';
import { formatClassMetrics, formatConfusionMatrix } from '../../core/learning/evaluate.js';
import { type TrainingReport, readTrainingReport, trainModel } from '../../core/learning/train-model.js';
import { resolveSettings } from '../../core/settings.js';
import type { CliCommand } from '../command.js';
import { ProgressPrinter } from '../progress-line.js';

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function integerOption(value: unknown, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new StationError('INVALID_ARGUMENT', `--${name} must be a whole number >= ${min} (got "${String(value)}").`);
  return n;
}

/** The report as the terminal shows it: summary, per-species metrics, confusion matrix, misclassified photos. */
export function formatTrainingReport(report: TrainingReport, model: { id: number; name: string; version: string }): string {
  const e = report.evaluation;
  const o = report.openSet;
  const lines = [
    `Trained model #${model.id} "${model.name}" ${model.version} on ${report.trainingPhotos} photos of ${report.species.length} species (backbone #${report.parentModel.id} ${report.parentModel.name}, seed ${report.seed}).`,
    `  embeddings: ${report.embeddings.fromLibrary} stored, ${report.embeddings.fromCache} cached, ${report.embeddings.computed} computed (${report.timings.embeddingSeconds.toFixed(1)} s)`,
    ...(report.augmentedViews
      ? [`  augmented views: ${report.augmentedViews.perPhoto} per training photo, ${report.augmentedViews.fromCache} photos cached, ${report.augmentedViews.computed} computed${report.augmentedViews.failed ? `, ${report.augmentedViews.failed} failed (plain view only)` : ''}`]
      : []),
    `  head: ${report.head.hiddenUnits ? `${report.head.hiddenUnits} hidden units` : 'softmax regression'}, ${report.head.epochsRun} epochs (best ${report.head.bestEpoch}${report.head.stoppedEarly ? ', stopped early' : ''}), ${report.timings.trainingSeconds.toFixed(1)} s`,
    '',
    `Validation (${e.examples} photos held out): top-1 ${percent(e.top1)}, top-5 ${percent(e.top5)}, macro F1 ${percent(e.macroF1)}`,
    '',
    formatClassMetrics(e),
    '',
    formatConfusionMatrix(e),
    '',
    `Open set: "unknown / possibly new species" when the distance to the nearest species centroid exceeds ${o.distanceThreshold.toFixed(4)}`,
    `  or the top-1 probability is below ${percent(o.probabilityThreshold)}; calibrated on the ${o.calibratedOn} photos to flag at most ${Math.round((1 - o.quantile) * 100)}% of known species: ${o.flaggedCount}/${o.calibrationCount} flagged.`,
  ];
  if (e.misclassified.length) {
    lines.push('', `Misclassified validation photos (${e.misclassified.length}):`);
    for (const m of e.misclassified) lines.push(`  ${m.photoId !== null ? `#${m.photoId} ` : ''}${m.path}: ${m.truth} → ${m.predicted} (${percent(m.probability)})`);
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a new model version from confirmed photos and/or species folders',
  usage: `invasives train [--from-library] [--from-folders DIR] [--backbone MODEL_ID|PACK] [--seed N] [--epochs N]
                [--hidden N] [--validation PERCENT] [--augment] [--name NAME] [--use] [--db FILE] [--json]
invasives train --show MODEL_ID     the stored report of a trained version

Trains a new classification head on the backbone's embeddings (the pooled features of the
active model unless --backbone), from the photos rangers confirmed or corrected in the
library (--from-library, the default) and/or a folder with one sub-folder per species
(--from-folders). --augment also trains on 7 fixed views of each training photo (mirror,
centre zooms and their mirrors), whose features are computed once and cached (on the flower
benchmark they did not improve accuracy; see the README). A stratified share of each
species (--validation, default 20%) is held out to stop training early and to measure the
new version on the photos' own views: top-1/top-5 accuracy, precision/recall/F1 per
species, confusion matrix, misclassified photos, and the "unknown species" threshold. The result is a new model in the library (backbone + head, one
ONNX graph); the previous versions stay. --use makes it active at once, otherwise switch
with \`invasives models use ID\`. The same data and --seed give the same model.`,
  options: {
    'from-library': { type: 'boolean' },
    'from-folders': { type: 'string' },
    backbone: { type: 'string' },
    seed: { type: 'string' },
    epochs: { type: 'string' },
    hidden: { type: 'string' },
    validation: { type: 'string' },
    augment: { type: 'boolean', default: false },
    name: { type: 'string' },
    use: { type: 'boolean', default: false },
    show: { type: 'string' },
  },
  async run(context) {
    const o = context.options;
    const validation = o.validation === undefined ? undefined : Number(o.validation);
    if (validation !== undefined && !(validation > 0 && validation < 100)) {
      throw new StationError('INVALID_ARGUMENT', `--validation is a percentage between 0 and 100 (got "${String(o.validation)}").`);
    }
    const fromFolders = o['from-folders'] as string | undefined;
    const settings = resolveSettings({ databasePath: context.databasePath });
    const library = context.library.open(typeof context.options.show === 'string' ? 'read' : 'write');
    if (typeof o.show === 'string') {
      try {
        const model = /^\d+$/.test(o.show) ? library.models.get(Number(o.show)) : null;
        const report = model ? readTrainingReport(model) : null;
        if (!model || !report) throw new StationError('INVALID_ARGUMENT', `Model "${o.show}" is not a version trained at this station; see \`invasives models list\` (format trained-head).`);
        context.stdout.write(context.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTrainingReport(report, model)}\n`);
        return 0;
      } finally {
        library.close();
      }
    }
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.on('SIGINT', onInterrupt);
    try {
      const printer = new ProgressPrinter(context.stderr);
      let lastStage = '';
      const result = await trainModel(library, {
        settings,
        fromLibrary: o['from-library'] === true || fromFolders === undefined,
        fromFolders,
        backbone: o.backbone as string | undefined,
        seed: integerOption(o.seed, 'seed', 0),
        epochs: integerOption(o.epochs, 'epochs', 1),
        hiddenUnits: integerOption(o.hidden, 'hidden', 0),
        validationFraction: validation === undefined ? undefined : validation / 100,
        augment: o.augment === true,
        name: o.name as string | undefined,
        activate: o.use === true,
        signal: controller.signal,
        onProgress: context.json
          ? undefined
          : (progress) => {
              if (progress.stage === 'embedding') {
                const p = progress.embedding;
                if (p.computed + p.failed > 0) printer.update({ filesTotal: p.total, filesDone: p.done, filesFailed: p.failed, rate: p.rate, etaSeconds: p.rate > 0 ? (p.total - p.done) / p.rate : null, lastPath: null, lastError: null });
              } else if (progress.stage === 'views') {
                if (lastStage !== 'views') {
                  printer.done();
                  context.stderr.write('Computing the features of the training photos\' augmented views (once; cached for the next training)…\n');
                }
                const p = progress.views;
                if (p.computed + p.failed > 0) printer.update({ filesTotal: p.total, filesDone: p.done, filesFailed: p.failed, rate: p.rate, etaSeconds: p.rate > 0 ? (p.total - p.done) / p.rate : null, lastPath: null, lastError: null });
              } else if (progress.stage !== lastStage) {
                printer.done();
                if (progress.stage === 'collecting') context.stderr.write(`Found ${progress.photos} labelled photos; computing embeddings…\n`);
                if (progress.stage === 'training') context.stderr.write('Training the head…\n');
                if (progress.stage === 'building') context.stderr.write('Evaluating and building the model…\n');
              }
              lastStage = progress.stage;
            },
      });
      printer.done();
      if (context.json) context.stdout.write(`${JSON.stringify({ model: result.model, report: result.report }, null, 2)}\n`);
      else {
        context.stdout.write(`${formatTrainingReport(result.report, result.model)}\n`);
        context.stdout.write(result.model.isActive ? `\nModel #${result.model.id} is now the active model.\n` : `\nSwitch to it with \`invasives models use ${result.model.id}\`, then \`invasives classify\`.\n`);
      }
      return 0;
    } finally {
      process.off('SIGINT', onInterrupt);
      library.close();
    }
  },
};
