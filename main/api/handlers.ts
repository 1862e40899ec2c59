import fs from 'node:fs/promises';
import path from 'node:path';
import { StationError } from '../core/errors.js';
import { isUnderPseudoFileSystem } from '../core/regular-file.js';
import { backupLibrary, defaultBackupName } from '../core/backup/library-backup.js';
import { writeCsvExport } from '../core/geo/export-csv.js';
import { readDatasetMetadata, updateDatasetMetadata } from '../core/geo/dataset-metadata.js';
import { writeDarwinCoreArchive } from '../core/geo/export-dwca.js';
import { writeGeoJsonExport } from '../core/geo/export-geojson.js';
import type { ExportCounts } from '../core/geo/export-record.js';
import type { Library, NewReview, PhotoQuery, PhotoSummary } from '../core/library/index.js';
import type { Settings } from '../core/settings.js';
import type { BasemapLibrary } from '../core/basemaps/basemap-library.js';
import { addModelToLibrary } from '../core/vision/open-classifier.js';
import { type UnknownVerdict, modelVersions, readTrainingReport } from '../core/learning/index.js';
import { wikipediaArticleUrl } from './species-links.js';
import { parseZonesGeoJson } from '../core/geo/zones.js';
import { readTextFileAsync } from '../core/geo/read-text-file.js';
import { addBaselineText } from '../core/geo/baseline.js';
import { parseUtcOffset } from '../core/geo/capture-time.js';
import { parseGpxTrack, placePhotosOnTrack } from '../core/geo/gpx.js';
import type { FileTransfers } from './file-transfers.js';
import type { AlertsRefresher } from './alerts-refresher.js';
import {
  type CallName,
  type ClassInfo,
  type CallOutcome,
  type CallParsedArgs,
  type CallResult,
  type ExportResult,
  INPUT_PURPOSES,
  type InputFile,
  type InputPurpose,
  type MapPoint,
  type PhotoFilter,
  isCallName,
  parseCallArgs,
} from './contract.js';
import type { EventBus } from './events.js';
import { toApiError } from './api-error.js';
import type { StationBackups } from './station-backups.js';
import type { JobRunner } from './job-runner.js';
import { createSiteHandlers } from './site-handlers.js';
import { exportSites } from './site-exports.js';
import { createStationHandlers, deciderOf } from './station-handlers.js';
import { importBundle } from '../core/stations/import-bundle.js';
import { mergeLibraryFile } from '../core/stations/merge-library.js';
import { placementConflicts, reviewConflicts } from '../core/stations/conflicts.js';
import { mergeInWorker } from '../core/stations/merge-in-worker.js';
import { decisionMaker } from '../core/station-settings.js';
import { createIntakeHandlers } from './intake-handlers.js';

/** One function per call of the contract; each receives arguments already validated by the router. */
export type Handlers = { [K in CallName]: (args: CallParsedArgs<K>) => Promise<CallResult<K>> | CallResult<K> };

export interface HandlerContext {
  library: Library;
  settings: Settings;
  events: EventBus;
  jobs: JobRunner;
  alerts: AlertsRefresher;
  backups: StationBackups;
  basemaps: BasemapLibrary;
  /** Files crossing the UI boundary (uploads, dialog choices, exports waiting for download). */
  transfers: FileTransfers;
  /** The transport's native dialogs (Electron's main process); absent in the browser. */
  dialogs?: NativeDialogs;
  /** Whether the page may type a folder to import (browser: yes, read-only input; Electron: the dialog only). */
  typedImportFolders: boolean;
}

/** Native open/save dialogs, run by the transport (never by the page); each returns the chosen path or null. */
export interface NativeDialogs {
  chooseInput(purpose: InputPurpose, folder: boolean): Promise<string | null>;
  /** A save destination; the dialog itself asks before replacing an existing file. */
  chooseSaveDestination(suggestedName: string, contentType: string): Promise<string | null>;
}

function toQuery(filter: PhotoFilter, page?: { offset?: number; limit?: number; orderAsOf?: string }): PhotoQuery {
  return { ...filter, ...page };
}

