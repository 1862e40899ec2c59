/**
 * One import in a process of its own, run by pipeline.bench.ts for its end-to-end figures and
 * for `npm run bench -- --scale N`: imports a folder through a compiled ONNX model as
 * `invasives import` does (no TensorFlow.js, no compiler, no Keras graph in this process's
 * heap, so its garbage collections cost what a station's do), samples RSS along the way and
 * prints the result as JSON on standard output: photos/s, core-ms per photo (CPU time of
 * every thread of the process during the import), peak RSS.
 *
 * Arguments: <folder> <model.onnx> <classes> <library.sqlite> [exact|fast] [--progress]
 * (--progress: each RSS sample on standard error as it is taken)
 */
import { importFolder } from '../main/core/ingest/import-folder.js';
import { Library } from '../main/core/library/index.js';
import { resolveSettings } from '../main/core/settings.js';
import { createOnnxClassifier } from '../main/core/vision/inference/onnx-classifier.js';

const [folder, onnxPath, classes, databasePath, resamplerArgument = 'exact', progressArgument] = process.argv.slice(2);
const printProgress = progressArgument === '--progress';
if (!folder || !onnxPath || !classes || !databasePath || (resamplerArgument !== 'exact' && resamplerArgument !== 'fast')) {
  throw new Error('usage: import-memory.ts <folder> <model.onnx> <classes> <library.sqlite> [exact|fast] [--progress]');
}
const resampler: 'exact' | 'fast' = resamplerArgument;
const labels = Array.from({ length: Number(classes) }, (_, i) => `species ${i}`);
const settings = resolveSettings({ databasePath });
const library = Library.open(databasePath);
const classifier = await createOnnxClassifier(
  {
    identity: { name: 'Xception (seeded, bench)', version: '1', contentHash: 'bench-import-memory', format: 'onnx', sourcePath: onnxPath, labels, preprocessing: {} },
    preprocessing: { height: 299, width: 299, resize: 'stretch', meanRgb: [127.5, 127.5, 127.5], stdRgb: [1, 1, 1], mode: 'tf' },
  },
  { onnxPath, maxPixels: settings.maxImagePixels, resampler },
);
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);
const samples: { photos: number; rssMb: number; seconds: number }[] = [{ photos: 0, rssMb: rssMb(), seconds: 0 }];
const started = performance.now();
const cpuStart = cpuMs();
let total = 0;
let lastSample = 0;
const { summary } = await importFolder(library, folder, {
  settings,
  classifier,
  onProgress: (p) => {
    total = p.filesTotal;
    const every = Math.max(1, Math.floor(total / 20));
    if (p.filesDone - lastSample >= every) {
      lastSample = p.filesDone;
      const sample = { photos: p.filesDone, rssMb: rssMb(), seconds: Math.round((performance.now() - started) / 1000) };
      samples.push(sample);
      // As it goes, so that a run stopped before the end still tells its figures.
      if (printProgress) console.error(`import-memory: ${sample.photos}/${total} photos, ${sample.seconds} s, RSS ${sample.rssMb} MB, peak ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    }
  },
});
const seconds = (performance.now() - started) / 1000;
const coreMs = cpuMs() - cpuStart;
await classifier.close();
library.close();
console.log(JSON.stringify({
  resampler,
  photos: summary.photosNew,
  failed: summary.filesFailed,
  seconds: +seconds.toFixed(1),
  photosPerSecond: +(summary.photosNew / seconds).toFixed(2),
  coreMsPerPhoto: +(coreMs / Math.max(1, summary.photosNew)).toFixed(1),
  rssSamples: samples,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
