import { StationError } from '../../core/errors.js';
import { exportDataset } from '../../core/learning/export-dataset.js';
import type { CliCommand } from '../command.js';

export const exportDatasetCommand: CliCommand = {
  name: 'export-dataset',
  summary: "export confirmed photos as an image-classification-tf training set for the experts",
  usage: `invasives export-dataset --out DIR [--validation PERCENT] [--seed N] [--db FILE] [--json]

Copies the photos rangers confirmed or corrected into DIR in the dataset layout of
DEEP-OC's image-classification-tf, so the experts can retrain the full network:
  DIR/images/<species>/<id>_<file>     the photos, one folder per species
  DIR/dataset_files/classes.txt        species names, one per line (line i = label i)
  DIR/dataset_files/info.txt           one line of information per species
  DIR/dataset_files/train.txt, val.txt "<path under images/> <label index>" per photo
A stratified share of each species (--validation, default 20%) goes to val.txt.
DIR must be new or empty.`,
  options: { out: { type: 'string' }, validation: { type: 'string' }, seed: { type: 'string' } },
  async run(context) {
    const out = context.options.out as string | undefined;
    if (!out) throw new StationError('INVALID_ARGUMENT', 'Where to? Usage: invasives export-dataset --out DIR');
    const validation = context.options.validation === undefined ? 20 : Number(context.options.validation);
    if (!(validation >= 0 && validation < 100)) throw new StationError('INVALID_ARGUMENT', `--validation is a percentage from 0 to 99 (got "${String(context.options.validation)}").`);
    const seed = context.options.seed === undefined ? 1 : Number(context.options.seed);
    if (!Number.isInteger(seed)) throw new StationError('INVALID_ARGUMENT', `--seed must be a whole number (got "${String(context.options.seed)}").`);
    const library = context.library.open('read');
    try {
      const result = await exportDataset(library, { outDir: out, validationFraction: validation / 100, seed });
      if (context.json) context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        context.stdout.write(`Exported ${result.train + result.validation} photos of ${result.classes.length} species to ${result.outDir} (${result.train} train, ${result.validation} val).\n`);
        for (const s of result.species) context.stdout.write(`  ${s.label}: ${s.train} train, ${s.validation} val\n`);
        for (const s of result.skipped) context.stderr.write(`skipped #${s.photoId}: ${s.message}\n`);
      }
      return result.skipped.length ? 1 : 0;
    } finally {
      library.close();
    }
  },
};
