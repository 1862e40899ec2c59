import { z } from 'zod';
import type { ErrorClass, StationErrorCode } from '../core/errors.js';
import type { ImportProgress, WorkProgress } from '../core/ingest/import-events.js';
import type { RestoreResult } from '../core/backup/library-backup.js';
import type { AlertRefreshResult } from '../core/geo/alerts.js';
import type { DatasetMetadata } from '../core/geo/dataset-metadata.js';
import type { GpxMatchReport } from '../core/geo/gpx.js';
import type { BasemapStatus } from '../core/basemaps/tile-archive.js';
import type { BasemapRow } from '../core/library/basemaps-store.js';
import type { ModelVersionSummary, TrainingProgress, TrainingReport, UnknownVerdict } from '../core/learning/index.js';
import type { AlertKind, AlertRow, AlertState } from '../core/library/alerts-store.js';
import type { AlertGroup } from '../core/geo/alert-triage.js';
import type { CalibrationResult } from '../core/learning/calibrate-model.js';
import type { CalibrationSummary } from '../core/library/calibrations-store.js';
import type { SpeciesEntry } from '../core/library/species-list-store.js';
import type { StationSettingsValues } from '../core/station-settings.js';
import type { SiteFold, SiteState } from '../core/sites/site-lifecycle.js';
import type { ZoneKind, ZoneRow } from '../core/library/zones-store.js';
import type { LibraryStats, SpeciesSummary } from '../core/library/library.js';
import type { PredictionRow } from '../core/library/predictions-store.js';
import type { ReviewRow } from '../core/library/reviews-store.js';
import type { ImportFileError, ImportSummary, ModelRow, PhotoSummary, ReviewDecision, TopClass } from '../core/library/types.js';
import type { ImportBundleSummary, MergeStage } from '../core/stations/import-bundle.js';
import type { PlacementConflict, ReviewConflict } from '../core/stations/conflicts.js';
import type { PeerRow, ReceivedBundleRow } from '../core/library/station-sync-store.js';
import type { IntakeSummary } from '../core/intake/intake-summary.js';
import type { PendingPlacement } from '../core/library/submissions-store.js';

/** The core's data types the UI sees, re-exported: the renderer imports types from this file only. */
export type { ImportProgress, WorkProgress, ModelVersionSummary, TrainingProgress, TrainingReport, UnknownVerdict };
export type { AlertKind, AlertRow, AlertState, ZoneKind, ZoneRow, LibraryStats, SpeciesSummary, PredictionRow, ReviewRow };
export type { ImportFileError, ImportSummary, ModelRow, PhotoSummary, ReviewDecision, TopClass, RestoreResult };
export type { BasemapRow, BasemapStatus };
export type { DatasetMetadata };
export type { IntakeSummary, PendingPlacement };
export type { AlertGroup, CalibrationResult, CalibrationSummary, SpeciesEntry, StationSettingsValues };
export type { ImportBundleSummary, PlacementConflict, ReviewConflict, PeerRow, ReceivedBundleRow };

/** The Stations screen: this station, the stations it exchanged bundles with, what it received, the conflicts to resolve. */
/** A station merge running as a job: its stage ('preparing' a library file, 'checking', 'records', 'thumbnails'), how far, of how many. */
export interface MergeProgress {
  file: string;
  stage: MergeStage;
  done: number;
  /** 0 when not known yet. */
  total: number;
}

/** The end of a station merge started with `stations:merge`: its summary, or why it failed (nothing was merged then). */
export interface MergeFinished {
  file: string;
  summary: ImportBundleSummary | null;
  error: ApiError | null;
}

export interface StationsOverview {
  stationId: string;
  peers: PeerRow[];
  bundlesReceived: ReceivedBundleRow[];
  conflicts: ReviewConflict[];
  /** Photos two stations placed differently (the ranger keeps one). */
  placementConflicts: PlacementConflict[];
}
export type { SiteFold, SiteState };
export type { GpxMatchReport };

/**
 * The ONE contract between the review UI and the core: every call (`domain:verb`) with the
 * zod schema its arguments must pass and the type of its result, and every event the core
 * pushes. The Electron IPC wiring, the HTTP server, the preload and the renderer's client
 * are all typed from this file; nothing repeats a call name by hand.
 *
 * This module is loaded by the renderer too: it imports only zod and types.
 */

const id = z.number().int().positive();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+([+-]\d{2}:?\d{2}|Z)?)?$/, 'expected an ISO date such as 2024-05-31');
const score = z.number().min(0).max(1);
const speciesName = z.string().trim().min(1).max(200);
const note = z.string().max(2000);
/** The ranger making a decision (asked once per session by the UI); recorded with it and exported as identifiedBy. */
const ranger = z.string().trim().min(1).max(200);

/** The review grid's filters; exports and the map take the same ones. */
export const photoFilterSchema = z.strictObject({
  species: speciesName.optional(),
  status: z.enum(['unreviewed', 'confirmed', 'corrected', 'rejected', 'unsure', 'reviewed']).optional(),
  since: isoDate.optional(),
  until: isoDate.optional(),
  importId: id.optional(),
  camera: z.string().min(1).max(200).optional(),
  hasGps: z.boolean().optional(),
  minScore: score.optional(),
  maxScore: score.optional(),
  order: z.enum(['captured', 'added', 'needs-review']).optional(),
  /** Only photos the open set judged unknown (true), or only the others (false). */
  unknown: z.boolean().optional(),
});
export type PhotoFilter = z.infer<typeof photoFilterSchema>;

