/**
 * Alert counts and refresh time on a big generated library: the UI runs the refresh after
 * every import and, debounced, after reviews and placements. Builds a synthetic library (N
 * photos spread over a park, a year, 6 classes, each with a probability vector and a 2048-wide
 * float16 embedding, as an Xception import stores them; 10% are photos of organisms the model
 * does not know: embeddings unlike every class), a park boundary, a baseline and a watch list.
 *
 * Then: the alerts without an open-set calibration (as before issue 11: every photo forced
 * into a species), and after calibrating the model (verdicts judged from the stored
 * embeddings): alerts by kind, the groups a ranger triages (species × zone/cell), and timings.
 *
 * Run: node --import tsx bench/alerts-refresh.bench.ts [N=20000]   (figures: .cache/bench/alerts.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { groupAlerts, rankingOf } from '../main/core/geo/alert-triage.js';
import { refreshAlerts } from '../main/core/geo/alerts.js';
import type { OpenSetCalibration } from '../main/core/learning/open-set.js';
import { ALERT_KINDS } from '../main/core/library/index.js';
import { seededRandom } from '../main/core/seeded-random.js';
import { DEFAULT_SETTINGS } from '../main/core/settings.js';
import { insertGeneratedPhotos, openBenchLibrary } from './generated-library.js';

const count = Number(process.argv[2] ?? 20_000);
const LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica', 'Arundo donax', 'Cortaderia selloana'];
const EMBEDDING_WIDTH = 2048;
const NOVEL_SHARE = 0.1;
const PARK = { west: 18.2, east: 18.6, south: -34.05, north: -33.75 };

const bench = openBenchLibrary('invasives-alerts-bench-', LABELS);
const { dir, library, modelId } = bench;
const figures: Record<string, unknown> = { photos: count, novelShare: NOVEL_SHARE, measured: new Date().toISOString(), cpus: os.cpus().length };
try {
  const random = seededRandom(11);
  const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const centroids = LABELS.map(() => Float32Array.from({ length: EMBEDDING_WIDTH }, gaussian));
  const built = performance.now();
  let novel = 0;
  const novelIds = new Set<number>();
  insertGeneratedPhotos(bench, {
    count,
    random,
    area: PARK,
    eachPhoto(photoId) {
      const isNovel = random() < NOVEL_SHARE;
      novel += isNovel ? 1 : 0;
      if (isNovel) novelIds.add(photoId);
      const species = Math.floor(random() * LABELS.length);
      // The model is fairly sure of its species, and forces the novel ones into one too.
      const probabilities = Float32Array.from(LABELS, (_, c) => (c === species ? 2 + random() * 4 : random()));
      const sum = probabilities.reduce((a, b) => a + b, 0);
      for (let c = 0; c < probabilities.length; c++) probabilities[c]! /= sum;
      const embedding = isNovel
        ? Float32Array.from({ length: EMBEDDING_WIDTH }, gaussian)
        : Float32Array.from(centroids[species]!, (value) => value + 0.6 * gaussian());
      library.predictions.save({ photoId, modelId, labels: LABELS, probabilities, embedding, topK: 5 });
    },
  });
  figures.novelPhotos = novel;
  console.log(`library of ${count} photos (${novel} of organisms the model does not know) built in ${((performance.now() - built) / 1000).toFixed(1)} s`);

  const parkFile = path.join(dir, 'park.geojson');
  fs.writeFileSync(parkFile, JSON.stringify({ type: 'Feature', properties: { name: 'park' }, geometry: { type: 'Polygon', coordinates: [[[PARK.west, PARK.south], [PARK.east, PARK.south], [PARK.east, PARK.north], [PARK.west, PARK.north], [PARK.west, PARK.south]]] } }));
  const { loadZonesFile } = await import('../main/core/geo/zones.js');
  loadZonesFile(library, parkFile, 'park');
  // Past records: 200 known places of three species; two species on the watch list.
  library.baseline.add(Array.from({ length: 200 }, (_, i) => ({ species: LABELS[i % 3]!, latitude: PARK.south + random() * 0.3, longitude: PARK.west + random() * 0.4, observedOn: '2020-01-01' })), null);
  library.speciesList.save([
    { species: LABELS[0]!, watchList: true, priority: 1, minScore: null, alertsOn: true, canOccur: true, note: null },
    { species: LABELS[1]!, watchList: true, priority: 2, minScore: null, alertsOn: true, canOccur: true, note: null },
  ], 'bench');

  const settings = DEFAULT_SETTINGS.geo;
  const report = (label: string) => {
    const alerts = library.alerts.list();
    const byKind = Object.fromEntries(ALERT_KINDS.map((kind) => [kind, alerts.filter((alert) => alert.kind === kind).length]));
    const groups = groupAlerts(alerts, rankingOf(settings.alertPriority, library.speciesList.list()));
    // Species alerts that rest only on photos of organisms the model does not know: false alarms.
    const onlyNovel = alerts.filter((alert) => alert.kind !== 'unknown-organism' && alert.photoIds.every((id) => novelIds.has(id))).length;
    console.log(`${label}: ${alerts.length} alerts in ${groups.length} groups (species x zone/cell); by kind ${JSON.stringify(byKind)}; species alerts resting only on unknown organisms: ${onlyNovel}`);
    return { alerts: alerts.length, groups: groups.length, byKind, speciesAlertsOnUnknownOrganismsOnly: onlyNovel };
  };
  const time = (run: string) => {
    const started = performance.now();
    const result = refreshAlerts(library, settings);
    const ms = Math.round(performance.now() - started);
    console.log(`refreshAlerts (${run}): ${ms} ms, ${result.raised.length} raised, ${result.withdrawn} withdrawn, ${result.open} open, ${result.observations} observations`);
    return ms;
  };

  const uncalibratedMs = time('no calibration, cold');
  figures.withoutOpenSet = report('without an open-set calibration (every photo forced into a species)');

  // Calibrate on known-species photos' vectors, as `models calibrate` does, and judge the stored predictions.
  const calibration: OpenSetCalibration = {
    method: 'nearest-centroid-cosine',
    quantile: 0.95,
    distanceThreshold: 0,
    probabilityThreshold: 0,
    centroids: centroids.map((c) => { const n = Math.hypot(...c); return Array.from(c, (v) => v / n); }),
    calibratedOn: 'validation',
    flaggedCount: 0,
    calibrationCount: 0,
  };
  // Distance threshold: the 97.5th percentile of known photos' distances, as calibrateOpenSet sets it.
  const { nearestCentroid } = await import('../main/core/learning/open-set.js');
  const knownDistances: number[] = [];
  for (let id = 1; id <= Math.min(count, 2000); id++) {
    const vectors = library.predictions.vectorsOf(id, modelId)!;
    const { distance } = nearestCentroid(vectors.embedding!, calibration.centroids);
    if (distance < 0.6) knownDistances.push(distance);
  }
  knownDistances.sort((a, b) => a - b);
  calibration.distanceThreshold = knownDistances[Math.floor(knownDistances.length * 0.975)]!;
  calibration.probabilityThreshold = 0.2;
  library.calibrations.set(modelId, 'library', calibration);
  const judgeStarted = performance.now();
  library.predictions.rejudgeModel(modelId);
  figures.judgeMs = Math.round(performance.now() - judgeStarted);
  figures.unknownPhotos = library.photos.count({ unknown: true });
  console.log(`judged ${count} stored predictions in ${figures.judgeMs} ms: ${figures.unknownPhotos} unknown`);

  const coldMs = time('calibrated, cold');
  const warmMs = time('calibrated, warm');
  figures.withOpenSet = report('with the open set (unknowns raise one alert per cell and 30 days)');
  figures.refreshMs = { uncalibratedCold: uncalibratedMs, calibratedCold: coldMs, calibratedWarm: warmMs };
  fs.mkdirSync('.cache/bench', { recursive: true });
  fs.writeFileSync('.cache/bench/alerts.json', `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  bench.dispose();
}
