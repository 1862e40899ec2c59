import { classifyLibrary } from '../../core/ingest/classify-library.js';
import { resolveSettings } from '../../core/settings.js';
import { openClassifier } from '../../core/vision/open-classifier.js';
import type { CliCommand } from '../command.js';
import { ProgressPrinter } from '../progress-line.js';

export const classifyCommand: CliCommand = {
  name: 'classify',
  summary: "classify the library's photos with a model (keeps other models' predictions)",
  usage: `invasives classify [--model ID|PATH] [--ten-crop] [--db FILE] [--json]

Runs the model (default: the active one) on every photo of the library that it has not
classified yet, reading each photo from where it was imported. Predictions of other
models are kept, so switching models loses nothing. --ten-crop averages ten fixed views
(four corners and the centre at 90% of the shorter side, plus their mirrors).`,
  options: { model: { type: 'string' }, 'ten-crop': { type: 'boolean', default: false } },
  async run(context) {
    const settings = resolveSettings({ databasePath: context.databasePath, tenCrop: context.options['ten-crop'] === true });
    const library = context.library.open('write');
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.on('SIGINT', onInterrupt);
    const classifier = await openClassifier(library, { model: context.options.model as string | undefined, settings });
    try {
      if (!classifier) {
        context.stderr.write('No model to classify with: add one with `invasives models add <pack>`.\n');
        return 1;
      }
      const printer = new ProgressPrinter(context.stderr);
      const result = await classifyLibrary(library, classifier, {
        settings,
        signal: controller.signal,
        onProgress: context.json ? undefined : (progress) => printer.update(progress),
      });
      printer.done();
      if (context.json) context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else context.stdout.write(`Classified ${result.classified} photos with ${classifier.identity.name} ${classifier.identity.version}; ${result.failed.length} failed.\n`);
      return result.failed.length ? 1 : 0;
    } finally {
      process.off('SIGINT', onInterrupt);
      await classifier?.close();
      library.close();
    }
  },
};