/** Largest page photos:list returns at once; the grid pages through big libraries. */
export const MAX_PAGE_SIZE = 1000;

/**
 * A review session's clock (ISO time): photos decided after it keep the place they had in the
 * order and in an "unreviewed" filter, so paging stays stable while the ranger decides.
 */
const orderAsOf = z.string().datetime({ offset: true }).optional();
const pageSchema = z.strictObject({
  filter: photoFilterSchema.default({}),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(200),
  orderAsOf,
});
const positionSchema = z.strictObject({ filter: photoFilterSchema.default({}), photoId: id, orderAsOf });
const filterOnly = z.strictObject({ filter: photoFilterSchema.default({}) });
const noArgs = z.strictObject({}).optional();
const photoRef = z.strictObject({ photoId: id });

const reviewSchema = z
  .strictObject({
    photoId: id,
    decision: z.enum(['confirmed', 'corrected', 'rejected', 'unsure']),
    species: speciesName.optional(),
    note: note.optional(),
    ranger: ranger.optional(),
  })
  .refine((review) => review.decision !== 'corrected' || review.species !== undefined, {
    message: 'a correction needs the species name',
    path: ['species'],
  });

const bulkReviewSchema = z.strictObject({
  photoIds: z.array(id).min(1).max(20_000),
  /** Confirmed without a species confirms each photo's own predicted species. */
  decision: z.enum(['confirmed', 'rejected', 'unsure']),
  species: speciesName.optional(),
  ranger: ranger.optional(),
});

/**
 * Files crossing the UI boundary. The page never names a path on the station's disk:
 * - an INPUT (zones, a model pack, a GPX track, past records, a basemap, visitors' mail) is an upload in
 *   the browser (POST UPLOAD_PATH/<purpose>, streamed into a private folder of the library,
 *   capped by the purpose's size) or a native open dialog run by Electron's main process;
 *   either way the page holds only the returned opaque `InputFile.handle`;
 * - an OUTPUT (an export) is written to a private temporary file and handed over as an
 *   `OutputFile`: the browser downloads it (GET DOWNLOAD_PATH/<id>, Content-Disposition),
 *   Electron copies it where the native save dialog points (`files:save`).
 * The command line keeps taking paths: it is the user's own shell.
 */
export const INPUT_PURPOSES = {
  /** A park boundary or management zones (GeoJSON). */
  zones: { description: 'a zones GeoJSON file', maxBytes: 64 * 1024 * 1024, maxFiles: 1, extensions: ['geojson', 'json'] },
  /** A model pack: one file (DEEP-OC .tar.gz, .h5, .onnx, model.json) or a folder's files. */
  'model-pack': { description: 'a model pack', maxBytes: 4 * 1024 * 1024 * 1024, maxFiles: 5000, extensions: ['gz', 'tgz', 'tar', 'h5', 'hdf5', 'onnx', 'json', 'txt', 'bin'] },
  /** A GPS unit's track, to place photos without a position. */
  gpx: { description: 'a GPX track', maxBytes: 64 * 1024 * 1024, maxFiles: 1, extensions: ['gpx', 'xml'] },
  /** Past records of species (CSV or GeoJSON points) that raise no alert. */
  baseline: { description: 'a file of past records', maxBytes: 64 * 1024 * 1024, maxFiles: 1, extensions: ['csv', 'geojson', 'json'] },
  /** An offline basemap: one MBTiles or PMTiles file (copied beside the library). */
  basemap: { description: 'a basemap (MBTiles or PMTiles)', maxBytes: 32 * 1024 * 1024 * 1024, maxFiles: 1, extensions: ['mbtiles', 'pmtiles'] },
  /** Another station's bundle, or its library file (.sqlite), to merge here. */
  'station-bundle': { description: 'a station bundle or library file', maxBytes: 64 * 1024 * 1024 * 1024, maxFiles: 1, extensions: ['bundle', 'sqlite', 'db'] },
  /** Visitors' submissions: a saved mail (.eml), a mailbox (.mbox), or a folder of submitter folders (photos + sidecars). */
  intake: {
    description: "visitors' mail (.eml, .mbox) or submitter folders",
    maxBytes: 8 * 1024 * 1024 * 1024,
    maxFiles: 20000,
    extensions: ['eml', 'mbox', 'mbx', 'json', 'csv', 'jpg', 'jpeg', 'jpe', 'png', 'tif', 'tiff', 'heic', 'heif', 'hif', 'webp'],
  },
  /** A station backup (.tar.gz) to restore the library from; the current library is backed up first. */
  backup: { description: 'a station backup (.tar.gz)', maxBytes: 16 * 1024 * 1024 * 1024, maxFiles: 1, extensions: ['gz', 'tgz'] },
  /** A folder of photos to import (Electron's folder dialog; nothing is uploaded). */
  'photo-folder': { description: 'a folder of photos', maxBytes: 0, maxFiles: 0, extensions: [] },
} as const;
export type InputPurpose = keyof typeof INPUT_PURPOSES;
export const INPUT_PURPOSE_NAMES = Object.keys(INPUT_PURPOSES) as InputPurpose[];
/** Purposes a browser may upload (a photo folder is imported where it is, never uploaded). */
export const UPLOAD_PURPOSE_NAMES = ['zones', 'model-pack', 'gpx', 'baseline', 'basemap', 'intake', 'station-bundle', 'backup'] as const satisfies readonly InputPurpose[];
export type UploadPurpose = (typeof UPLOAD_PURPOSE_NAMES)[number];

