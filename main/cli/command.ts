import type { ParseArgsConfig } from 'node:util';

/** Options every command understands. */
export const COMMON_OPTIONS = {
  db: { type: 'string' },
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
