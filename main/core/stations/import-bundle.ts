import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../errors.js';
import type { Library, PortableEvent } from '../library/index.js';
import { SCHEMA_VERSION } from '../library/migrations.js';
import type { SyncRecord } from '../library/station-sync-store.js';
import { REVIEW_ENTITY } from '../library/review-events.js';
import { PLACEMENT_ENTITY } from '../library/placement-events.js';
import { ALERT_STATE_ENTITY, alertStateKey } from '../library/alert-state-events.js';
import { thumbnailCacheDir } from '../settings.js';
import { BUNDLE_FORMAT_VERSION, BundleReader } from './bundle-file.js';
import { type PlacementConflict, type ReviewConflict, placementConflicts, reviewConflicts } from './conflicts.js';
import { legacyRecordEvent } from './legacy-records.js';
import { type EventProjector, PROJECTORS, refoldTouched } from './projectors.js';

/** 'preparing': a library file is copied and written as a bundle first (`merge`). */
export type MergeStage = 'preparing' | 'checking' | 'records' | 'thumbnails';

/** How a merge reports progress: the stage, how far it is and of how many (0 when not known). */
export type MergeProgressListener = (stage: MergeStage, done: number, total: number) => void;

/** About fifty progress reports per stage, at most one per 10,000 items. */
function progressStep(total: number): number {
  return Math.max(1, Math.min(10_000, Math.ceil(total / 50)));
}

export interface ImportBundleOptions {
  /** 'library' when the bundle was made from a library file (`invasives merge`). */
  kind?: 'bundle' | 'library';
  /** The file named to the user (the library file for a merge). */
  label?: string;
  projectors?: readonly EventProjector[];
  onProgress?: MergeProgressListener;
}

export interface ImportBundleSummary {
  file: string;
  bundleId: string;
  sourceStation: string;
  sourceName: string | null;
  /** The bundle came from this very library: nothing was done. */
  sameLibrary: boolean;
  /** This bundle had been merged before (a second import changes nothing). */
  alreadyMerged: boolean;
  eventsNew: number;
  eventsKnown: number;
  /** Per record kind: rows added and rows whose newer state replaced ours. */
  added: Record<string, number>;
  updated: Record<string, number>;
  refolded: number;
  thumbnailsCopied: number;
  /** Models that came in with predictions but are not installed here (kept, inactive, so their predictions stay named): "name version". */
  modelsMissing: string[];
  conflicts: ReviewConflict[];
  /** Photos two stations placed differently (listed for the ranger like review conflicts). */
  placementConflicts: PlacementConflict[];
  /** Milliseconds spent checking the bundle, merging its records (one transaction) and copying thumbnails. */
  timings: { checkMs: number; recordsMs: number; thumbnailsMs: number };
}

function refuseNewer(label: string, what: string): StationError {
  return new StationError('BUNDLE_INVALID', `${label} was made by a newer version of the station (${what}); update this station first. Nothing was merged.`, { details: { path: label } });
}

/**
 * Merges a station bundle into the library. The bundle is checked completely first (header,
 * version, checksum); its records and events are then merged in ONE transaction (a merge killed
 * at any moment leaves the library as it was, and running it again finishes it), and its
 * thumbnails are copied after, each by its content hash (idempotent).
 */