/** HTTP transport only: where files are uploaded and downloaded (same origin, session cookie). */
export const UPLOAD_PATH = '/upload';
export const DOWNLOAD_PATH = '/download';
/** Upload request headers: the file's name (URI-encoded, may hold folders: "pack/labels.txt") and the upload to add it to. */
export const UPLOAD_NAME_HEADER = 'x-file-name';
export const UPLOAD_HANDLE_HEADER = 'x-upload-handle';

const HANDLE_PATTERN = /^in-[A-Za-z0-9_-]{22}$/;
const OUTPUT_ID_PATTERN = /^out-[A-Za-z0-9_-]{22}$/;
export const inputHandleSchema = z.string().regex(HANDLE_PATTERN, 'expected a file handle from an upload or a file dialog');
const outputIdSchema = z.string().regex(OUTPUT_ID_PATTERN, 'expected the id of an exported file');

/** A file (or folder) the user gave the station, as the page knows it: an opaque handle and a display name. */
export interface InputFile {
  handle: string;
  purpose: InputPurpose;
  /** The file's (or folder's) own name, for display; never a path. */
  name: string;
  files: number;
  bytes: number;
}

/** A file the station wrote for the user, waiting to be downloaded or saved. */
export interface OutputFile {
  id: string;
  /** Suggested file name (letters, digits, '.', '-', '_' only). */
  name: string;
  bytes: number;
  contentType: string;
}

const exportSchema = z.strictObject({
  filter: photoFilterSchema.default({}),
});

const dwcaExportSchema = z.strictObject({
  /** Put the photos in the archive (stripped of EXIF/XMP/IPTC), not only links to the media base URL. */
  withPhotos: z.boolean().default(false),
  /** Leave out observations no ranger has confirmed. */
  confirmedOnly: z.boolean().default(false),
  recordedBy: z.string().min(1).max(500).optional(),
});

/** Changes to the published dataset's metadata (eml.xml); null or "" sets a key back to its default. */
const datasetSettingsSchema = z.strictObject(
  Object.fromEntries(
    (['title', 'description', 'publisher', 'contactName', 'contactEmail', 'licence', 'geographicDescription', 'mediaBaseUrl', 'recordedBy', 'language'] as const).map((key) => [
      key,
      z.string().max(2000).nullable().optional(),
    ]),
  ) as Record<keyof DatasetMetadata, z.ZodOptional<z.ZodNullable<z.ZodString>>>,
);

/** One of the top-5 classes of a photo's prediction, with what the model pack says about it. */
export interface ClassInfo {
  label: string;
  probability: number;
  /** The class's info.txt from the model pack, when the pack has one. */
  info: string | null;
  /** The English Wikipedia article named after the class (opened only when online). */
  wikipediaUrl: string;
}

const alertRef = z.strictObject({ alertId: id, ranger: ranger.optional() });
/** Kept here as literals (the contract imports no runtime code); `satisfies` ties them to the core's unions. */
export const ALERT_STATE_NAMES = ['new', 'acknowledged', 'dismissed'] as const satisfies readonly AlertState[];
export const ALERT_KIND_NAMES = ['new-species', 'new-zone', 'new-cell', 'near-boundary', 'spread', 'surge', 'unknown-organism', 'regrowth'] as const satisfies readonly AlertKind[];
const alertFilterFields = z.strictObject({
  state: z.enum(ALERT_STATE_NAMES).optional(),
  kind: z.enum(ALERT_KIND_NAMES).optional(),
  species: z.string().trim().min(1).max(200).optional(),
  zone: z.string().trim().min(1).max(200).optional(),
  cell: z.string().trim().min(1).max(200).optional(),
  evidence: z.enum(['predicted', 'confirmed']).optional(),
  unseen: z.boolean().optional(),
  /** These alerts only (a group the ranger opened). */
  ids: z.array(id).min(1).max(20_000).optional(),
});
export type AlertListFilter = z.infer<typeof alertFilterFields>;
const alertFilterSchema = alertFilterFields.optional();
const dismissSchema = z.strictObject({ alertId: id, reason: z.string().trim().min(1, 'say why the alert is dismissed').max(500), ranger: ranger.optional() });
const alertBulkSchema = z
  .strictObject({
    action: z.enum(['acknowledge', 'dismiss', 'reopen']),
    /** Every alert matching it; an empty filter matches every alert. */
    filter: alertFilterFields.default({}),
    reason: z.string().trim().min(1).max(500).optional(),
    ranger: ranger.optional(),
  })
  .refine((bulk) => bulk.action !== 'dismiss' || bulk.reason !== undefined, { message: 'say why the alerts are dismissed', path: ['reason'] });

