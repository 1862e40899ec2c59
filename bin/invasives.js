#!/usr/bin/env node
// The `invasives` command. Runs the compiled CLI (dist/, made by `npm run build`); in a source
// checkout that has not been built, runs the TypeScript sources through tsx instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/main/cli/main.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    console.error('invasives: not built yet. Run `npm run build` (or install dev dependencies: `npm ci`).');
    process.exit(1);
  }
  const source = fileURLToPath(new URL('../main/cli/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  // The child gets Ctrl-C from the terminal itself; forward what the terminal does not send.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
}
