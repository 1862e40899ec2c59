import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StationError } from '../core/errors.js';
import { writeCsvExport } from '../core/geo/export-csv.js';
import { writeGeoJsonExport } from '../core/geo/export-geojson.js';
import type { ExportCounts } from '../core/geo/export-record.js';
import type { Library, NewReview, PhotoQuery, PhotoSummary } from '../core/library/index.js';
import type { Settings } from '../core/settings.js';
import type { BasemapLibrary } from '../core/basemaps/basemap-library.js';
import { addModelToLibrary } from '../core/vision/open-classifier.js';
import { type UnknownVerdict, modelVersions, readTrainingReport } from '../core/learning/index.js';
import { wikipediaArticleUrl } from './species-links.js';
import { loadZonesFile } from '../core/geo/zones.js';
import type { AlertsRefresher } from './alerts-refresher.js';
import {
  type CallName,
  type ClassInfo,
  type CallOutcome,
  type CallParsedArgs,
  type CallResult,
  type ExportResult,
  type MapPoint,
  type PhotoFilter,
  isCallName,
  parseCallArgs,
} from './contract.js';
import type { EventBus } from './events.js';
import { toApiError } from './api-error.js';
import type { StationBackups } from './station-backups.js';
import type { JobRunner } from './job-runner.js';
import { createStationHandlers, deciderOf } from './station-handlers.js';
import { importBundle } from '../core/stations/import-bundle.js';
import { mergeLibraryFile } from '../core/stations/merge-library.js';
import { reviewConflicts } from '../core/stations/conflicts.js';

/** One function per call of the contract; each receives arguments already validated by the router. */
export type Handlers = { [K in CallName]: (args: CallParsedArgs<K>) => Promise<CallResult<K>> | CallResult<K> };

export interface HandlerContext {
  library: Library;
  settings: Settings;
  events: EventBus;
  jobs: JobRunner;
  alerts: AlertsRefresher;
  backups: StationBackups;
  pickFolder?: () => Promise<string | null>;
  pickGeoJsonFile?: () => Promise<string | null>;
  basemaps: BasemapLibrary;
}

function toQuery(filter: PhotoFilter, page?: { offset: number; limit: number }): PhotoQuery {
  return { ...filter, ...page };
}

function requirePhoto(library: Library, photoId: number) {
  const photo = library.photos.get(photoId);
  if (!photo) throw new StationError('NOT_FOUND', `Photo ${photoId} is not in the library (it may have been removed); reload the list.`);
  return photo;
}

/** The prediction's top 5 with the model pack's info text and a Wikipedia link per class. */
function classesOf(library: Library, photo: PhotoSummary): ClassInfo[] {
  if (!photo.prediction) return [];
  const model = library.models.get(photo.prediction.modelId);
  return photo.prediction.topK.map(({ label, probability }) => {
    const index = model?.labels.indexOf(label) ?? -1;
    return { label, probability, info: index >= 0 ? (model?.labelInfo?.[index] ?? null) : null, wikipediaUrl: wikipediaArticleUrl(label) };
  });
}

/** The open-set verdict stored with the current prediction; null when its model was not calibrated. */
function openSetVerdict(photo: PhotoSummary): UnknownVerdict | null {
  const stored = photo.prediction?.openSet;
  return stored ? { ...stored, basis: stored.basis as UnknownVerdict['basis'] } : null;
}

type ExportWriter = (library: Library, query: PhotoQuery, outPath: string) => Promise<ExportCounts>;

