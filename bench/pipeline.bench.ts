/**
 * `npm run bench`: the import pipeline's speed on this machine, printed and written as JSON
 * (.cache/bench/pipeline.json, or the path given as first argument). Figures, never assertions.
 *
 * 1. Xception inference only: ONNX Runtime vs tfjs-wasm (images/s, ratio).
 * 2. End to end: importing a folder of 12-megapixel camera JPEGs with EXIF through Xception
 *    (read + hash + EXIF + thumbnail + decode/resize + inference + SQLite), photos/s, for the
 *    exact (OpenCV INTER_LINEAR on the full frame) and the fast (sharp shrink-on-load) resampler,
 *    and its ratio to the inference-only rate. Peak RSS.
 * 3. With --scale N: imports N small photos through the same model and reports RSS along the way
 *    (the 10,000-photo memory check: `npm run bench -- --scale 10000`, about 20 minutes).
 *
 * Options: [out.json] [--photos N (default 16)] [--scale N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { importFolder } from '../main/core/ingest/import-folder.js';
import { Library } from '../main/core/library/index.js';
import { resolveSettings } from '../main/core/settings.js';
import { createOnnxClassifier } from '../main/core/vision/inference/onnx-classifier.js';
import { buildXception } from '../main/core/vision/keras/xception.js';
import type { ModelPack } from '../main/core/vision/model-pack.js';
import { setSeededWeights } from '../tests/helpers/keras-test-models.js';
import { measureXceptionRates } from './xception-rates.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const outFile = args.find((a) => a.endsWith('.json')) ?? path.resolve(import.meta.dirname, '../.cache/bench/pipeline.json');
const PHOTOS = option('--photos', 16);
const SCALE = option('--scale', 0);
const SHARED_FLOWERS = path.resolve(import.meta.dirname, '../../shared/data/flowers');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-bench-'));

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const log = (line: string) => console.log(line);

/** Real flower photos scaled up to 12 MP (or synthetic textures without ../shared), with camera EXIF and GPS. */
async function writeCameraJpegs(folder: string, count: number, width: number, height: number): Promise<void> {
  fs.mkdirSync(folder, { recursive: true });
  const sources = fs.existsSync(SHARED_FLOWERS)
    ? fs.readdirSync(SHARED_FLOWERS, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && /\.jpe?g$/i.test(e.name)).map((e) => path.join(e.parentPath, e.name)).sort()
    : [];
  for (let i = 0; i < count; i++) {
    const base = sources.length
      ? sharp(sources[i % sources.length]).resize(width, height, { fit: 'fill', kernel: 'cubic' })
      : sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 110, sigma: 40 } } }).blur(2);
    const jpeg = await base
      .jpeg({ quality: 90 })
      .withExif({
        IFD0: { Make: 'Canon', Model: 'EOS 90D' },
        IFD2: { DateTimeOriginal: `2026:06:01 10:${String(i % 60).padStart(2, '0')}:00` },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: `46/1 ${i % 60}/1 0/1`, GPSLongitudeRef: 'E', GPSLongitude: '7/1 30/1 0/1' },
      })
      .toBuffer();
    fs.writeFileSync(path.join(folder, `IMG_${String(i).padStart(5, '0')}.JPG`), jpeg);
  }
}

function xceptionPack(): ModelPack {
  const model = buildXception({ inputShape: [299, 299, 3], classes: 30 });
  setSeededWeights(model, 3);
  const labels = Array.from({ length: 30 }, (_, i) => `species ${i}`);
  return {
    identity: { name: 'Xception (seeded, bench)', version: '1', contentHash: 'bench-pipeline-xception-seed3', format: 'keras-h5', sourcePath: 'bench', labels, preprocessing: {} },
    preprocessing: { height: 299, width: 299, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' },
    layersModel: model,
    embeddingLayer: 'avg_pool',
  };
}

async function importRate(folder: string, pack: ModelPack, resampler: 'exact' | 'fast', onRss?: (done: number) => void) {
  const databasePath = path.join(work, `library-${resampler}-${path.basename(folder)}.sqlite`);
  const settings = resolveSettings({ databasePath });
  const library = Library.open(databasePath);
  const classifier = await createOnnxClassifier(pack, { cacheDir: path.join(work, 'onnx'), resampler, maxPixels: settings.maxImagePixels });
  const started = performance.now();
  const { summary } = await importFolder(library, folder, { settings, classifier, onProgress: (p) => onRss?.(p.filesDone) });
  const seconds = (performance.now() - started) / 1000;
  await classifier.close();
  library.close();
  return { photos: summary.photosNew, failed: summary.filesFailed, seconds: +seconds.toFixed(1), photosPerSecond: +(summary.photosNew / seconds).toFixed(2) };
}

log(`Invasives Station pipeline benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}`);
const inference = await measureXceptionRates();
log(`Xception 299 px inference only: ONNX Runtime ${inference.ortImagesPerSecond} img/s (${inference.ortMsPerImage} ms), tfjs-wasm ${inference.tfjsWasmImagesPerSecond} img/s → ${inference.ortSpeedupOverTfjsWasm}x`);

const cameraFolder = path.join(work, 'card-12mp');
await writeCameraJpegs(cameraFolder, PHOTOS, 4000, 3000);
const pack = xceptionPack();
const endToEnd: Record<string, unknown> = {};
for (const resampler of ['exact', 'fast'] as const) {
  const rate = await importRate(cameraFolder, pack, resampler);
  const ofInference = rate.photosPerSecond / inference.ortImagesPerSecond!;
  const overWasm = rate.photosPerSecond / inference.tfjsWasmImagesPerSecond!;
  endToEnd[resampler] = { ...rate, fractionOfInferenceOnly: +ofInference.toFixed(2), timesTfjsWasm: +overWasm.toFixed(2) };
  log(`End to end, ${PHOTOS} × 12 MP JPEG, ${resampler} resampler: ${rate.photosPerSecond} photos/s = ${(ofInference * 100).toFixed(0)}% of inference only (target ≥ 75%), ${overWasm.toFixed(1)}x tfjs-wasm (target ≥ 5x)`);
}

let scale: Record<string, unknown> | null = null;
if (SCALE > 0) {
  const scaleFolder = path.join(work, 'card-scale');
  await writeCameraJpegs(scaleFolder, SCALE, 1024, 768);
  const samples: { photos: number; rssMb: number }[] = [];
  const rate = await importRate(scaleFolder, pack, 'exact', (done) => {
    if (done % Math.max(1, Math.floor(SCALE / 20)) === 0) samples.push({ photos: done, rssMb: Math.round(process.memoryUsage().rss / 1048576) });
  });
  scale = { ...rate, rssSamples: samples, peakRssMb: peakRssMb() };
  log(`Scale: ${SCALE} photos imported at ${rate.photosPerSecond} photos/s; RSS ${samples.map((s) => s.rssMb).join(' → ')} MB; peak ${peakRssMb()} MB (limit 1536 MB)`);
}

log(`Peak RSS of this run: ${peakRssMb()} MB`);
const report = { date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, inference, endToEnd, scale, peakRssMb: peakRssMb() };
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
log(`Written ${outFile}`);
fs.rmSync(work, { recursive: true, force: true });