const speciesEntrySchema = z.strictObject({
  species: speciesName,
  watchList: z.boolean().default(false),
  priority: z.number().int().min(1).max(5).default(3),
  minScore: score.nullable().default(null),
  alertsOn: z.boolean().default(true),
  canOccur: z.boolean().default(true),
  note: z.string().trim().max(500).nullable().default(null),
});
const speciesSaveSchema = z.strictObject({
  entries: z.array(speciesEntrySchema).min(1).max(10_000),
  /** Accept species no model, review or baseline names yet. */
  allowNewSpecies: z.boolean().default(false),
  ranger: ranger.optional(),
});
const speciesImportSchema = z.strictObject({
  /** The CSV file's text (the browser uploads it). */
  text: z.string().min(1).max(5_000_000),
  fileName: z.string().max(300).default('species list'),
  replace: z.boolean().default(false),
  allowNewSpecies: z.boolean().default(false),
  ranger: ranger.optional(),
});
const settingSchema = z.strictObject({
  key: z.string().min(1).max(100),
  /** The typed value, or null to go back to the default. */
  value: z.union([z.string().max(500), z.number(), z.array(z.string().max(100)).max(20)]).nullable(),
  ranger: ranger.optional(),
});
const calibrateSchema = z.strictObject({
  modelId: id,
  fromLibrary: z.boolean().default(true),
  /** An absolute folder on this computer with one sub-folder per class (typed: browser only, read-only input). */
  fromFolder: z.string().trim().min(1).max(4096).optional(),
  /** The same folder chosen in the app's folder dialog (import:pickFolder), by handle. */
  folder: inputHandleSchema.optional(),
  ranger: ranger.optional(),
});

const ZONE_KIND_NAMES = ['park', 'zone'] as const satisfies readonly ZoneKind[];
const zonesLoadSchema = z.strictObject({
  /** An upload (browser) or a file chosen in the open dialog (Electron), purpose 'zones'. */
  file: inputHandleSchema,
  /** 'park': the park boundary; 'zone': the management zones (each replaces those loaded before). */
  kind: z.enum(ZONE_KIND_NAMES),
  /** The feature property naming each management zone. */
  nameProperty: z.string().trim().min(1).max(100).default('name'),
});
const placeSchema = z.strictObject({
  photoId: id,
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  /** Metres within which the position is known: from the map's zoom when clicked, or as typed. */
  uncertaintyMetres: z.number().positive().max(1_000_000).optional(),
  ranger: ranger.optional(),
});
const basemapAddSchema = z.strictObject({
  /** An MBTiles or PMTiles file, uploaded or chosen in the open dialog (copied beside the library). */
  file: inputHandleSchema,
  name: z.string().trim().min(1).max(200).optional(),
});

const trainingSchema = z.strictObject({
  /** Most epochs (early stopping usually ends sooner). */
  epochs: z.number().int().min(1).max(2000).optional(),
  /** 0: softmax regression; N: one hidden layer of N units. */
  hiddenUnits: z.number().int().min(0).max(4096).optional(),
  /** Share of each species held out to validate the new version. */
  validationFraction: z.number().min(0.05).max(0.5).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  /** Make the new version the active model when it is ready. */
  activate: z.boolean().default(false),
});

export interface TrainingFinished {
  /** The new (or, for the same data and seed, the existing) model version; null when training failed or was cancelled. */
  modelId: number | null;
  cancelled: boolean;
  error: ApiError | null;
}

/** Alerts per state, for the navigation badge. */
export type AlertCounts = Record<AlertState, number>;

/** What an alert refresh did (the raised alerts themselves are listed by alerts:list). */
export type AlertsRefreshed = Omit<AlertRefreshResult, 'raised'> & { raised: number };

/** A photo as the detail screen shows it. */
export interface PhotoDetail extends PhotoSummary {
  paths: string[];
  predictions: PredictionRow[];
  history: ReviewRow[];
  /** The current prediction's top 5 with each class's info text and Wikipedia link. */
  classes: ClassInfo[];
  /** "Unknown / possibly new species" verdict; null when the predicting model has no open-set calibration. */
  openSet: UnknownVerdict | null;
}

/** Where a photo stands in a filtered, ordered queue (index null: the filter leaves it out). */
export interface PhotoPosition {
  index: number | null;
  total: number;
}

export interface PhotoPage {
  photos: PhotoSummary[];
  total: number;
  offset: number;
}

/** One geolocated photo on the map, kept small: the map loads every point at once. */
export interface MapPoint {
  id: number;
  lat: number;
  lon: number;
  species: string | null;
  /** True when a ranger confirmed or corrected the species; false for a model's prediction. */
  confirmed: boolean;
  /** A prediction the open set judged "unknown / possibly new species" (never once a ranger confirmed it). */
  unknown: boolean;
}

export interface SpeciesList {
  /** Classes of the active model, in the model's order. */
  modelLabels: string[];
  /** Species rangers have confirmed or corrected to (may include names the model lacks). */
  reviewed: string[];
  /** Both, deduplicated and sorted: the species picker's list. */
  all: string[];
}

/** The background job (an import or a re-classification) the station is running, if any. */
export interface JobStatus {
  running: 'import' | 'classify' | 'train' | 'merge' | null;
  /** The folder being imported. */
  rootPath: string | null;
  progress: WorkProgress | null;
  /** Training's own progress (stages, epochs), while training runs. */
  trainingProgress: TrainingProgress | null;
  /** A station merge's progress, while one runs. */
  mergeProgress: MergeProgress | null;
  /** The last import finished in this session, if any. */
  lastImport: ImportFinished | null;
  /** The latest job, when the backend process stopped under it (resumed, for an import; failed with its reason otherwise). */
  interrupted: InterruptedJob | null;
}

/** A job the backend process stopped under (killed, crashed), from the library's job records. */
export interface InterruptedJob {
  kind: 'import' | 'classify' | 'train' | 'compile' | 'merge';
  /** The imported folder, the model pack's name or the merged file. */
  target: string | null;
  /** What happened and what to do, e.g. "The station's backend stopped while training; start it again." */
  reason: string;
  resumed: boolean;
  endedAt: string | null;
}

