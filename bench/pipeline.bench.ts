/**
 * `npm run bench`: the import pipeline's speed on this machine, printed as a table and
 * written as JSON (.cache/bench/pipeline.json, or the path given as an argument ending in
 * .json; `--json` also prints the JSON on standard output, the table then goes to standard
 * error). Figures, never assertions.
 *
 * 1. Inference only, Xception 299 px: ONNX Runtime FP32, tfjs-wasm, and int8 (QDQ graph of
 *    bench/int8-rates.ts's compileInt8Graph, as `models add --int8` compiles it).
 * 2. Per-stage cost in core-ms per photo (CPU time of all the process's threads, one stage at
 *    a time over 12-megapixel camera JPEGs, garbage collected before each, untimed): read + hash, EXIF, decode, thumbnail,
 *    resize + normalise, inference, SQLite; exact (full decode, OpenCV INTER_LINEAR) and fast
 *    (shrink-on-load decode) side by side.
 * 3. End to end: importing the folder through Xception (FP32 and int8), each import in a
 *    process of its own as `invasives import` runs it (bench/import-memory.ts): photos/s and
 *    core-ms per photo, for both resamplers, the ratio to the inference-only rate, peak RSS.
 * 4. With --scale N: imports N distinct 12 MP photos (about 2 MB of disk each) through the
 *    same model and samples RSS along the way (the 10,000-photo memory check:
 *    `npm run bench -- --scale 10000`).
 *
 * Options: [out.json] [--photos N (default 16)] [--e2e-photos N (48)] [--scale N] [--scale-megapixels M (12)] [--only scale] [--json]
 * (`--only scale` skips 1-3: the memory run alone, e.g. `npm run bench -- --scale 10000 --only scale`.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { readPhotoExif } from '../main/core/ingest/exif.js';
import { readAndHashPhotoFile } from '../main/core/ingest/read-photo-file.js';
import { Library } from '../main/core/library/index.js';
import { resolveSettings } from '../main/core/settings.js';
import { decodePhoto, thumbnailFromDecoded } from '../main/core/vision/decode-photo.js';
import { memoizedPlan } from '../main/core/vision/sampled-decode.js';
import { DEFAULT_INFERENCE_WORKERS, DEFAULT_THREADS_PER_WORKER, resolveOnnxModel } from '../main/core/vision/inference/onnx-classifier.js';
import { InferenceWorkerPool } from '../main/core/vision/inference/worker-pool.js';
import { buildXception } from '../main/core/vision/keras/xception.js';
import type { ModelPack } from '../main/core/vision/model-pack.js';
import { jpegSamplerAvailable } from '../main/core/vision/jpeg-samples.js';
import { decodeSizeFor, networkPlan, preprocessDecoded } from '../main/core/vision/preprocess.js';
import { thumbnailSamples } from '../main/core/vision/thumbnail-prereduce.js';
import { setSeededWeights } from '../tests/helpers/keras-test-models.js';
import { compileInt8Graph } from './int8-rates.js';
import { type OnnxInferenceFigures, cpuMs, measureOnnxInference, measureXceptionRates } from './xception-rates.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const outFile = args.find((a) => a.endsWith('.json')) ?? path.resolve(import.meta.dirname, '../.cache/bench/pipeline.json');
const PHOTOS = option('--photos', 16);
/**
 * Photos per end-to-end import: the first photo's decode (inference waits for it) and the last
 * photo's inference (one worker idle) weigh ~6% on 16 photos, ~2% on 48; a card holds hundreds.
 */
const E2E_PHOTOS = option('--e2e-photos', 48);
const SCALE = option('--scale', 0);
const SCALE_MEGAPIXELS = option('--scale-megapixels', 12);
const JSON_OUT = args.includes('--json');
const ONLY_SCALE = args.includes('--only') && args[args.indexOf('--only') + 1] === 'scale';
const SHARED_FLOWERS = path.resolve(import.meta.dirname, '../../shared/data/flowers');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-bench-'));

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** With --json the JSON owns standard output; the human table goes to standard error. */
const log = (line: string) => (JSON_OUT ? console.error(line) : console.log(line));
const round = (x: number, digits = 1) => +x.toFixed(digits);

