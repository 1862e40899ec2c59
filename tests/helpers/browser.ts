import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { writeTinyOnnx } from '../fixtures/make-model-packs.js';
import { REPO_ROOT } from './run-cli.js';

/** Debian's Chromium: the browser tests never download one of their own. */
export const CHROMIUM = '/usr/bin/chromium';
/**
 * The map draws with WebGL: without a GPU (CI, this machine) Chromium renders it in software
 * through ANGLE's SwiftShader backend, which current Chromium enables only when asked
 * (--enable-unsafe-swiftshader; "unsafe" because it is meant for trusted content, which our
 * own app is).
 */
export const WEBGL_SOFTWARE_ARGS = ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
const CHROMIUM_ARGS = ['--no-sandbox', ...WEBGL_SOFTWARE_ARGS, '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Screenshots of each screen, kept as test artifacts (git-ignored). */
export const SCREENSHOTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

/** `false` when Chromium is installed, else why the browser tests are skipped. */
export const chromiumSkipReason: string | false = fs.existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the UI tests`;

export function launchChromium(): Promise<Browser> {
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A fresh build of the renderer into `outDir`: the test sees the current sources. */
export function buildRenderer(outDir: string): void {
  const vite = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const build = spawnSync(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `vite build failed:\n${build.stdout}\n${build.stderr}`);
}

/** The species the browser tests' model knows. */
export const E2E_LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica', 'Arundo donax', 'not a plant'];

/** A tiny but real ONNX classifier pack (model, classes.txt, preprocessing.json), run by the real runtime. */
export function writeTinyOnnxPack(packDir: string, labels: readonly string[] = E2E_LABELS): void {
  writeTinyOnnx(path.join(packDir, 'model.onnx'), { size: 16, classes: labels.length, seed: 7 });
  fs.writeFileSync(path.join(packDir, 'classes.txt'), `${labels.join('\n')}\n`);
  fs.writeFileSync(path.join(packDir, 'preprocessing.json'), JSON.stringify({ mean: [127.5, 127.5, 127.5], mode: 'tf' }));
}
