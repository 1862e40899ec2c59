import { parseArgs } from 'node:util';
import { StationError, errorMessage } from '../core/errors.js';
import { defaultDatabasePath } from '../core/settings.js';
import { COMMON_OPTIONS, type CliCommand } from './command.js';
import { COMMANDS } from './commands/index.js';

function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'invasives: identify invasive plant species in photos, offline.',
    '',
    'Usage: invasives <command> [options]    (invasives <command> --help for details)',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `Common options: --db FILE (library; default ${defaultDatabasePath()}), --json, --help`,
  ].join('\n');
}

async function runCommand(command: CliCommand, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...COMMON_OPTIONS, ...command.options },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run({
    positionals,
    options: values,
    databasePath: typeof values.db === 'string' ? values.db : defaultDatabasePath(),
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
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`invasives: unknown command "${name}".\n\n${mainUsage()}\n`);
    return 2;
  }
  try {
    return await runCommand(command, rest);
  } catch (error) {
    if (error instanceof StationError) {
      process.stderr.write(`invasives ${name}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`invasives ${name}: ${error.message}\nSee: invasives ${name} --help\n`);
      return 2;
    }
    process.stderr.write(`invasives ${name}: unexpected error: ${errorMessage(error)}\n${(error as Error).stack ?? ''}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
