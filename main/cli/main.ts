import { parseArgs } from 'node:util';
import { StationError } from '../core/errors.js';
import { defaultDatabasePath } from '../core/settings.js';
import { COMMON_OPTIONS, type CliCommand } from './command.js';
import { COMMANDS } from './commands/index.js';
import { reportError } from './report-error.js';
import { libraryOpener } from './library-opener.js';
import { protectNegativeNumbers } from './negative-numbers.js';
import { parseErrorMessage } from './parse-error-message.js';

function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'invasives: identify invasive plant species in photos, offline.',
    '',
    'Usage: invasives <command> [options]    (invasives <command> --help for details)',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `Common options: --db FILE (library; default ${defaultDatabasePath()}), --create (start a new library at --db), --json, --help`,
  ].join('\n');
}

async function runCommand(command: CliCommand, args: string[]): Promise<number> {
  const options = { ...COMMON_OPTIONS, ...command.options };
  const protectedArgs = protectNegativeNumbers(args, options);
  let parsed;
  try {
    parsed = parseArgs({ args: protectedArgs.args, options, allowPositionals: true, strict: true });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new StationError('INVALID_ARGUMENT', parseErrorMessage(error, command.name, Object.keys(options)));
    }
    throw error;
  }
  const { values } = parsed;
  const positionals = protectedArgs.restore(parsed.positionals);
  if (values.help) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const explicitDb = typeof values.db === 'string';
  const databasePath = explicitDb ? (values.db as string) : defaultDatabasePath();
  return command.run({
    positionals,
    options: values,
    databasePath,
    library: libraryOpener(databasePath, { explicit: explicitDb, create: values.create === true }),
    json: values.json === true,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainUsage()}\n`);
    return name ? 0 : 2;
  }
  const json = rest.includes('--json');
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    if (json) return reportError(name, new StationError('INVALID_ARGUMENT', `unknown command "${name}"; see: invasives --help`), true);
    process.stderr.write(`invasives: unknown command "${name}".\n\n${mainUsage()}\n`);
    return 2;
  }
  try {
    return await runCommand(command, rest);
  } catch (error) {
    return reportError(name, error, json);
  }
}

// `invasives alerts list | head`: the reader leaving early is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