export async function importBundle(library: Library, file: string, options: ImportBundleOptions = {}): Promise<ImportBundleSummary> {
  const label = options.label ?? path.resolve(file);
  const reader = new BundleReader(file);
  try {
    const header = reader.header;
    if (header.formatVersion > BUNDLE_FORMAT_VERSION) throw refuseNewer(label, `bundle format ${header.formatVersion}, this station reads up to ${BUNDLE_FORMAT_VERSION}`);
    if (header.schemaVersion > SCHEMA_VERSION) throw refuseNewer(label, `library schema ${header.schemaVersion}, this station has ${SCHEMA_VERSION}`);
    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = Math.round(now - mark);
      mark = now;
      return ms;
    };
    const totals = reader.counts();
    options.onProgress?.('checking', 0, totals.records);
    reader.verify((done) => options.onProgress?.('checking', done, totals.records));
    const summary: ImportBundleSummary = {
      file: label,
      bundleId: header.bundleId,
      sourceStation: header.sourceStation,
      sourceName: header.sourceName,
      sameLibrary: header.sourceStation === library.events.stationId,
      alreadyMerged: false,
      eventsNew: 0,
      eventsKnown: 0,
      added: {},
      updated: {},
      refolded: 0,
      thumbnailsCopied: 0,
      modelsMissing: [],
      conflicts: [],
      placementConflicts: [],
      timings: { checkMs: lap(), recordsMs: 0, thumbnailsMs: 0 },
    };
    if (summary.sameLibrary) return summary;

    const touched = new Map<string, readonly [string, string]>();
    const receivedAt = new Date().toISOString();
    const touch = (entityType: string, entityId: string) => touched.set(`${entityType}\u0000${entityId}`, [entityType, entityId]);
    const recordStep = progressStep(totals.records);
    options.onProgress?.('records', 0, totals.records);
    library.transaction(() => {
      let done = 0;
      const receive = (event: PortableEvent) => {
        if (library.events.receive(event)) {
          summary.eventsNew++;
          touch(event.entityType, event.entityId);
        } else summary.eventsKnown++;
      };
      for (const { kind, value } of reader.records()) {
        // A bundle from before placements, species list and alert states were events: their rows become those events.
        const legacy = kind === 'event' ? null : legacyRecordEvent(kind, value as Record<string, unknown>, header.sourceStation);
        if (legacy) receive(legacy);
        if (kind === 'event') receive(value as PortableEvent);
        else if (kind !== 'position' && kind !== 'species') {
          const record = value as SyncRecord;
          const { result } = library.stationSync.merge(record, receivedAt);
          // A photo that arrives after its review or placement events (an earlier bundle) gets its rows now.
          if (record.kind === 'photo' && result === 'added') {
            const sha256 = String(record.row.sha256);
            touch(REVIEW_ENTITY, sha256);
            touch(PLACEMENT_ENTITY, sha256);
          }
          // An alert new here takes the state rangers gave it (events that came before it).
          if (record.kind === 'alert' && result === 'added') {
            touch(ALERT_STATE_ENTITY, alertStateKey({ kind: String(record.row.kind), species: String(record.row.species), placeKey: String(record.row.place_key) }));
          }
          if (record.kind === 'model' && result === 'added') summary.modelsMissing.push(`${String(record.row.name)} ${String(record.row.version)}`);
          if (result !== 'same') {
            const bucket = result === 'added' ? summary.added : summary.updated;
            bucket[record.kind] = (bucket[record.kind] ?? 0) + 1;
          }
        }
        if (++done % recordStep === 0) options.onProgress?.('records', done, totals.records);
      }
      summary.refolded = refoldTouched(library, touched.values(), options.projectors ?? PROJECTORS);
      library.stationSync.noteReceived(header.sourceStation, header.sourceName, header.upToSeq, header.createdAt, receivedAt);
      for (const receipt of header.receipts) {
        if (receipt.from === library.events.stationId && receipt.station === header.sourceStation) {
          library.stationSync.noteAcknowledged(header.sourceStation, header.sourceName, receipt.seq, receipt.bundleAt, receivedAt);
        }
      }
      summary.alreadyMerged = !library.stationSync.noteBundle({
        bundleId: header.bundleId,
        sourceStation: header.sourceStation,
        sourceName: header.sourceName,
        kind: options.kind ?? 'bundle',
        file: label,
        createdAt: header.createdAt,
        receivedAt,
        summary: { eventsNew: summary.eventsNew, added: summary.added, updated: summary.updated },
      });
    });

    options.onProgress?.('records', totals.records, totals.records);
    summary.timings.recordsMs = lap();
    const thumbnailsDir = thumbnailCacheDir(library.databasePath);
    fs.mkdirSync(thumbnailsDir, { recursive: true });
    const thumbnailStep = progressStep(totals.thumbnails);
    options.onProgress?.('thumbnails', 0, totals.thumbnails);
    summary.thumbnailsCopied = await copyThumbnails(reader.thumbnails(), thumbnailsDir, (done) => {
      if (done % thumbnailStep === 0 || done === totals.thumbnails) options.onProgress?.('thumbnails', done, totals.thumbnails);
    });
    summary.timings.thumbnailsMs = lap();
    const touchedOf = (entityType: string) => new Set([...touched.values()].filter(([type]) => type === entityType).map(([, id]) => id));
    const reviewed = touchedOf(REVIEW_ENTITY);
    summary.conflicts = reviewed.size ? reviewConflicts(library, reviewed) : [];
    const placed = touchedOf(PLACEMENT_ENTITY);
    summary.placementConflicts = placed.size ? placementConflicts(library, placed) : [];
    return summary;
  } finally {
    reader.close();
  }
}

/**
 * Writes the thumbnails not already here, each under its content hash: written beside its final
 * name and renamed, so a copy cut off leaves no half thumbnail, and the next merge writes the
 * missing ones (a cache, so no flush per file; several writes in flight).
 */
async function copyThumbnails(thumbnails: Iterable<{ sha256: string; jpeg: Buffer }>, dir: string, progress: (seen: number) => void): Promise<number> {
  let copied = 0;
  let seen = 0;
  const inFlight = new Set<Promise<void>>();
  for (const { sha256, jpeg } of thumbnails) {
    progress(++seen);
    if (!/^[0-9a-f]{64}$/.test(sha256)) continue;
    const target = path.join(dir, `${sha256}.jpg`);
    if (fs.existsSync(target)) continue;
    const temporary = path.join(dir, `.${sha256}.${process.pid}.partial`);
    const write = fs.promises
      .writeFile(temporary, jpeg)
      .then(() => fs.promises.rename(temporary, target))
      .then(() => {
        copied++;
      })
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return copied;
}
