import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI_ENTRY = path.join(REPO_ROOT, 'main/cli/main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `invasives ARGS` from the TypeScript sources, as a separate process. Tests name
 * fresh temp libraries with --db, so `--create` is added after the command name when --db is
 * given (tests of the path checks themselves pass `exactArgs`).
 */
export function startCli(args: string[], options: { exactArgs?: boolean } = {}): ChildProcess {
  const namesLibrary = args.some((arg) => arg === '--db' || arg.startsWith('--db='));
  const withCreate = !options.exactArgs && namesLibrary && args[0] && !args[0].startsWith('-') ? [args[0], '--create', ...args.slice(1)] : args;
  return spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...withCreate], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function waitForExit(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export function runCli(args: string[], options: { exactArgs?: boolean } = {}): Promise<CliResult> {
  return waitForExit(startCli(args, options));
}

/**
 * The CLI tests' `cli(args, expectedCode = 0)`: runs `invasives ARGS --db DB` and asserts its
 * exit code, the failure naming the command and showing what it printed. Each run costs a
 * few seconds on a loaded machine: run few, each checking several things.
 */
export function cliOnLibrary(db: string): (args: string[], expectedCode?: number) => Promise<CliResult> {
  return async (args, expectedCode = 0) => {
    const result = await runCli([...args, '--db', db]);
    assert.equal(result.code, expectedCode, `invasives ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
    return result;
  };
}

const BIN = path.join(REPO_ROOT, 'bin/invasives.js');

/** Starts the real launcher, `bin/invasives.js ARGS`, exactly as a user types it. */
export function startBin(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
}

export function runBin(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return waitForExit(startBin(args, options));
}