/** Whether the station's backend process is working: the UI shows a banner while it restarts. */
export interface BackendState {
  state: 'ready' | 'restarting' | 'stopped';
  /** Why it stopped, or that it is back. */
  message: string;
}

export interface ClassifyFinished {
  modelId: number;
  classified: number;
  failed: number;
  cancelled: boolean;
  error: ApiError | null;
}

export interface ImportFinished {
  rootPath: string;
  summary: ImportSummary | null;
  resumed: boolean;
  cancelled: boolean;
  error: ApiError | null;
  /** The alert refresh run after the import; null when it could not run. */
  alerts: AlertsRefreshed | null;
}

export interface ExportResult {
  /** Photos written to the file. */
  count: number;
  /** Photos matching the filters but left out (GeoJSON: those without a GPS position). */
  leftOut: number;
  /** The written file: downloaded (browser) or saved through the save dialog (Electron). */
  file: OutputFile;
}

/** Which folder to import: typed (browser only, read-only input), chosen in Electron's dialog, or a past import resumed. */
const importStartSchema = z
  .strictObject({
    rootPath: z.string().trim().min(1).max(4096).optional(),
    folder: inputHandleSchema.optional(),
    importId: id.optional(),
  })
  .refine((args) => [args.rootPath, args.folder, args.importId].filter((value) => value !== undefined).length === 1, {
    message: 'give exactly one of rootPath, folder (a dialog handle) or importId (resume)',
  });
/** A backup the station wrote into the library's own backups folder. */
export interface BackupInfo {
  /** The file's name in the backups folder (the page never names a path). */
  name: string;
  bytes: number;
  createdAt: string;
}
const backupNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,200}\.tar\.gz$/, 'expected the name of a backup from backups:list');

export interface FilterOptions {
  cameras: string[];
  imports: ImportSummary[];
}

/** A site as the Sites screen lists it: the fold, its state as of today, its centre, area and linked photos. */
export interface SiteListItem {
  site: SiteFold;
  displayState: SiteState | 'recheck-due';
  latitude: number;
  longitude: number;
  areaSquareMetres: number;
  photoIds: number[];
  dueOn: string | null;
  overdue: boolean;
}
const siteId = z.string().trim().min(4).max(64);
export const SITES_EXPORT_FORMATS = ['geojson', 'csv', 'treatments', 'sheet'] as const;
export type SitesExportFormat = (typeof SITES_EXPORT_FORMATS)[number];
export interface SitesExportResult {
  format: SitesExportFormat;
  /** Sites written (treatments: treatment rows). */
  count: number;
  file: OutputFile;
}
const dayDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date such as 2024-05-31');
const siteExtentSchema = z.union([
  z.strictObject({ type: z.literal('point'), latitude: z.number(), longitude: z.number(), radiusMetres: z.number() }),
  z.strictObject({ type: z.literal('polygon'), coordinates: z.array(z.array(z.array(z.number()))) }),
]);
const siteTreatmentSchema = z.strictObject({
  siteId,
  treatedOn: dayDate.optional(),
  method: z.string().trim().min(1).max(100),
  product: z.string().trim().max(200).optional(),
  dose: z.string().trim().max(200).optional(),
  crew: z.string().trim().max(500).optional(),
  areaSquareMetres: z.number().min(0).optional(),
  notes: z.string().max(5000).optional(),
  photoIds: z.array(id).max(1000).optional(),
  ranger: ranger.optional(),
  reason: z.string().max(2000).optional(),
});
const siteVisitSchema = z.strictObject({
  siteId,
  visitedOn: dayDate.optional(),
  outcome: z.enum(['clean', 'regrowth']),
  statement: z.string().trim().min(1).max(5000),
  photoIds: z.array(id).max(1000),
  ranger: ranger.optional(),
});

/** Declares a call: its argument schema now, its result type as the type parameter. */
function call<Result>() {
  return <Args extends z.ZodType>(args: Args) => ({ args, result: undefined as unknown as Result });
}

