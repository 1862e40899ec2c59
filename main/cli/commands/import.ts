import { refreshAlerts } from '../../core/geo/alerts.js';
import { importFolder } from '../../core/ingest/import-folder.js';
import { resolveSettings } from '../../core/settings.js';
import { openClassifier } from '../../core/vision/open-classifier.js';
import { type CliCommand, usageError } from '../command.js';
import { EXIT_CODES } from '../exit-codes.js';
import { ProgressPrinter } from '../progress-line.js';
import { rereadPendingDates } from '../reread-pending-dates.js';
import { printImportSummary } from '../print-summary.js';

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'import (and classify) every photo under a folder; re-run to resume',
  usage: `invasives import <folder> [--db FILE] [--model ID|PATH] [--no-classify] [--ten-crop] [--file-time-fallback] [--json]

Imports every photo (JPEG, PNG, TIFF, HEIC) under <folder>, recursively, as a memory card
holds them. Each photo is identified by its content: importing the same card twice adds
nothing twice. Hidden and system entries are skipped and counted.

Photos are classified with the active model (see 'invasives models'), or with --model.
An import that was interrupted (Ctrl-C, crash, card removed) resumes when you run the
same command again.

Options:
  --db FILE         library database (default: your app data folder)
  --model ID|PATH   classify with this model (a library model id, or a model pack path)
  --no-classify     store photos and EXIF only
  --ten-crop        average ten fixed views per photo (corners, centre, mirrors): steadier, 10x slower
  --file-time-fallback
                    photos with no capture time in EXIF, XMP or IPTC take the file's modification
                    time, exported with capture-time source "file:modified" (off by default: a
                    copied file's time is when it was copied)
  --json            print the summary as JSON`,
  options: {
    model: { type: 'string' },
    'no-classify': { type: 'boolean', default: false },
    'ten-crop': { type: 'boolean', default: false },
    'file-time-fallback': { type: 'boolean', default: false },
  },
  async run(context) {
    const folder = context.positionals[0];
    if (!folder) {
      throw usageError('which folder? Usage: invasives import <folder>');
    }
    const settings = resolveSettings({
      databasePath: context.databasePath,
      tenCrop: context.options['ten-crop'] === true,
      captureTimeFromFileModified: context.options['file-time-fallback'] === true,
    });
    const library = context.library.open('write');
    const controller = new AbortController();
    let interrupts = 0;
    const onInterrupt = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130); // every stored file is already committed
      context.stderr.write('\nStopping after the photos in progress… (Ctrl-C again to stop now; re-run to resume)\n');
      controller.abort();
    };
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
    const classifier = context.options['no-classify']
      ? null
      : await openClassifier(library, { model: context.options.model as string | undefined, settings });
    try {
      if (!classifier && !context.json) {
        context.stderr.write('No model is active: photos are stored without predictions (add one with `invasives models add`).\n');
      }
      const printer = new ProgressPrinter(context.stderr);
      const result = await importFolder(library, folder, {
        settings,
        classifier,
        signal: controller.signal,
        onProgress: context.json ? undefined : (progress) => printer.update(progress),
      });
      printer.done();
      await rereadPendingDates(library, context);
      const errors = library.imports.errors(result.summary.id);
      // New photos may be first sightings: raise their alerts now (each alert once, ever).
      const alerts = refreshAlerts(library, settings.geo);
      if (context.json) {
        context.stdout.write(`${JSON.stringify({ ...result, errors, alerts: { raised: alerts.raised, open: alerts.open } }, null, 2)}\n`);
      } else {
        printImportSummary(context.stdout, result, errors);
        for (const alert of alerts.raised) context.stdout.write(`NEW ALERT #${alert.id}: ${alert.kind} ${alert.species}, ${alert.placeLabel}${alert.evidence === 'predicted' ? ' [predicted only]' : ''}\n`);
        if (alerts.open) context.stdout.write(`${alerts.open} unread alert(s): invasives alerts list\n`);
      }
      if (result.summary.state === 'completed') return EXIT_CODES.ok;
      return controller.signal.aborted ? EXIT_CODES.cancelled : EXIT_CODES.incomplete;
    } finally {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
      await classifier?.close();
      library.close();
    }
  },
};
