#!/usr/bin/env node
// The `invasives` command. In a source checkout (main/*.ts present and tsx installed) it runs the
// TypeScript sources, so it is never out of date; in a build without sources it runs dist/.
// Either way the command runs in THIS process (tsx's loader is registered here, no child
// process): a SIGINT sent to this process id stops an import exactly as Ctrl-C does.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = fileURLToPath(new URL('../main/cli/main.ts', import.meta.url));
const built = new URL('../dist/main/cli/main.js', import.meta.url);

function resolveTsxApi() {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
}

const tsxApi = existsSync(source) ? resolveTsxApi() : null;
if (tsxApi) {
  const { register } = await import(tsxApi);
  register();
  await import(pathToFileURL(source).href);
} else if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  console.error('invasives: not built. In a checkout run `npm ci` (installs tsx) or `npm run build`.');
  process.exit(1);
}