function sourcePhotos(): string[] {
  return fs.existsSync(SHARED_FLOWERS)
    ? fs.readdirSync(SHARED_FLOWERS, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && /\.jpe?g$/i.test(e.name)).map((e) => path.join(e.parentPath, e.name)).sort()
    : [];
}

/**
 * A 12 MP camera JPEG with EXIF and GPS: a real flower photo scaled up with sensor-like grain
 * (an upscaled photo alone is too smooth: its JPEG decodes faster than a camera's), or a
 * synthetic texture without ../shared.
 */
async function cameraJpeg(i: number, width: number, height: number, sources: string[]): Promise<Buffer> {
  const noise = (mean: number, sigma: number) => sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean, sigma } } });
  const base = sources.length
    ? sharp(sources[i % sources.length]).resize(width, height, { fit: 'fill', kernel: 'cubic' })
      .composite([{ input: await noise(128, 24).png({ compressionLevel: 1 }).toBuffer(), blend: 'soft-light' }])
    : noise(110, 40).blur(2);
  return base
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: 'Canon', Model: 'EOS 90D' },
      IFD2: { DateTimeOriginal: `2026:06:01 10:${String(i % 60).padStart(2, '0')}:00` },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: `46/1 ${i % 60}/1 0/1`, GPSLongitudeRef: 'E', GPSLongitude: '7/1 30/1 0/1' },
    })
    .toBuffer();
}

async function writeCameraJpegs(folder: string, count: number, width: number, height: number): Promise<void> {
  fs.mkdirSync(folder, { recursive: true });
  const sources = sourcePhotos();
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(folder, `IMG_${String(i).padStart(5, '0')}.JPG`), await cameraJpeg(i, width, height, sources));
}

/** `count` distinct copies (own JPEG comment, own hash) of the photos of `from`, round robin. */
function writeDistinctCopies(from: string, to: string, count: number): void {
  fs.mkdirSync(to, { recursive: true });
  const sources = fs.readdirSync(from).sort();
  for (let i = 0; i < count; i++) {
    const bytes = fs.readFileSync(path.join(from, sources[i % sources.length]!));
    fs.writeFileSync(path.join(to, `IMG_${String(i).padStart(5, '0')}.JPG`), withJpegComment(bytes, `bench copy ${i}`));
  }
}

/** The JPEG with a comment segment right after its start-of-image marker. */
function withJpegComment(jpeg: Buffer, text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, bytes.length + 2]), bytes]);
  return Buffer.concat([jpeg.subarray(0, 2), comment, jpeg.subarray(2)]);
}

/**
 * N distinct photos from a few encodes: each file gets its own JPEG comment right after the
 * start-of-image marker, so every file has its own hash and is decoded, at the cost of one
 * encode per 50 files.
 */
