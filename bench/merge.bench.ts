/**
 * Station merge at park scale: builds a library of N photos (metadata, a prediction with a
 * probability vector and a 2048-wide embedding each, a 320 px JPEG thumbnail each, a review on
 * every fifth, a hand placement on every tenth), writes it as a full station bundle and merges that bundle into an empty library.
 * Prints the time to write the bundle, to check it (checksum), to merge its records (one
 * transaction; target for 100,000 photos: under a minute) and to copy its thumbnails (target:
 * under three minutes), then merges it again (nothing changes).
 *
 * Run: node --import tsx bench/merge.bench.ts [N=100000]   (figures: .cache/bench/merge.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { Library } from '../main/core/library/index.js';
import { seededRandom } from '../main/core/seeded-random.js';
import { thumbnailCacheDir } from '../main/core/settings.js';
import { exportBundle } from '../main/core/stations/export-bundle.js';
import { importBundle } from '../main/core/stations/import-bundle.js';

const count = Number(process.argv[2] ?? 100_000);
const LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica', 'Arundo donax', 'Cortaderia selloana'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invasives-merge-bench-'));
const random = seededRandom(17);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

try {
  let started = performance.now();
  const source = Library.open(path.join(dir, 'field.sqlite'));
  const model = source.models.add({ name: 'Bench model', version: '1', contentHash: 'f'.repeat(64), format: 'onnx', sourcePath: '/bench', labels: LABELS, preprocessing: {} });
  const importId = source.imports.start('/bench', model.id);
  const thumbs = thumbnailCacheDir(source.databasePath);
  fs.mkdirSync(thumbs, { recursive: true });
  // One real 320 px thumbnail's bytes (blurred noise: about the size of a photo's), written under every photo's hash.
  const noise = Buffer.alloc(320 * 240 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
  const thumbnail = await sharp(noise, { raw: { width: 320, height: 240, channels: 3 } }).blur(1.2).jpeg({ quality: 80 }).toBuffer();
  const embedding = new Float32Array(2048);
  source.transaction(() => {
    for (let i = 0; i < count; i++) {
      const sha256 = createHash('sha256').update(`photo-${i}`).digest('hex');
      const id = source.photos.insert({
        sha256, byteSize: 3_000_000, importId, format: 'jpeg', width: 4000, height: 3000, orientation: 1,
        capturedAt: '2026-05-01T10:00:00', latitude: -33.9 + random() * 0.2, longitude: 18.3 + random() * 0.2,
        altitude: null, cameraMake: 'Bench', cameraModel: 'Cam', exifWarning: null,
      });
      const probabilities = new Float32Array(LABELS.length).map(() => random());
      for (let j = 0; j < embedding.length; j++) embedding[j] = random();
      source.predictions.save({ photoId: id, modelId: model.id, labels: LABELS, probabilities, embedding, topK: 3 });
      fs.writeFileSync(path.join(thumbs, `${sha256}.jpg`), thumbnail);
      if (i % 5 === 0) source.reviews.record({ photoId: id, decision: 'confirmed', species: LABELS[i % LABELS.length]!, reviewer: 'Bench' });
      // Placements are events too: a hand placement on every tenth photo.
      if (i % 10 === 0) source.positions.set(id, { latitude: -33.9 + random() * 0.2, longitude: 18.3 + random() * 0.2, source: 'manual', uncertaintyMetres: 25, by: 'Bench' });
    }
  });
  const buildMs = performance.now() - started;

  started = performance.now();
  const bundle = path.join(dir, 'field.bundle');
  const exported = await exportBundle(source, { out: bundle, full: true });
  const exportMs = performance.now() - started;
  source.close();

  const target = Library.open(path.join(dir, 'hq.sqlite'));
  const merged = await importBundle(target, bundle);
  const again = await importBundle(target, bundle);
  target.close();

  const figures = {
    photos: count,
    bundleMegabytes: Math.round(exported.bytes / 1024 ** 2),
    buildSeconds: buildMs / 1000,
    exportSeconds: exportMs / 1000,
    checkSeconds: merged.timings.checkMs / 1000,
    mergeRecordsSeconds: merged.timings.recordsMs / 1000,
    copyThumbnailsSeconds: merged.timings.thumbnailsMs / 1000,
    secondMergeRecordsSeconds: again.timings.recordsMs / 1000,
    added: merged.added,
    eventsNew: merged.eventsNew,
    secondMergeEventsNew: again.eventsNew,
    load: os.loadavg()[0],
  };
  console.log(`merge bench, ${count} photos (bundle ${figures.bundleMegabytes} MB; load average ${figures.load.toFixed(1)}):`);
  console.log(`  built library ${seconds(buildMs)}, wrote bundle ${seconds(exportMs)}`);
  console.log(`  check (checksum) ${seconds(merged.timings.checkMs)}, merge records ${seconds(merged.timings.recordsMs)} (target < 60 s at 100,000), copy thumbnails ${seconds(merged.timings.thumbnailsMs)} (target < 180 s)`);
  console.log(`  second merge of the same bundle: ${merged.eventsNew} → ${again.eventsNew} new events, records ${seconds(again.timings.recordsMs)}`);
  fs.mkdirSync('.cache/bench', { recursive: true });
  fs.writeFileSync('.cache/bench/merge.json', `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