export const CONTRACT = {
  'photos:list': call<PhotoPage>()(pageSchema),
  'photos:count': call<number>()(filterOnly),
  'photos:position': call<PhotoPosition>()(positionSchema),
  'photos:get': call<PhotoDetail>()(z.strictObject({ id })),
  'photos:filters': call<FilterOptions>()(noArgs),
  'map:points': call<MapPoint[]>()(filterOnly),
  /** The photo view's mini-map: only the photos around one photo (a bounded payload, whatever the library's size). */
  'map:nearby': call<MapPoint[]>()(
    z.strictObject({ photoId: id, radiusM: z.number().min(10).max(50_000).default(2_000), limit: z.number().int().min(1).max(2_000).default(500) }),
  ),
  'reviews:record': call<PhotoSummary>()(reviewSchema),
  'reviews:bulk': call<{ count: number }>()(bulkReviewSchema),
  'reviews:undo': call<PhotoSummary>()(photoRef),
  /** Takes back a bulk action as one step: the newest decision on each photo, in one transaction. */
  'reviews:undoMany': call<{ count: number }>()(z.strictObject({ photoIds: z.array(id).min(1).max(20_000) })),
  'species:list': call<SpeciesList>()(noArgs),
  'species:summary': call<SpeciesSummary[]>()(filterOnly),
  /** Electron's native folder chooser; null when cancelled, or in the browser (which has none). */
  'import:pickFolder': call<InputFile | null>()(noArgs),
  'import:start': call<{ rootPath: string }>()(importStartSchema),
  /** Cancels the running job: an import or a re-classification. */
  'import:cancel': call<{ cancelled: boolean }>()(noArgs),
  'import:status': call<JobStatus>()(noArgs),
  /** Visitors' submissions: a .eml/.mbox file or a folder of submitter folders (sidecars); photos go through the import, then the active model classifies them. */
  'intake:start': call<IntakeSummary>()(
    z
      .strictObject({ path: z.string().trim().min(1).max(4096).optional(), file: inputHandleSchema.optional(), ranger: ranger.optional() })
      .refine((args) => (args.path === undefined) !== (args.file === undefined), { message: 'give exactly one of path (a typed folder) or file (an upload or a dialog handle)' }),
  ),
  /** Photos without GPS whose submission describes a place, with that text: the Map screen's placement list. */
  'intake:pendingPlaces': call<PendingPlacement[]>()(noArgs),
  'imports:list': call<ImportSummary[]>()(noArgs),
  'imports:errors': call<ImportFileError[]>()(z.strictObject({ importId: id })),
  'export:csv': call<ExportResult>()(exportSchema),
  'export:geojson': call<ExportResult>()(exportSchema),
  /** The Darwin Core Archive for GBIF (see writeDarwinCoreArchive), delivered like the other exports; `leftOut`: observations whose class has no scientific name. */
  'export:dwca': call<ExportResult>()(dwcaExportSchema),
  /** The published dataset's metadata: what eml.xml of the archive says (licence, publisher, contact, media base URL). */
  'dataset:get': call<DatasetMetadata>()(noArgs),
  'dataset:set': call<DatasetMetadata>()(datasetSettingsSchema),
  'models:list': call<ModelRow[]>()(noArgs),
  'models:use': call<ModelRow>()(z.strictObject({ modelId: id })),
  /** Loads a model pack (DEEP-OC archive or folder, Keras .h5, TF.js, ONNX), compiles and registers it. */
  'models:add': call<ModelRow>()(
    z.strictObject({ file: inputHandleSchema, timestamp: z.string().min(1).max(100).optional(), activate: z.boolean().default(false) }),
  ),
  /** Classifies, in the background, every photo the active model has not classified yet. */
  'models:reclassify': call<{ modelId: number }>()(noArgs),
  'stats:get': call<LibraryStats>()(noArgs),
  /** Alerts most urgent first (the configured priority order). */
  'alerts:list': call<AlertRow[]>()(alertFilterSchema),
  /** Alerts grouped by species and zone (or grid cell), with counts and unseen counts, most urgent group first. */
  'alerts:groups': call<AlertGroup[]>()(alertFilterSchema),
  /** Acknowledges, dismisses or reopens every alert matching a filter, at once. */
  'alerts:bulk': call<{ count: number }>()(alertBulkSchema),
  /** Marks alerts as seen (a ranger opened their group). */
  'alerts:seen': call<{ count: number }>()(z.strictObject({ alertIds: z.array(id).min(1).max(20_000) })),
  /** The watch list and the park's species list. */
  'species:entries': call<SpeciesEntry[]>()(noArgs),
  'species:save': call<SpeciesEntry[]>()(speciesSaveSchema),
  'species:remove': call<{ removed: boolean }>()(z.strictObject({ species: speciesName, ranger: ranger.optional() })),
  /** Imports a species-list CSV (species,watch_list,priority,min_score,alerts,can_occur,note); a bad file stores nothing. */
  'species:importCsv': call<SpeciesEntry[]>()(speciesImportSchema),
  'species:exportCsv': call<{ text: string }>()(noArgs),
  /** The settings kept in the library (station name, alert order, buffers). */
  'settings:get': call<StationSettingsValues>()(noArgs),
  'settings:set': call<StationSettingsValues>()(settingSchema),
  /** Each calibrated model's open-set calibration; models absent here are "not calibrated". */
  'models:calibrations': call<CalibrationSummary[]>()(noArgs),
  /** Calibrates a model's open set from the library's confirmed photos and/or a labelled folder, then re-judges its predictions. */
  'models:calibrate': call<CalibrationResult>()(calibrateSchema),
  'alerts:counts': call<AlertCounts>()(noArgs),
  'alerts:acknowledge': call<AlertRow>()(alertRef),
  /** Dismissed alerts stay dismissed through later refreshes; the reason is kept. */
  'alerts:dismiss': call<AlertRow>()(dismissSchema),
  'alerts:reopen': call<AlertRow>()(alertRef),
  /** Brings the alerts up to date now (imports and reviews do it on their own). */
  'alerts:refresh': call<AlertsRefreshed>()(noArgs),
  /** Park boundary and management zones, as loaded into the library. */
  'zones:list': call<ZoneRow[]>()(noArgs),
  /** Loads an uploaded or dialog-chosen GeoJSON file as the park boundary or the management zones. */
  'zones:load': call<ZoneRow[]>()(zonesLoadSchema),
  /** Loads an uploaded or dialog-chosen file of past records (CSV or GeoJSON points): places already known raise no alert. */
  'baseline:load': call<{ records: number; added: number }>()(z.strictObject({ file: inputHandleSchema })),
  /** Places the photos without a position on an uploaded or dialog-chosen GPX track, by capture time. */
  'gpx:match': call<GpxMatchReport>()(
    z.strictObject({
      file: inputHandleSchema,
      /** The camera clock's UTC offset, for photos whose capture time has none (e.g. +02:00). */
      utcOffset: z.string().regex(/^(Z|[+-]\d{2}:?\d{2})$/, 'expected a UTC offset such as +02:00').optional(),
      /** Seconds to add to the camera's time to get the true time. */
      clockOffsetSeconds: z.number().int().min(-86_400).max(86_400).default(0),
      /** Replace earlier GPX positions too (EXIF and hand positions are never replaced). */
      overwrite: z.boolean().default(false),
    }),
  ),
  /** Electron's native open dialog for an input of this purpose (a folder for model packs when asked); null when cancelled or in the browser. */
  'files:pick': call<InputFile | null>()(
    z.strictObject({ purpose: z.enum(UPLOAD_PURPOSE_NAMES), folder: z.boolean().default(false) }),
  ),
  /** Electron's native save dialog for an exported file (the dialog asks before replacing a file); saved false when cancelled. */
  'files:save': call<{ saved: boolean }>()(z.strictObject({ fileId: outputIdSchema })),
  /** Places a photo by hand (wins over its EXIF position; exported with source "manual"). */
  'photos:place': call<PhotoSummary>()(placeSchema),
  /** Forgets a hand (or GPX) position: the photo falls back to its EXIF position, if any. */
  'photos:unplace': call<PhotoSummary>()(z.strictObject({ photoId: id, ranger: ranger.optional() })),
  /** The park's basemaps, each with whether its file can be drawn now. Tiles: GET tiles/<id>/<z>/<x>/<y> on the app's own origin. */
  'basemaps:list': call<BasemapStatus[]>()(noArgs),
  /** Checks an MBTiles/PMTiles file (format, Web Mercator, bounds) and keeps a copy beside the library. */
  'basemaps:add': call<BasemapRow>()(basemapAddSchema),
  'basemaps:remove': call<BasemapRow>()(z.strictObject({ basemapId: id })),
  /** Trains, in the background, a new model version from the photos rangers confirmed or corrected (import:cancel stops it). */
  'training:start': call<{ backboneModelId: number; photos: number; species: number }>()(trainingSchema),
  /** Every model with its training metrics, for comparing versions. */
  'training:versions': call<ModelVersionSummary[]>()(noArgs),
  /** The stored report of a trained version (null for models not trained at the station). */
  'training:report': call<TrainingReport | null>()(z.strictObject({ modelId: id })),
  /** Sites with their state as of today (issue 15); `weeks`: only those with a re-check due within that many weeks. */
  'sites:list': call<SiteListItem[]>()(z.strictObject({ dueWithinWeeks: z.number().int().min(0).max(520).optional() }).optional()),
  'sites:createFromPhoto': call<SiteListItem>()(z.strictObject({ photoId: id, radiusMetres: z.number().positive().max(100_000).default(10), ranger: ranger.optional() })),
  'sites:create': call<SiteListItem>()(z.strictObject({ species: speciesName, extent: siteExtentSchema, name: z.string().trim().max(200).optional(), notes: z.string().max(5000).optional(), confirmed: z.boolean().default(false), firstRecordOn: dayDate.optional(), ranger: ranger.optional() })),
  'sites:confirm': call<SiteListItem>()(z.strictObject({ siteId, ranger: ranger.optional(), reason: z.string().max(2000).optional() })),
  'sites:plan': call<SiteListItem>()(z.strictObject({ siteId, plannedFor: dayDate.optional(), method: z.string().trim().max(100).optional(), ranger: ranger.optional() })),
  'sites:treat': call<SiteListItem>()(siteTreatmentSchema),
  'sites:visit': call<SiteListItem>()(siteVisitSchema),
  /**
   * The sites as a download (like `invasives sites export`): GeoJSON or CSV of the sites, the
   * treatments CSV, or the printable field sheet (HTML) of the named sites or of the due route.
   */
  'sites:export': call<SitesExportResult>()(
    z.strictObject({ format: z.enum(SITES_EXPORT_FORMATS), siteIds: z.array(siteId).max(10_000).optional(), dueWithinWeeks: z.number().int().min(0).max(520).optional() }),
  ),
  /** The backups in the library's backups folder, newest first. */
  'backups:list': call<BackupInfo[]>()(noArgs),
  /** Writes a consistent backup (database, thumbnails, compiled models) into the backups folder, while the library stays in use. */
  'backups:create': call<BackupInfo>()(noArgs),
  /** Replaces the library by one of its backups, after checking it; the current library is backed up first. */
  'backups:restore': call<RestoreResult>()(z.strictObject({ name: backupNameSchema })),
  /** Writes a fresh backup as a download (browser) or for the save dialog (Electron, `files:save`); nothing is kept in the backups folder. */
  'backups:download': call<{ file: OutputFile; photos: number }>()(noArgs),
  /** Replaces the library by an uploaded or dialog-chosen backup file, after checking it; the current library is backed up first. */
  'backups:restoreFile': call<RestoreResult>()(z.strictObject({ file: inputHandleSchema })),
  /** Bundles received, from which stations and when, and the photos two stations decided differently on. */
  'stations:overview': call<StationsOverview>()(noArgs),
  /** Merges a station bundle, or another station's library file (.sqlite), uploaded or chosen in the open dialog (all or nothing). */
  'stations:import': call<ImportBundleSummary>()(z.strictObject({ file: inputHandleSchema })),
  /** The same merge as a job off the request path: answers at once; progress and the outcome come as stations:mergeProgress / stations:mergeFinished events. */
  'stations:merge': call<{ file: string }>()(z.strictObject({ file: inputHandleSchema })),
} as const;

