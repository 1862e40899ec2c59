import type { CliCommand } from '../command.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { statsCommand } from './stats.js';

/** Every `invasives` sub-command, in the order --help lists them. */
export const COMMANDS: readonly CliCommand[] = [importCommand, exportCommand, statsCommand];