async function runExport(library: Library, write: ExportWriter, filter: PhotoFilter, outPath: string | undefined, extension: string): Promise<ExportResult> {
  const query = toQuery(filter);
  if (outPath) {
    if (!path.isAbsolute(outPath)) throw new StationError('INVALID_ARGUMENT', `Export path "${outPath}" is not absolute; choose a full path such as /home/ranger/export${extension}.`);
    const counts = await write(library, query, outPath);
    return { count: counts.written, leftOut: counts.leftOut, text: null, outPath };
  }
  // Text mode (the browser downloads it): write to a private temp file, read it back.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'invasives-export-'));
  try {
    const file = path.join(dir, `export${extension}`);
    const counts = await write(library, query, file);
    const text = await fs.readFile(file, 'utf8');
    return { count: counts.written, leftOut: counts.leftOut, text, outPath: null };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function requireAlert(library: Library, alertId: number) {
  if (!library.alerts.get(alertId)) throw new StationError('NOT_FOUND', `Alert ${alertId} is not in the library (a refresh may have withdrawn it); reload the alerts.`);
}

export function createHandlers({ library, settings, events, jobs, alerts, backups, pickFolder, pickGeoJsonFile, basemaps }: HandlerContext): Handlers {
  const changed = (reason: string) => events.emit('library:changed', { reason });
  return {
    'photos:list': ({ filter, offset, limit }) => ({
      photos: library.photos.query(toQuery(filter, { offset, limit })),
      total: library.photos.count(toQuery(filter)),
      offset,
    }),
    'photos:count': ({ filter }) => library.photos.count(toQuery(filter)),
    'photos:get': ({ id }) => {
      const photo = requirePhoto(library, id);
      return {
        ...photo,
        paths: library.photos.paths(id),
        predictions: library.predictions.forPhoto(id),
        history: library.reviews.historyOf(id),
        classes: classesOf(library, photo),
        openSet: openSetVerdict(photo),
      };
    },
    'photos:filters': () => ({ cameras: library.photos.cameras(), imports: library.imports.list() }),
    'map:points': ({ filter }) => {
      const points: MapPoint[] = [];
      for (const photo of library.photos.iterate(toQuery({ ...filter, hasGps: true }))) {
        points.push({
          id: photo.id,
          lat: photo.latitude!,
          lon: photo.longitude!,
          species: photo.species,
          confirmed: photo.status === 'confirmed' || photo.status === 'corrected',
          unknown: photo.status !== 'confirmed' && photo.status !== 'corrected' && photo.prediction?.openSet?.unknown === true,
        });
      }
      return points;
    },
    'reviews:record': ({ photoId, decision, species, note, ranger }) => {
      const photo = requirePhoto(library, photoId);
      // Confirming without naming the species vouches for the model's top prediction.
      const vouched = species ?? (decision === 'confirmed' ? photo.prediction?.label : undefined);
      if (decision === 'confirmed' && !vouched) {
        throw new StationError('INVALID_ARGUMENT', `Photo ${photoId} has no prediction to confirm; choose its species with "correct" instead.`);
      }
      const { by, station } = deciderOf(library, ranger);
      library.reviews.record({ photoId, decision, species: vouched ?? null, note: note ?? null, reviewer: by, station });
      alerts.schedule();
      return requirePhoto(library, photoId);
    },
    'reviews:bulk': ({ photoIds, decision, species, ranger }) => {
      const { by, station } = deciderOf(library, ranger);
      const reviews: NewReview[] = photoIds.map((photoId) => {
        const photo = requirePhoto(library, photoId);
        const vouched = species ?? (decision === 'confirmed' ? photo.prediction?.label : undefined);
        if (decision === 'confirmed' && !vouched) {
          throw new StationError('INVALID_ARGUMENT', `Photo ${photoId} has no prediction to confirm; nothing was recorded. Deselect it or correct it on its own.`);
        }
        return { photoId, decision, species: vouched ?? null, reviewer: by, station };
      });
      const count = library.reviews.recordMany(reviews).length;
      alerts.schedule();
      changed('bulk review');
      return { count };
    },
    'reviews:undo': ({ photoId }) => {
      requirePhoto(library, photoId);
      library.reviews.undoLatest(photoId);
      alerts.schedule();
      return requirePhoto(library, photoId);
    },
    'species:list': () => {
      const modelLabels = library.models.active()?.labels ?? [];
      const reviewed = library.reviews.speciesNames();
      const all = [...new Set([...modelLabels, ...reviewed])].sort((a, b) => a.localeCompare(b));
      return { modelLabels, reviewed, all };
    },
    'species:summary': ({ filter }) => library.speciesSummary(toQuery(filter)),
    'import:pickFolder': async () => ({ path: pickFolder ? await pickFolder() : null }),
    'import:start': ({ rootPath }) => jobs.startImport(rootPath),
    'import:cancel': () => jobs.cancel(),
    'import:status': () => jobs.status(),
    'imports:list': () => library.imports.list(),
    'imports:errors': ({ importId }) => {
      if (!library.imports.get(importId)) throw new StationError('NOT_FOUND', `Import ${importId} is not in the library.`);
      return library.imports.errors(importId);
    },
    'export:csv': async ({ filter, outPath }) => {
      return runExport(library, writeCsvExport, filter, outPath, '.csv');
    },
    'export:geojson': async ({ filter, outPath }) => {
      return runExport(library, writeGeoJsonExport, filter, outPath, '.geojson');
    },
    'models:list': () => library.models.list(),
    'models:use': ({ modelId }) => {
      if (!library.models.get(modelId)) throw new StationError('MODEL_NOT_FOUND', `Model ${modelId} is not in the library; add its model pack first.`);
      library.models.setActive(modelId);
      changed('active model');
      return library.models.get(modelId)!;
    },
    'models:add': async ({ packPath, timestamp, activate }) => {
      const model = await addModelToLibrary(library, packPath, { timestamp, activate, settings });
      changed('model added');
      return model;
    },
    'models:reclassify': () => jobs.startReclassify(),
    'stats:get': () => library.stats(),
    ...createStationHandlers(library, settings, alerts, changed),
    'alerts:counts': () => alerts.counts(),
    'alerts:acknowledge': ({ alertId, ranger }) => {
      requireAlert(library, alertId);
      const alert = library.alerts.acknowledge(alertId, deciderOf(library, ranger));
      alerts.announceStateChange();
      return alert;
    },
    'alerts:dismiss': ({ alertId, reason, ranger }) => {
      requireAlert(library, alertId);
      const alert = library.alerts.dismiss(alertId, reason, deciderOf(library, ranger));
      alerts.announceStateChange();
      return alert;
    },
    'alerts:reopen': ({ alertId, ranger }) => {
      requireAlert(library, alertId);
      const alert = library.alerts.reopen(alertId, deciderOf(library, ranger));
      alerts.announceStateChange();
      return alert;
    },
    'alerts:refresh': () => alerts.refreshNow(),
    'zones:list': () => library.zones.list(),
    'zones:load': ({ path: zonesPath, kind, nameProperty }) => {
      if (!path.isAbsolute(zonesPath)) {
        throw new StationError('INVALID_ARGUMENT', `Zones file "${zonesPath}" is not a full path; give one such as /home/ranger/zones.geojson.`);
      }
      const zones = loadZonesFile(library, zonesPath, kind, nameProperty);
      alerts.refreshNow();
      changed('zones loaded');
      return zones;
    },
    'zones:pickFile': async () => ({ path: pickGeoJsonFile ? await pickGeoJsonFile() : null }),
    'photos:place': ({ photoId, latitude, longitude, uncertaintyMetres }) => {
      requirePhoto(library, photoId);
      library.positions.set(photoId, { latitude, longitude, source: 'manual', detail: 'placed by hand on the map', uncertaintyMetres });
      alerts.schedule();
      changed('photo placed');
      return requirePhoto(library, photoId);
    },
    'training:start': (options) => jobs.startTraining(options),
    'training:versions': () => modelVersions(library),
    'training:report': ({ modelId }) => {
      const model = library.models.get(modelId);
      if (!model) throw new StationError('MODEL_NOT_FOUND', `Model ${modelId} is not in the library.`);
      return readTrainingReport(model);
    },
    'backups:list': () => backups.list(),
    'backups:create': () => backups.create(),
    'backups:restore': ({ name }) => backups.restore(name),
    'stations:overview': () => ({
      stationId: library.events.stationId,
      peers: library.stationSync.peers(),
      bundlesReceived: library.stationSync.bundlesReceived(),
      conflicts: reviewConflicts(library),
    }),
    'stations:import': async ({ path: file }) => {
      const summary = /\.(sqlite|db)$/i.test(file) ? await mergeLibraryFile(library, file) : await importBundle(library, file);
      if (!summary.sameLibrary) {
        alerts.refreshNow();
        changed('stations merged');
      }
      return summary;
    },
    'photos:unplace': ({ photoId }) => {
      requirePhoto(library, photoId);
      library.positions.clear(photoId);
      alerts.schedule();
      changed('photo position removed');
      return requirePhoto(library, photoId);
    },
    'basemaps:list': () => basemaps.list(),
    'basemaps:add': ({ path: file, name }) => basemaps.add(file, name),
    'basemaps:remove': ({ basemapId }) => basemaps.remove(basemapId),
  };
}

/** Either transport's entry point: checks the call name, validates the arguments, runs the handler, wraps the outcome. */
export type Dispatch = (name: string, rawArgs: unknown) => Promise<CallOutcome<CallName>>;

export function createDispatcher(handlers: Handlers, onInternalError?: (name: string, error: unknown) => void): Dispatch {
  return async (name, rawArgs) => {
    if (!isCallName(name)) return { ok: false, error: { code: 'UNKNOWN_CALL', message: `There is no API call named "${name}".` } };
    const parsed = parseCallArgs(name, rawArgs);
    if (!parsed.ok) return parsed;
    try {
      const handler = handlers[name] as (args: unknown) => unknown;
      return { ok: true, value: (await handler(parsed.args)) as CallResult<CallName> };
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === 'INTERNAL') onInternalError?.(name, error);
      return { ok: false, error: apiError };
    }
  };
}
