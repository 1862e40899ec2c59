#!/usr/bin/env node
// `npm start`: the desktop app when the Electron binary is installed, else the same UI in the
// browser through `invasives serve`. Electron is an optional dependency whose binary download
// can fail (offline machines, CI); the station must still open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);

function electronBinary() {
  try {
    // The electron package exports the path of its downloaded binary, and throws when the download failed.
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { stdio: 'inherit', cwd: root });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const binary = electronBinary();
if (!binary) {
  console.error(
    'Electron is not installed here (it is an optional dependency and its binary download needs the internet),\n' +
      'so the review station opens in your web browser instead: `invasives serve --open`.\n',
  );
  const hasBuiltUi = existsSync(path.join(root, 'dist', 'renderer', 'index.html'));
  if (!hasBuiltUi) {
    console.error('Building the review UI first (npm run build:renderer)…');
    const build = spawnSync('npm', ['run', 'build:renderer'], { stdio: 'inherit', cwd: root, shell: process.platform === 'win32' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  run(process.execPath, [path.join(root, 'bin', 'invasives.js'), 'serve', '--open', ...args]);
} else {
  const entries = ['dist/main/electron/main.js', 'dist/preload/preload.cjs', 'dist/renderer/index.html'];
  if (entries.some((entry) => !existsSync(path.join(root, entry)))) {
    console.error('Building the app first (npm run build)…');
    const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: root, shell: process.platform === 'win32' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  run(binary, ['.', ...args]);
}
