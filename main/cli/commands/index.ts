import type { CliCommand } from '../command.js';
import { classifyCommand } from './classify.js';
import { demoCommand } from './demo.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { modelsCommand } from './models.js';
import { serveCommand } from './serve.js';
import { statsCommand } from './stats.js';

/** Every `invasives` sub-command, in the order --help lists them. */
export const COMMANDS: readonly CliCommand[] = [
  importCommand,
  classifyCommand,
  exportCommand,
  statsCommand,
  modelsCommand,
  serveCommand,
  demoCommand,
];
