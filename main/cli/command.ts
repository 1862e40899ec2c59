import type { ParseArgsConfig } from 'node:util';
import { StationError } from '../core/errors.js';
import type { LibraryOpener } from './library-opener.js';

/** Options every command understands. */
export const COMMON_OPTIONS = {
  db: { type: 'string' },
  /** Lets an explicit --db that does not exist yet be created (a mistyped path is refused otherwise). */
  create: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Parsed options, the command's own plus COMMON_OPTIONS. */
  options: Record<string, string | boolean | string[] | undefined>;
  /** The library path: --db, or the per-user default. */
  databasePath: string;
  /** How to open the library at databasePath (checked paths, --create, read-only). */
  library: LibraryOpener;
  json: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** One `invasives <name>` sub-command. */
export interface CliCommand {
  name: string;
  summary: string;
  /** Usage text shown by `invasives <name> --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Resolves to the process exit code. */
  run(context: CommandContext): Promise<number>;
}

/** A mistake in how the command was called: exit code 2, shown with the command's name. */
export function usageError(message: string): StationError {
  return new StationError('INVALID_ARGUMENT', message);
}