export type CallName = keyof typeof CONTRACT;

/** Calls that record a decision: the UI adds the ranger it asked for at start-up to each. */
export const RANGER_CALLS = [
  'reviews:record',
  'reviews:bulk',
  'alerts:acknowledge',
  'alerts:dismiss',
  'alerts:reopen',
  'alerts:bulk',
  'species:save',
  'species:remove',
  'species:importCsv',
  'settings:set',
  'models:calibrate',
  'sites:createFromPhoto',
  'sites:create',
  'sites:confirm',
  'sites:plan',
  'sites:treat',
  'sites:visit',
  'photos:place',
  'photos:unplace',
] as const satisfies readonly CallName[];
export const CALL_NAMES = Object.keys(CONTRACT) as CallName[];

/** What a caller passes (defaults may be left out). */
export type CallArgs<K extends CallName> = z.input<(typeof CONTRACT)[K]['args']>;
/** What a handler receives, after validation and defaults. */
export type CallParsedArgs<K extends CallName> = z.output<(typeof CONTRACT)[K]['args']>;
export type CallResult<K extends CallName> = (typeof CONTRACT)[K]['result'];

/** Declares an event: its payload type as the type parameter. */
function event<Payload>(): Payload {
  return undefined as unknown as Payload;
}

/**
 * Events the core pushes to every connected UI: the ONE list. The event names and the
 * payload map are both derived from it, so a new event reaches every transport.
 */
