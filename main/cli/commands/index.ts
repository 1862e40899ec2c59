import type { CliCommand } from '../command.js';
import { alertsCommand } from './alerts.js';
import { backupCommand, restoreCommand } from './backup.js';
import { baselineCommand } from './baseline.js';
import { basemapCommand } from './basemap.js';
import { bundleCommand, mergeCommand } from './bundle.js';
import { classifyCommand } from './classify.js';
import { datasetCommand } from './dataset.js';
import { datesCommand } from './dates.js';
import { demoCommand } from './demo.js';
import { exportCommand } from './export.js';
import { exportDatasetCommand } from './export-dataset.js';
import { gpxCommand } from './gpx.js';
import { importCommand } from './import.js';
import { intakeCommand } from './intake.js';
import { modelsCommand } from './models.js';
import { placeCommand } from './place.js';
import { publishCommand } from './publish.js';
import { serveCommand } from './serve.js';
import { settingsCommand } from './settings.js';
import { sitesCommand } from './sites.js';
import { speciesCommand } from './species.js';
import { statsCommand } from './stats.js';
import { taxaCommand } from './taxa.js';
import { trainCommand } from './train.js';
import { zonesCommand } from './zones.js';

/** Every `invasives` sub-command, in the order --help lists them. */
export const COMMANDS: readonly CliCommand[] = [
  importCommand,
  intakeCommand,
  classifyCommand,
  exportCommand,
  datasetCommand,
  taxaCommand,
  statsCommand,
  alertsCommand,
  sitesCommand,
  speciesCommand,
  settingsCommand,
  zonesCommand,
  baselineCommand,
  gpxCommand,
  datesCommand,
  placeCommand,
  basemapCommand,
  modelsCommand,
  trainCommand,
  exportDatasetCommand,
  bundleCommand,
  mergeCommand,
  publishCommand,
  backupCommand,
  restoreCommand,
  serveCommand,
  demoCommand,
];
