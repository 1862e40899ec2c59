/**
 * Photo-open latency with the station in this process versus in its backend process
 * (`invasives serve`: the HTTP host forwards each photo's bytes over the child's IPC channel,
 * structured clone, no base64). Both servers run at once on the same library and are asked
 * in alternation, so machine load affects both alike. Prints p50/p95 per kind and writes
 * .cache/bench/backend-media.json. No test asserts these figures.
 *
 *   node --import tsx bench/backend-media.bench.ts [-- PHOTOS [ROUNDS]]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importFolder } from '../main/core/ingest/import-folder.js';
import { Library } from '../main/core/library/index.js';
import { resolveSettings } from '../main/core/settings.js';
import { startBackendServer, startServer } from '../main/server/server.js';
import sharp from 'sharp';
import { writeCard } from '../tests/fixtures/make-card.js';

const photos = Number(process.argv[2] ?? 8);
const rounds = Number(process.argv[3] ?? 5);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-bench-media-'));
const databasePath = path.join(dir, 'library.sqlite');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

try {
  const card = path.join(dir, 'card');
  // Noise compresses like a detailed camera photo (a few MB at 12 MP), unlike flat test pictures.
  const files: Record<string, Buffer> = {};
  for (let i = 1; i <= photos; i++) {
    files[`DCIM/IMG_${i}.JPG`] = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 90, g: 120 + i, b: 60 }, noise: { type: 'gaussian', mean: 110 + i, sigma: 28 } } })
      .jpeg({ quality: 88 })
      .toBuffer();
  }
  await writeCard(card, files);
  const library = Library.open(databasePath);
  let ids: number[];
  try {
    await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
    ids = library.photos.query({}).map((photo) => photo.id);
  } finally {
    library.close();
  }
  const photoBytes = fs.statSync(path.join(card, 'DCIM/IMG_1.JPG')).size;
  const inProcess = await startServer({ databasePath, rendererDir: dir });
  const backend = await startBackendServer({ databasePath, rendererDir: dir });
  const servers = { 'in process': inProcess, 'backend process': backend } as const;
  const timings: Record<string, Record<'photo' | 'thumb', number[]>> = { 'in process': { photo: [], thumb: [] }, 'backend process': { photo: [], thumb: [] } };
  try {
    for (let round = 0; round < rounds + 1; round++) {
      for (const id of ids) {
        for (const kind of ['photo', 'thumb'] as const) {
          const order = (round + id) % 2 === 0 ? (['in process', 'backend process'] as const) : (['backend process', 'in process'] as const);
          for (const mode of order) {
            const server = servers[mode];
            const started = performance.now();
            const response = await fetch(`${server.origin}/media/${kind}/${id}`, { headers: { 'x-invasives-token': server.token } });
            const body = Buffer.from(await response.arrayBuffer());
            const elapsed = performance.now() - started;
            if (response.status !== 200 || body.length === 0) throw new Error(`${mode} ${kind} ${id}: ${response.status}`);
            // The first round warms the thumbnail cache and the file cache; it is not counted.
            if (round > 0) timings[mode]![kind].push(elapsed);
          }
        }
      }
    }
  } finally {
    await backend.close();
    await inProcess.close();
  }
  const result = {
    photos,
    rounds,
    photoBytes,
    loadAverage: os.loadavg()[0],
    figures: Object.fromEntries(
      Object.entries(timings).map(([mode, kinds]) => [
        mode,
        Object.fromEntries(Object.entries(kinds).map(([kind, values]) => [kind, { p50: +percentile(values, 50).toFixed(1), p95: +percentile(values, 95).toFixed(1), n: values.length }])),
      ]),
    ),
  };
  console.log(`Photo-open latency over HTTP, ${photos} photos of 12 MP (${(photoBytes / 1e6).toFixed(2)} MB each), ${rounds} rounds, load average ${result.loadAverage.toFixed(1)}:`);
  console.log('mode               photo p50   photo p95   thumb p50   thumb p95   (ms)');
  for (const [mode, kinds] of Object.entries(result.figures)) {
    console.log(`${mode.padEnd(18)} ${String(kinds.photo!.p50).padStart(9)}   ${String(kinds.photo!.p95).padStart(9)}   ${String(kinds.thumb!.p50).padStart(9)}   ${String(kinds.thumb!.p95).padStart(9)}`);
  }
  fs.mkdirSync('.cache/bench', { recursive: true });
  fs.writeFileSync('.cache/bench/backend-media.json', `${JSON.stringify(result, null, 2)}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