async function writeDistinctCameraJpegs(folder: string, count: number, width: number, height: number): Promise<void> {
  fs.mkdirSync(folder, { recursive: true });
  const sources = sourcePhotos();
  let base: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    if (i % 50 === 0) base = await cameraJpeg(i / 50, width, height, sources);
    fs.writeFileSync(path.join(folder, `IMG_${String(i).padStart(5, '0')}.JPG`), withJpegComment(base, `bench photo ${i}`));
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

type Resampler = 'exact' | 'fast';
/**
 * 'exact': the exact resampler as the station runs it (JPEGs decoded to the samples read, see
 * jpeg-samples.ts, and resized in C); 'whole': the same without the native pixel code (JPEGs
 * decoded whole by libvips, resized in TypeScript: the fallback where native/jpeg-grid is not
 * built); 'fast': shrink-on-load.
 */
type Decoding = 'exact' | 'whole' | 'fast';
const DECODINGS: Decoding[] = ['exact', 'whole', 'fast'];
const resamplerOf = (decoding: Decoding): Resampler => (decoding === 'fast' ? 'fast' : 'exact');
interface StageCosts {
  readHash: number;
  exif: number;
  decode: number;
  thumbnail: number;
  resize: number;
  sqlite: number;
}

/** `global.gc` when node runs with --expose-gc (`npm run bench` does). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Each stage alone, photo after photo, in core-ms (CPU time of all threads: libvips and libuv
 * included) per photo. The SQLite stage makes the writes an import makes for a new photo.
 */
async function measureStages(folder: string, pack: ModelPack): Promise<Record<Decoding, StageCosts>> {
  const files = fs.readdirSync(folder).sort().map((f) => path.join(folder, f));
  const databasePath = path.join(work, 'stages.sqlite');
  const settings = resolveSettings({ databasePath });
  const library = Library.open(databasePath);
  const modelId = library.models.add(pack.identity).id;
  const importId = library.imports.start(folder, modelId);
  library.imports.addFiles(importId, files, {});
  const costs = Object.fromEntries(DECODINGS.map((d) => [d, { readHash: 0, exif: 0, decode: 0, thumbnail: 0, resize: 0, sqlite: 0 }])) as Record<Decoding, StageCosts>;
  // The decode the import asks for (see import-folder.ts decodeForImport), with plans made once as there.
  const plans = {
    network: networkPlan(pack.preprocessing),
    thumbnail: memoizedPlan((upright) => thumbnailSamples(upright, settings.thumbnailSize)),
  };
  const decode = (bytes: Buffer, decoding: Decoding) => {
    const atLeast = decodeSizeFor(pack.preprocessing, resamplerOf(decoding));
    if (atLeast) {
      const size = { width: Math.max(atLeast.width, settings.thumbnailSize), height: Math.max(atLeast.height, settings.thumbnailSize) };
      return decodePhoto(bytes, { maxPixels: settings.maxImagePixels, atLeast: size });
    }
    if (decoding === 'whole') return decodePhoto(bytes, { maxPixels: settings.maxImagePixels });
    return decodePhoto(bytes, { maxPixels: settings.maxImagePixels, samples: plans });
  };
  const timed = async <T>(add: (ms: number) => void, work: () => Promise<T> | T): Promise<T> => {
    // A collection now, untimed: otherwise the one the previous stage's garbage (a 36 MB frame,
    // this process's TensorFlow.js heap) triggers is charged to whichever stage runs next.
    collectGarbage();
    const start = cpuMs();
    const result = await work();
    add(cpuMs() - start);
    return result;
  };
  const probabilities = new Float32Array(pack.identity.labels.length).fill(1 / pack.identity.labels.length);
  const embedding = new Float32Array(2048);
  // One untimed pass first: the first photos otherwise pay for JIT compilation and libvips start-up.
  const warmUp = await readAndHashPhotoFile(files[0]!, settings);
  await readPhotoExif(warmUp.bytes);
  // 'whole' is the station without its native pixel code: libvips decodes, TypeScript resizes.
  const inMode = async <T>(decoding: Decoding, work: () => Promise<T>): Promise<T> => {
    if (decoding === 'whole') process.env.INVASIVES_NATIVE_PIXELS = 'off';
    try {
      return await work();
    } finally {
      delete process.env.INVASIVES_NATIVE_PIXELS;
    }
  };
  for (const decoding of DECODINGS) {
    await inMode(decoding, async () => {
      const warm = await decode(warmUp.bytes, decoding);
      await thumbnailFromDecoded(warm, settings.thumbnailSize);
      for (let i = 0; i < 3; i++) preprocessDecoded(warm, pack.preprocessing);
    });
  }
  for (const file of files) {
    const { bytes, sha256 } = await timed((ms) => (costs.exact.readHash += ms), () => readAndHashPhotoFile(file, settings));
    const exif = await timed((ms) => (costs.exact.exif += ms), () => readPhotoExif(bytes));
    for (const decoding of DECODINGS) {
      await inMode(decoding, async () => {
        const decoded = await timed((ms) => (costs[decoding].decode += ms), () => decode(bytes, decoding));
        await timed((ms) => (costs[decoding].thumbnail += ms), () => thumbnailFromDecoded(decoded, settings.thumbnailSize));
        await timed((ms) => (costs[decoding].resize += ms), () => preprocessDecoded(decoded, pack.preprocessing));
      });
    }
    // The same writes as importOneFile makes for a new photo with a prediction.
    await timed((ms) => (costs.exact.sqlite += ms), () => library.transaction(() => {
      const photoId = library.photos.insert({
        format: 'jpeg', width: exif.width, height: exif.height, orientation: exif.orientation, capturedAt: exif.capturedAt,
        latitude: exif.latitude, longitude: exif.longitude, altitude: exif.altitude, cameraMake: exif.cameraMake, cameraModel: exif.cameraModel,
        exifWarning: exif.warning, sha256, byteSize: bytes.length, importId,
      });
      library.photos.recordPath(photoId, file, importId);
      library.predictions.save({ photoId, modelId, labels: pack.identity.labels, probabilities, embedding, topK: settings.topK });
      library.imports.markFileDone(importId, file, 'new', photoId);
    }));
  }
  library.close();
  // Read, EXIF and SQLite do not depend on the decoding: measured once, shown in every column.
  for (const decoding of DECODINGS) {
    if (decoding !== 'exact') Object.assign(costs[decoding], { readHash: costs.exact.readHash, exif: costs.exact.exif, sqlite: costs.exact.sqlite });
  }
  for (const decoding of DECODINGS) {
    for (const key of Object.keys(costs[decoding]) as (keyof StageCosts)[]) costs[decoding][key] = round(costs[decoding][key] / files.length);
  }
  return costs;
}

/**
 * Inference only as the station runs it during an import: its worker pool
 * (DEFAULT_INFERENCE_WORKERS x DEFAULT_THREADS_PER_WORKER), one photo per run, every worker
 * kept busy, inputs ready in advance.
 */
async function measurePoolInference(modelPath: string, photos = 16): Promise<OnnxInferenceFigures & { workers: number; threadsPerWorker: number }> {
  const workers = DEFAULT_INFERENCE_WORKERS;
  const pool = await InferenceWorkerPool.start({ modelPath, workers, threadsPerWorker: DEFAULT_THREADS_PER_WORKER, modelName: 'bench' });
  const input = () => Float32Array.from({ length: 299 * 299 * 3 }, (_, i) => Math.sin(i * 0.37) * 0.9);
  const drain = async (inputs: Float32Array[]) => {
    await Promise.all(Array.from({ length: workers }, async () => {
      for (let next = inputs.pop(); next; next = inputs.pop()) await pool.run(next, 1, 299, 299);
    }));
  };
  await drain(Array.from({ length: workers }, input));
  const inputs = Array.from({ length: photos }, input);
  const started = performance.now();
  const cpuStart = cpuMs();
  await drain(inputs);
  const ms = (performance.now() - started) / photos;
  const coreMs = (cpuMs() - cpuStart) / photos;
  await pool.close();
  return { msPerImage: round(ms), imagesPerSecond: round(1000 / ms, 2), coreMsPerImage: round(coreMs), batch4MsPerImage: Number.NaN, workers, threadsPerWorker: DEFAULT_THREADS_PER_WORKER };
}

interface ImportRun {
  photos: number;
  failed: number;
  seconds: number;
  photosPerSecond: number;
  coreMsPerPhoto: number;
  peakRssMb: number;
  rssSamples: { photos: number; rssMb: number; seconds: number }[];
}

/**
 * One import in a process of its own (bench/import-memory.ts), as `invasives import` runs it:
 * this process's TensorFlow.js Xception would otherwise sit in the importing heap and make
 * every garbage collection (one per few 36 MB frames) dearer than a station's.
 */
function importInOwnProcess(folder: string, onnxPath: string, decoding: Decoding, databasePath: string, progress = false): ImportRun {
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'import-memory.ts'), folder, onnxPath, String(pack.identity.labels.length), databasePath, resamplerOf(decoding), ...(progress ? ['--progress'] : [])], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24,
    env: decoding === 'whole' ? { ...process.env, INVASIVES_NATIVE_PIXELS: 'off' } : process.env,
  });
  if (child.status !== 0) throw new Error(`the ${decoding} import of ${folder} failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ImportRun;
}

function importRate(folder: string, onnxPath: string, decoding: Decoding) {
  const databasePath = path.join(work, `library-${decoding}-${path.basename(folder)}-${Date.now()}.sqlite`);
  const { photos, failed, seconds, photosPerSecond, coreMsPerPhoto, peakRssMb: importPeakRssMb } = importInOwnProcess(folder, onnxPath, decoding, databasePath);
  return { photos, failed, seconds, photosPerSecond, coreMsPerPhoto, importPeakRssMb };
}

const cell = (value: number | string | null | undefined, width = 10) => String(value ?? '—').padStart(width);

log(`Invasives Station pipeline benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
// Measured first: it leaves TensorFlow.js on its cpu backend, which building the pack needs.
const inference = ONLY_SCALE ? null : await measureXceptionRates();
if (ONLY_SCALE) await tf.setBackend('cpu');
const pack = xceptionPack();
// The bench pack's own compiled graph (30 classes): the one the end-to-end and scale runs use.
const packModel = await resolveOnnxModel(pack, path.join(work, 'onnx'));
const speed = inference ? await measureSpeed(inference) : null;

/** Parts 1-3: inference only, the stages, end to end; printed as they are measured. */
async function measureSpeed(inference: Awaited<ReturnType<typeof measureXceptionRates>>) {
  const fp32: OnnxInferenceFigures = await measureOnnxInference(packModel.path ?? packModel.bytes!);
  const fp32Pool = await measurePoolInference(packModel.path!);

  // ── INT8 ─────────────────────────────────────────────────────────────────────────────────────
  // The pack's FP32 graph quantised as `models add --int8` does (calibrated on 16 photos of
  // ../shared's flowers, or seeded noise without it; the agreement gate is off: random weights).
  const int8Path = path.join(work, 'onnx', 'xception-bench.int8.onnx');
  fs.mkdirSync(path.dirname(int8Path), { recursive: true });
  fs.writeFileSync(int8Path, await compileInt8Graph(packModel.path ?? packModel.bytes!, pack.preprocessing));
  const int8: OnnxInferenceFigures | null = await measureOnnxInference(int8Path);
  // ─────────────────────────────────────────────────────────────────────────────────────────────

  const cameraFolder = path.join(work, 'card-12mp');
  await writeCameraJpegs(cameraFolder, PHOTOS, 4000, 3000);
  const stages = await measureStages(cameraFolder, pack);
  const endToEndFolder = path.join(work, 'card-e2e');
  writeDistinctCopies(cameraFolder, endToEndFolder, E2E_PHOTOS);

  const endToEnd: Record<string, ReturnType<typeof importRate> & { fractionOfInferenceOnly: number; fractionOfPoolInferenceOnly: number }> = {};
  const runs: [string, Decoding, string | null, OnnxInferenceFigures | null][] = [
    ['fp32Exact', 'exact', null, fp32],
    ['fp32Whole', 'whole', null, fp32],
    ['fp32Fast', 'fast', null, fp32],
    ['int8Exact', 'exact', int8Path, int8],
    ['int8Whole', 'whole', int8Path, int8],
    ['int8Fast', 'fast', int8Path, int8],
  ];
  for (const [name, decoding, onnxPath, figures] of runs) {
    if (!figures || (name.startsWith('int8') && !onnxPath)) continue;
    const rate = importRate(endToEndFolder, onnxPath ?? packModel.path!, decoding);
    endToEnd[name] = { ...rate, fractionOfInferenceOnly: round(rate.photosPerSecond / figures.imagesPerSecond, 2), fractionOfPoolInferenceOnly: round(rate.photosPerSecond / (name.startsWith('int8') ? figures.imagesPerSecond : fp32Pool.imagesPerSecond), 2) };
  }

  const stageRows: [string, keyof StageCosts][] = [
    ['read + hash', 'readHash'], ['EXIF', 'exif'], ['decode', 'decode'], ['thumbnail', 'thumbnail'], ['resize + normalise', 'resize'], ['SQLite', 'sqlite'],
  ];
  const beforeInference = (d: Decoding) => round(stageRows.reduce((sum, [, key]) => sum + stages[d][key], 0));
  // One row: a label, then one cell per decoding.
  const row = (label: string, value: (d: Decoding) => number | string | null | undefined) => log(`${label.padEnd(34)}${DECODINGS.map((d) => cell(value(d), 12)).join('')}`);
  const same = (value: number | null | undefined) => () => value;
  const header = () => DECODINGS.map((d) => cell(d === 'exact' ? (jpegSamplerAvailable() ? 'exact' : 'exact (n/a)') : d === 'whole' ? 'exact whole' : 'fast', 12)).join('');
  log('');
  log(`Per photo, ${PHOTOS} × 12 MP JPEG (core-ms = CPU time of all threads; measured one stage at a time)`);
  log(`exact: JPEGs decoded to the samples read (native/jpeg-grid${jpegSamplerAvailable() ? '' : ', NOT BUILT HERE: decoded whole'}); exact whole: decoded whole by libvips (the fallback); fast: shrink-on-load`);
  log(`${'stage (core-ms per photo)'.padEnd(34)}${header()}`);
  for (const [label, key] of stageRows) row(label, (d) => stages[d][key]);
  row('everything but inference', beforeInference);
  row('inference FP32, 1 session x 2 thr', same(fp32.coreMsPerImage));
  row(`inference FP32, station ${fp32Pool.workers} x ${fp32Pool.threadsPerWorker} thr`, same(fp32Pool.coreMsPerImage));
  row('inference int8', same(int8?.coreMsPerImage));
  row('inference tfjs-wasm (1 thread)', same(inference.tfjsWasmCoreMsPerImage));
  log('');
  log(`${'rates (photos/s)'.padEnd(34)}${header()}`);
  row('inference only, FP32 1 x 2 thr', same(fp32.imagesPerSecond));
  row('inference only, FP32 station pool', same(fp32Pool.imagesPerSecond));
  row('inference only, int8', same(int8?.imagesPerSecond));
  row('inference only, tfjs-wasm', same(inference.tfjsWasmImagesPerSecond));
  const e2e = (precision: 'fp32' | 'int8', d: Decoding) => endToEnd[`${precision}${d[0]!.toUpperCase()}${d.slice(1)}`];
  row(`end to end (${E2E_PHOTOS} photos), FP32`, (d) => e2e('fp32', d)?.photosPerSecond);
  row('  % of FP32 1 x 2 thr (≥ 75)', (d) => pct(e2e('fp32', d)?.fractionOfInferenceOnly));
  row('  % of FP32 station pool (≥ 75)', (d) => pct(e2e('fp32', d)?.fractionOfPoolInferenceOnly));
  row('  core-ms per photo, all stages', (d) => e2e('fp32', d)?.coreMsPerPhoto);
  row('  peak RSS of the import (MB)', (d) => e2e('fp32', d)?.importPeakRssMb);
  row('end to end, int8 (≥ 6.5)', (d) => e2e('int8', d)?.photosPerSecond);
  row('  core-ms per photo, all stages', (d) => e2e('int8', d)?.coreMsPerPhoto);
  row('  times tfjs-wasm (FP32)', (d) => times(e2e('fp32', d)?.photosPerSecond));

  function pct(fraction: number | undefined): string | undefined {
    return fraction === undefined ? undefined : `${Math.round(fraction * 100)}%`;
  }
  function times(rate: number | undefined): string | undefined {
    return rate === undefined ? undefined : `${(rate / inference.tfjsWasmImagesPerSecond!).toFixed(1)}x`;
  }
  return { inference: { ...inference, fp32, fp32StationPool: fp32Pool, int8 }, stages, endToEnd };
}

let scale: Record<string, unknown> | null = null;
if (SCALE > 0) {
  const scaleFolder = path.join(work, 'card-scale');
  const width = Math.round(Math.sqrt((SCALE_MEGAPIXELS * 1e6 * 4) / 3));
  await writeDistinctCameraJpegs(scaleFolder, SCALE, width, Math.round((width * 3) / 4));
  // A process of its own: the import's memory, not this benchmark's models and compiler.
  const result = importInOwnProcess(scaleFolder, packModel.path!, 'exact', path.join(work, 'scale.sqlite'), true);
  scale = { megapixels: SCALE_MEGAPIXELS, ...result };
  log('');
  log(`Scale: ${SCALE} distinct ${SCALE_MEGAPIXELS} MP photos imported at ${result.photosPerSecond} photos/s in a process of its own; RSS ${result.rssSamples.map((s) => s.rssMb).join(' → ')} MB; peak ${result.peakRssMb} MB (target ≤ 1024 MB)`);
}

log(`Peak RSS of this run: ${peakRssMb()} MB`);
const report = {
  date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg(),
  photos: PHOTOS,
  endToEndPhotos: E2E_PHOTOS,
  inference: speed?.inference ?? null,
  stagesCoreMsPerPhoto: speed?.stages ?? null,
  endToEnd: speed?.endToEnd ?? null,
  scale,
  peakRssMb: peakRssMb(),
};
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
log(`Written ${outFile}`);
if (JSON_OUT) console.log(JSON.stringify(report, null, 2));
fs.rmSync(work, { recursive: true, force: true });
