#!/usr/bin/env node
// The `invasives` command. In a source checkout (main/*.ts present and tsx installed) it runs the
// TypeScript sources, so it is never out of date; in a build without sources it runs dist/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../main/cli/main.ts', import.meta.url));
const built = new URL('../dist/main/cli/main.js', import.meta.url);

function resolveTsx() {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return null;
  }
}

const tsx = existsSync(source) ? resolveTsx() : null;
if (tsx) {
  const child = spawn(process.execPath, ['--import', tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  // The child gets Ctrl-C from the terminal itself; forward what the terminal does not send.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => {}); // let the child decide how to stop
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  console.error('invasives: not built. In a checkout run `npm ci` (installs tsx) or `npm run build`.');
  process.exit(1);
}