/** A photo as a point of the map (its position is known). */
function toMapPoint(photo: PhotoSummary): MapPoint {
  return {
    id: photo.id,
    lat: photo.latitude!,
    lon: photo.longitude!,
    species: photo.species,
    confirmed: photo.status === 'confirmed' || photo.status === 'corrected',
    unknown: photo.status !== 'confirmed' && photo.status !== 'corrected' && photo.prediction?.openSet?.unknown === true,
  };
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

/** Writes an export to a private temporary file; the page gets its id to download or save it. */
async function runExport(library: Library, transfers: FileTransfers, write: ExportWriter, filter: PhotoFilter, extension: string, contentType: string): Promise<ExportResult> {
  const stamp = new Date().toISOString().slice(0, 10);
  const { file, result } = await transfers.createOutput(`invasives-${stamp}${extension}`, contentType, (target) => write(library, toQuery(filter), target));
  return { count: result.written, leftOut: result.leftOut, file };
}

/** A folder to import must hold the user's photos: /proc, /sys and /dev hold kernel state (reads of some never end). */
async function importableFolder(rootPath: string): Promise<string> {
  const resolved = path.resolve(rootPath);
  const real = await fs.realpath(resolved).catch(() => resolved);
  if (isUnderPseudoFileSystem(resolved) || isUnderPseudoFileSystem(real)) {
    throw new StationError('NOT_A_FOLDER', `${resolved} is a system folder, not photos; choose the memory card or the folder that holds the photos.`);
  }
  return resolved;
}

async function registerChosen(transfers: FileTransfers, chosen: string | null, purpose: InputPurpose): Promise<InputFile | null> {
  if (!chosen) return null;
  const stat = await fs.stat(chosen);
  return transfers.registerChosen(chosen, purpose, { isDirectory: stat.isDirectory(), bytes: stat.isDirectory() ? 0 : stat.size });
}

function requireAlert(library: Library, alertId: number) {
  if (!library.alerts.get(alertId)) throw new StationError('NOT_FOUND', `Alert ${alertId} is not in the library (a refresh may have withdrawn it); reload the alerts.`);
}

export function createHandlers({ library, settings, events, jobs, alerts, backups, basemaps, transfers, dialogs, typedImportFolders }: HandlerContext): Handlers {
  const changed = (reason: string) => events.emit('library:changed', { reason });
  const stationHandlers = createStationHandlers(library, settings, alerts, changed);
  return {
    'photos:list': ({ filter, offset, limit, orderAsOf }) => ({
      photos: library.photos.query(toQuery(filter, { offset, limit, orderAsOf })),
      total: library.photos.count(toQuery(filter, { orderAsOf })),
      offset,
    }),
    'photos:position': ({ filter, photoId, orderAsOf }) => {
      const query = toQuery(filter, { orderAsOf });
      return { index: library.photos.positionOf(query, photoId), total: library.photos.count(query) };
    },
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
    'map:points': ({ filter }) => [...library.photos.iterate(toQuery({ ...filter, hasGps: true }))].map(toMapPoint),
    'map:nearby': ({ photoId, radiusM, limit }) => {
      const photo = requirePhoto(library, photoId);
      if (photo.latitude === null || photo.longitude === null) return [];
      const dLat = radiusM / 111_320;
      const dLon = radiusM / (111_320 * Math.max(0.01, Math.cos((photo.latitude * Math.PI) / 180)));
      const within = { south: photo.latitude - dLat, north: photo.latitude + dLat, west: photo.longitude - dLon, east: photo.longitude + dLon };
      return library.photos.query({ within, order: 'added', limit, offset: 0 }).map(toMapPoint);
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
    'reviews:undoMany': ({ photoIds }) => {
      for (const photoId of photoIds) requirePhoto(library, photoId);
      const count = library.reviews.undoLatestOfMany(photoIds);
      alerts.schedule();
      changed('bulk undo');
      return { count };
    },
    'species:list': () => {
      const modelLabels = library.models.active()?.labels ?? [];
      const reviewed = library.reviews.speciesNames();
      const all = [...new Set([...modelLabels, ...reviewed])].sort((a, b) => a.localeCompare(b));
      return { modelLabels, reviewed, all };
    },
    'species:summary': ({ filter }) => library.speciesSummary(toQuery(filter)),
    'import:pickFolder': async () => (dialogs ? registerChosen(transfers, await dialogs.chooseInput('photo-folder', true), 'photo-folder') : null),
    'import:start': async ({ rootPath, folder, importId }) => {
      if (folder) return transfers.useInput(folder, 'photo-folder', async (chosen) => jobs.startImport(await importableFolder(chosen)));
      if (importId) {
        const previous = library.imports.get(importId);
        if (!previous) throw new StationError('NOT_FOUND', `Import ${importId} is not in the library; reload the list of imports.`);
        return jobs.startImport(await importableFolder(previous.rootPath));
      }
      if (!typedImportFolders) throw new StationError('INVALID_ARGUMENT', 'Choose the folder with the Browse… button (this window takes no typed paths).');
      return jobs.startImport(await importableFolder(rootPath!));
    },
    'import:cancel': () => jobs.cancel(),
    'import:status': () => jobs.status(),
    'imports:list': () => library.imports.list(),
    'imports:errors': ({ importId }) => {
      if (!library.imports.get(importId)) throw new StationError('NOT_FOUND', `Import ${importId} is not in the library.`);
      return library.imports.errors(importId);
    },
    'export:csv': ({ filter }) => runExport(library, transfers, writeCsvExport, filter, '.csv', 'text/csv; charset=utf-8'),
    'export:geojson': ({ filter }) => runExport(library, transfers, writeGeoJsonExport, filter, '.geojson', 'application/geo+json'),
    'export:dwca': async ({ withPhotos, confirmedOnly, recordedBy }) => {
      const stamp = new Date().toISOString().slice(0, 10);
      const { file, result } = await transfers.createOutput(`invasives-${stamp}-dwca.zip`, 'application/zip', (target) =>
        writeDarwinCoreArchive(library, settings.geo, target, { withPhotos, confirmedOnly, recordedBy, maxImagePixels: settings.maxImagePixels }),
      );
      return { count: result.written, leftOut: result.leftOut, file };
    },
    'dataset:get': () => readDatasetMetadata(library),
    'dataset:set': (changes) => updateDatasetMetadata(library, changes),
    'models:list': () => library.models.list(),
    'models:use': ({ modelId }) => {
      if (!library.models.get(modelId)) throw new StationError('MODEL_NOT_FOUND', `Model ${modelId} is not in the library; add its model pack first.`);
      library.models.setActive(modelId);
      changed('active model');
      return library.models.get(modelId)!;
    },
    'models:add': async ({ file, timestamp, activate }) => {
      const model = await transfers.useInput(file, 'model-pack', (packPath, name, uploaded) =>
        // Recorded as a job: a backend that stops while compiling reports it as failed after its restart.
        jobs.recorded('compile', name, () =>
          // An upload is removed after this call: the library records the name it was uploaded as.
          addModelToLibrary(library, packPath, { timestamp, activate, settings, sourceName: uploaded ? `${name} (uploaded)` : undefined }),
        ),
      );
      changed('model added');
      return model;
    },
    'models:reclassify': () => jobs.startReclassify(),
    'stats:get': () => library.stats(),
    ...stationHandlers,
    ...createIntakeHandlers(library, settings, jobs, alerts, changed, {
      useInput: (handle, use) => transfers.useInput(handle, 'intake', (filePath, name) => use(filePath, name)),
      typedFolders: typedImportFolders,
    }),
    // A labelled folder to calibrate from is read-only input like a folder to import: typed in
    // the browser, chosen in the folder dialog (by handle) in the app, never a system folder.
    'models:calibrate': async ({ folder, fromFolder, ...rest }) => {
      if (folder) {
        return transfers.useInput(folder, 'photo-folder', async (chosen) => stationHandlers['models:calibrate']({ ...rest, fromFolder: await importableFolder(chosen) }));
      }
      if (fromFolder !== undefined) {
        if (!typedImportFolders) throw new StationError('INVALID_ARGUMENT', 'Choose the labelled folder with the Browse… button (this window takes no typed paths).');
        await importableFolder(fromFolder);
      }
      return stationHandlers['models:calibrate']({ ...rest, fromFolder });
    },
    ...createSiteHandlers(library, alerts, changed),
    'sites:export': (request) => exportSites(library, transfers, request),
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
    'zones:load': async ({ file, kind, nameProperty }) => {
      const zones = await transfers.useInput(file, 'zones', async (zonesPath, name) => {
        const { text } = await readTextFileAsync(zonesPath, INPUT_PURPOSES.zones.description);
        // Messages and the stored source name the file as the user knows it, not the private upload folder.
        return library.zones.replace(kind, parseZonesGeoJson(text, name, kind, nameProperty), name);
      });
      alerts.refreshNow();
      changed('zones loaded');
      return zones;
    },
    'baseline:load': async ({ file }) => {
      const counts = await transfers.useInput(file, 'baseline', async (baselinePath, name) => {
        const { text } = await readTextFileAsync(baselinePath, INPUT_PURPOSES.baseline.description);
        return addBaselineText(library, text, name);
      });
      alerts.refreshNow();
      changed('baseline loaded');
      return counts;
    },
    'gpx:match': async ({ file, utcOffset, clockOffsetSeconds, overwrite }) => {
      const report = await transfers.useInput(file, 'gpx', async (gpxPath, name) => {
        const { text } = await readTextFileAsync(gpxPath, INPUT_PURPOSES.gpx.description);
        return placePhotosOnTrack(library, parseGpxTrack(text, name), name, settings.geo, {
          offsetMinutes: utcOffset === undefined ? null : parseUtcOffset(utcOffset),
          clockOffsetSeconds,
          overwrite,
        });
      });
      alerts.schedule();
      changed('photos placed by GPX');
      return report;
    },
    'files:pick': async ({ purpose, folder }) => (dialogs ? registerChosen(transfers, await dialogs.chooseInput(purpose, folder), purpose) : null),
    'files:save': async ({ fileId }) => {
      const output = transfers.peekOutput(fileId);
      if (!output) throw new StationError('NOT_FOUND', 'That export is no longer waiting to be saved; export it again.');
      if (!dialogs) throw new StationError('INVALID_ARGUMENT', 'The browser saves exports as downloads; use the download link.');
      const destination = await dialogs.chooseSaveDestination(output.name, output.contentType);
      if (!destination) return { saved: false };
      await transfers.saveOutput(fileId, destination);
      return { saved: true };
    },
    'photos:place': ({ photoId, latitude, longitude, uncertaintyMetres, ranger }) => {
      requirePhoto(library, photoId);
      const maker = decisionMaker(library, ranger);
      library.positions.set(photoId, { latitude, longitude, source: 'manual', detail: 'placed by hand on the map', uncertaintyMetres, by: maker.ranger, station: maker.station });
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
    'backups:download': async () => {
      const { file, result } = await transfers.createOutput(defaultBackupName(), 'application/gzip', (target) => backupLibrary(library, target));
      return { file, photos: result.photos };
    },
    'backups:restoreFile': ({ file }) => transfers.useInput(file, 'backup', (backupPath) => backups.restoreFile(backupPath)),
    'stations:overview': () => ({
      stationId: library.events.stationId,
      peers: library.stationSync.peers(),
      bundlesReceived: library.stationSync.bundlesReceived(),
      conflicts: reviewConflicts(library),
      placementConflicts: placementConflicts(library),
    }),
    'stations:import': async ({ file }) => {
      const summary = await transfers.useInput(file, 'station-bundle', (filePath, name) =>
        /\.(sqlite|db)$/i.test(name) ? mergeLibraryFile(library, filePath) : importBundle(library, filePath, { label: name }),
      );
      if (!summary.sameLibrary) {
        alerts.refreshNow();
        changed('stations merged');
      }
      return summary;
    },
    'stations:merge': ({ file }) => {
      const name = transfers.inputName(file, 'station-bundle');
      return jobs.startMerge(name, (onProgress) =>
        transfers.useInput(file, 'station-bundle', (filePath) =>
          mergeInWorker({ databasePath: library.databasePath, file: filePath, kind: /\.(sqlite|db)$/i.test(name) ? 'library' : 'bundle', label: name, onProgress }),
        ),
      );
    },
    'photos:unplace': ({ photoId, ranger }) => {
      requirePhoto(library, photoId);
      library.positions.clear(photoId, decisionMaker(library, ranger).ranger);
      alerts.schedule();
      changed('photo position removed');
      return requirePhoto(library, photoId);
    },
    'basemaps:list': () => basemaps.list(),
    'basemaps:add': ({ file, name }) => transfers.useInput(file, 'basemap', (basemapPath) => basemaps.add(basemapPath, name)),
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
