import path from 'node:path';
import { AlertsStore } from './alerts-store.js';
import { BaselineStore } from './baseline-store.js';
import { CaptureTimesStore } from './capture-times-store.js';
import { DatasetSettingsStore } from './dataset-settings-store.js';
import { BasemapsStore } from './basemaps-store.js';
import { CalibrationsStore } from './calibrations-store.js';
import { type Db, isDatabaseInUse, openDatabase } from './database.js';
import { EventLog } from './event-log.js';
import { ImportsStore } from './imports-store.js';
import { JobRecordsStore } from './job-records-store.js';
import { ModelsStore } from './models-store.js';
import { ObservationsStore } from './observations-store.js';
import { PhotosStore } from './photos-store.js';
import { PositionsStore } from './positions-store.js';
import { PredictionsStore } from './predictions-store.js';
import { ReviewsStore } from './reviews-store.js';
import { StationSyncStore } from './station-sync-store.js';
import { TaxaStore } from './taxa-store.js';
import { SitesStore } from './sites-store.js';
import { SpeciesListStore } from './species-list-store.js';
import { SubmissionsStore } from './submissions-store.js';
import { StationSettingsStore } from './station-settings-store.js';
import type { PhotoQuery } from './types.js';
import { writeTransaction } from './write-transaction.js';
import { ZonesStore } from './zones-store.js';

export interface LibraryStats {
  photos: number;
  withGps: number;
  withPrediction: number;
  reviewed: number;
  byStatus: Record<string, number>;
  imports: number;
  models: number;
  activeModel: string | null;
}

export interface SpeciesSummary {
  species: string;
  photos: number;
  confirmed: number;
  predictedOnly: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

/**
 * The one door to a library database. Every table group has its store; nothing outside
 * library/ writes SQL.
 */
export class Library {
  readonly photos: PhotosStore;
  readonly predictions: PredictionsStore;
  readonly reviews: ReviewsStore;
  readonly models: ModelsStore;
  readonly imports: ImportsStore;
  readonly positions: PositionsStore;
  readonly zones: ZonesStore;
  readonly baseline: BaselineStore;
  readonly observations: ObservationsStore;
  readonly alerts: AlertsStore;
  readonly captureTimes: CaptureTimesStore;
  readonly taxa: TaxaStore;
  readonly datasetSettings: DatasetSettingsStore;
  readonly basemaps: BasemapsStore;
  readonly calibrations: CalibrationsStore;
  readonly speciesList: SpeciesListStore;
  readonly stationSettings: StationSettingsStore;
  readonly events: EventLog;
  readonly stationSync: StationSyncStore;
  readonly sites: SitesStore;
  readonly submissions: SubmissionsStore;
  readonly jobRecords: JobRecordsStore;

  private constructor(
    private readonly db: Db,
    readonly databasePath: string,
  ) {
    this.events = new EventLog(db);
    this.photos = new PhotosStore(db);
    this.calibrations = new CalibrationsStore(db);
    this.predictions = new PredictionsStore(db, this.calibrations);
    this.models = new ModelsStore(db);
    this.imports = new ImportsStore(db);
    this.positions = new PositionsStore(db, this.events);
    this.zones = new ZonesStore(db);
    this.baseline = new BaselineStore(db);
    this.observations = new ObservationsStore(db);
    this.alerts = new AlertsStore(db, this.events);
    this.captureTimes = new CaptureTimesStore(db);
    this.taxa = new TaxaStore(db);
    this.datasetSettings = new DatasetSettingsStore(db);
    this.basemaps = new BasemapsStore(db);
    this.speciesList = new SpeciesListStore(db, this.events);
    this.stationSettings = new StationSettingsStore(db);
    this.reviews = new ReviewsStore(db, this.events);
    this.stationSync = new StationSyncStore(db);
    this.sites = new SitesStore(db);
    this.submissions = new SubmissionsStore(db, this.events);
    this.jobRecords = new JobRecordsStore(db);
  }

  /** True when some program has the library at `databasePath` open (a restore must not replace it then). */
  static isInUse(databasePath: string): boolean {
    return isDatabaseInUse(path.resolve(databasePath));
  }