export const EVENTS = {
  'import:progress': event<ImportProgress>(),
  'import:finished': event<ImportFinished>(),
  'classify:progress': event<WorkProgress>(),
  'classify:finished': event<ClassifyFinished>(),
  /** Reviews changed (another window, bulk work): lists should refresh. */
  'library:changed': event<{ reason: string }>(),
  'training:progress': event<TrainingProgress>(),
  'training:finished': event<TrainingFinished>(),
  /** Alerts were refreshed or changed state: the badge and the alerts list should reload. */
  'alerts:changed': event<{ open: number; raised: number }>(),
  'stations:mergeProgress': event<MergeProgress>(),
  'stations:mergeFinished': event<MergeFinished>(),
  /** The backend process stopped and is restarting, or is back (sent by the host, never by the backend itself). */
  'backend:state': event<BackendState>(),
} as const;
export type EventMap = { [E in keyof typeof EVENTS]: (typeof EVENTS)[E] };
export type EventName = keyof EventMap;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

/**
 * The transport's own error codes, with their class (the core's are STATION_ERROR_CLASSES).
 * TRANSPORT: the call did not reach the core (server gone, token refused).
 */
export const TRANSPORT_ERROR_CLASSES = {
  BAD_ARGUMENTS: 'usage',
  UNKNOWN_CALL: 'usage',
  BUSY: 'busy',
  INTERNAL: 'internal',
  TRANSPORT: 'internal',
  /** The backend process stopped while the call was in flight; it restarts by itself and the call can be made again. */
  BACKEND_STOPPED: 'internal',
} as const satisfies Record<string, ErrorClass>;

/** The ONE union of error codes a caller can see: the core's StationError codes plus the transport's. The UI picks its message by code. */
export type ApiErrorCode = StationErrorCode | keyof typeof TRANSPORT_ERROR_CLASSES;
export interface ApiError {
  code: ApiErrorCode;
  message: string;
  /** Machine-readable particulars (e.g. the path involved), when the error has any. */
  details?: Record<string, unknown>;
}
export type CallOutcome<K extends CallName> = { ok: true; value: CallResult<K> } | { ok: false; error: ApiError };

/** The client the renderer uses, whatever the transport (Electron preload or HTTP). */
export interface StationApi {
  call<K extends CallName>(name: K, ...args: CallArgsTuple<K>): Promise<CallResult<K>>;
  /** Returns the unsubscribe function. */
  listen<E extends EventName>(name: E, listener: (payload: EventMap[E]) => void): () => void;
}
/** Calls whose arguments are all optional may be made without any. */
export type CallArgsTuple<K extends CallName> = undefined extends CallArgs<K> ? [args?: CallArgs<K>] : [args: CallArgs<K>];

/** The raw transport the preload exposes: envelopes, not exceptions (errors cannot cross contextBridge intact). */
export interface StationBridge {
  call(name: string, args: unknown): Promise<CallOutcome<CallName>>;
  listen(listener: (name: EventName, payload: unknown) => void): () => void;
}

/** Thrown by the client when a call fails; `code` picks the UI's message. */
export class ApiCallError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly call: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

export function isCallName(name: string): name is CallName {
  return Object.hasOwn(CONTRACT, name);
}

/** Validates a call's arguments: the parsed value, or the error to send back. */
export function parseCallArgs<K extends CallName>(
  name: K,
  raw: unknown,
): { ok: true; args: CallParsedArgs<K> } | { ok: false; error: ApiError } {
  const result = CONTRACT[name].args.safeParse(raw);
  if (result.success) return { ok: true, args: result.data as CallParsedArgs<K> };
  const details = result.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'arguments'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error: { code: 'BAD_ARGUMENTS', message: `Invalid arguments for ${name}: ${details}` } };
}
