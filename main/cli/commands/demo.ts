import path from 'node:path';
import { DEMO_LIBRARY, prepareDemoFolder } from '../../core/demo/demo-folder.js';
import { writeDemoModelPack } from '../../core/demo/demo-model.js';
import { DEMO_BROKEN_FILE, writeDemoCard } from '../../core/demo/sample-card.js';
import { refreshAlerts } from '../../core/geo/alerts.js';
import { writeCsvExport } from '../../core/geo/export-csv.js';
import { writeGeoJsonExport } from '../../core/geo/export-geojson.js';
import { importFolder } from '../../core/ingest/import-folder.js';
import { Library } from '../../core/library/index.js';
import { resolveSettings } from '../../core/settings.js';
import { addModelToLibrary, openLibraryModel } from '../../core/vision/open-classifier.js';
import type { CliCommand } from '../command.js';
import { ProgressPrinter } from '../progress-line.js';
import { printImportSummary } from '../print-summary.js';

const NOTICE = `*** DEMO ***  Synthetic pictures and a toy model made by this program. The species names are
real, the pictures are not photos of them, and the predictions mean nothing about real plants.
Real use: add the DEEP-OC invasive-species model (or your own) with \`invasives models add\`.`;

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'run the whole pipeline on generated sample photos and a generated demo model',
  usage: `invasives demo [--dir FOLDER]

Writes, under FOLDER (default ./demo-output): a memory card of synthetic photos with EXIF
GPS and time, a small generated model pack, a library database; then adds the model,
imports the card, and exports CSV and GeoJSON. Everything is generated: a DEMO only.`,
  options: { dir: { type: 'string' } },
  async run(context) {
    const folder = path.resolve((context.options.dir as string | undefined) ?? 'demo-output');
    prepareDemoFolder(folder);
    const databasePath = path.join(folder, DEMO_LIBRARY);
    const settings = resolveSettings({ databasePath });
    const say = (line: string) => context.stderr.write(`${line}\n`);
    say(NOTICE);
    say(`\n1. Writing a sample memory card to ${path.join(folder, 'card')}`);
    const card = await writeDemoCard(path.join(folder, 'card'));
    say(`2. Generating the demo model pack in ${path.join(folder, 'demo-model')}`);
    await writeDemoModelPack(path.join(folder, 'demo-model'));
    const library = Library.open(databasePath);
    try {
      const model = await addModelToLibrary(library, path.join(folder, 'demo-model'), { settings, activate: true });
      say(`3. Added model #${model.id} "${model.name}" (compiled to ONNX) to the library ${databasePath}`);
      say('4. Importing the card');
      const classifier = await openLibraryModel(model, settings);
      const printer = new ProgressPrinter(context.stderr);
      const result = await importFolder(library, card.folder, { settings, classifier, onProgress: (p) => printer.update(p) }).finally(() => classifier.close());
      printer.done();
      printImportSummary(context.stderr, result, library.imports.errors(result.summary.id));
      say(`   (${DEMO_BROKEN_FILE} is cut in half on purpose, like a copy broken off: a damaged file is reported and the import goes on.)`);
      const photos = library.photos.query();
      const correct = photos.filter((photo) => photo.prediction?.label === card.truth[path.basename(photo.path)]).length;
      say(`   The demo model got ${correct} of ${photos.length} synthetic pictures right.`);
      const alerts = refreshAlerts(library, settings.geo);
      say(`   Early alerts raised: ${alerts.raised.length} (${alerts.raised.map((alert) => `${alert.kind} ${alert.species}`).slice(0, 4).join('; ')}${alerts.raised.length > 4 ? '; …' : ''})`);
      const csv = path.join(folder, 'photos.csv');
      const geojson = path.join(folder, 'photos.geojson');
      await writeCsvExport(library, {}, csv);
      const mapped = await writeGeoJsonExport(library, {}, geojson);
      say(`5. Exported ${csv} and ${geojson} (${mapped.written} geolocated photos; ${mapped.leftOut} without GPS left out)`);
      say(`\nNext: review the photos in the station UI:  node bin/invasives.js serve --db ${databasePath}`);
      if (context.json) context.stdout.write(`${JSON.stringify({ folder, databasePath, import: result.summary, correct, photos: photos.length, alertsRaised: alerts.raised.length }, null, 2)}\n`);
      return 0;
    } finally {
      library.close();
    }
  },
};