  /** `readOnly`: for a library on a read-only file or folder; any write then fails with SQLITE_READONLY. */
  static open(databasePath: string, options: { readOnly?: boolean } = {}): Library {
    const resolved = path.resolve(databasePath);
    const library = new Library(openDatabase(resolved, undefined, options), resolved);
    // Both are cheap to check every time: nothing pending, nothing done.
    if (!options.readOnly) {
      try {
        // A library from before verdicts were stored: its calibrated models' predictions are judged
        // once, from their stored vectors.
        library.predictions.judgePending();
        // Photos stored before occurrence ids existed get theirs once (read-only libraries derive
        // the same UUIDs on read).
        library.photos.assignMissingOccurrenceIds();
      } catch (error) {
        library.close();
        throw error;
      }
    }
    return library;
  }

  /** Runs `work` in one write transaction (see writeTransaction): all of it is stored, or none. */
  transaction<T>(work: () => T): T {
    return writeTransaction(this.db, work);
  }

  stats(): LibraryStats {
    const row = this.db
      .prepare<[], { photos: number; with_gps: number; with_prediction: number; reviewed: number }>(`
        SELECT count(*) AS photos, coalesce(sum(latitude IS NOT NULL OR EXISTS (SELECT 1 FROM photo_positions pos WHERE pos.photo_id = photos.id)), 0) AS with_gps,
               coalesce(sum(EXISTS (SELECT 1 FROM predictions p WHERE p.photo_id = photos.id)), 0) AS with_prediction,
               coalesce(sum(EXISTS (SELECT 1 FROM reviews r WHERE r.photo_id = photos.id)), 0) AS reviewed
        FROM photos`)
      .get()!;
    const byStatus: Record<string, number> = {};
    for (const status of this.db
      .prepare<[], { status: string; n: number }>(`
        SELECT coalesce(rv.decision, 'unreviewed') AS status, count(*) AS n FROM photos ph
        LEFT JOIN reviews rv ON rv.id = (SELECT MAX(r2.id) FROM reviews r2 WHERE r2.photo_id = ph.id)
        GROUP BY 1 ORDER BY 1`)
      .all()) {
      byStatus[status.status] = status.n;
    }
    const active = this.models.active();
    return {
      photos: row.photos,
      withGps: row.with_gps,
      withPrediction: row.with_prediction,
      reviewed: row.reviewed,
      byStatus,
      imports: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM imports').get()!.n,
      models: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM models').get()!.n,
      activeModel: active ? `${active.name} ${active.version}` : null,
    };
  }

  /** Counts per species (reviewed species when there is one, else predicted), with first and last capture. */
  speciesSummary(query: PhotoQuery = {}): SpeciesSummary[] {
    const bySpecies = new Map<string, SpeciesSummary>();
    for (const photo of this.photos.iterate(query)) {
      if (!photo.species) continue;
      let entry = bySpecies.get(photo.species);
      if (!entry) {
        entry = { species: photo.species, photos: 0, confirmed: 0, predictedOnly: 0, firstSeen: null, lastSeen: null };
        bySpecies.set(photo.species, entry);
      }
      entry.photos++;
      if (photo.status === 'confirmed' || photo.status === 'corrected') entry.confirmed++;
      else entry.predictedOnly++;
      if (photo.capturedAt) {
        if (!entry.firstSeen || photo.capturedAt < entry.firstSeen) entry.firstSeen = photo.capturedAt;
        if (!entry.lastSeen || photo.capturedAt > entry.lastSeen) entry.lastSeen = photo.capturedAt;
      }
    }
    return [...bySpecies.values()].sort((a, b) => b.photos - a.photos || a.species.localeCompare(b.species));
  }

  /** `PRAGMA integrity_check` result: 'ok' when the file is sound. */
  /** A consistent copy of the database at `file`, taken with SQLite's online backup while the library stays in use. */
  async backupDatabaseTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  /** The schema version (number of migrations applied). */
  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  integrityCheck(): string {
    return (this.db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
