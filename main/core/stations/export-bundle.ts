import fs from 'node:fs';
import path from 'node:path';
import type { Library } from '../library/index.js';
import { SCHEMA_VERSION } from '../library/migrations.js';
import { readStationSettings } from '../station-settings.js';
import { thumbnailCacheDir } from '../settings.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type BundleHeader, BundleWriter } from './bundle-file.js';
import { newGlobalId } from '../library/index.js';
import { StationError } from '../errors.js';

export interface ExportBundleOptions {
  /** Where to write the bundle (never half-written: a temporary file is renamed when complete). */
  out: string;
  /** The destination station (id or name): the bundle holds what it has not confirmed yet. Null: everything. */
  destination?: string | null;
  /** Everything, whatever the destination confirmed. */
  full?: boolean;
  /** Where this library's thumbnails are (default: beside the library). */
  thumbnailsDir?: string;
  onProgress?: (stage: string, done: number) => void;
}

export interface ExportBundleSummary {
  out: string;
  bundleId: string;
  sourceStation: string;
  destination: string | null;
  full: boolean;
  events: number;
  records: Record<string, number>;
  thumbnails: number;
  checksum: string;
  bytes: number;
}

/** Minutes of slack on the record watermark: rows written while the confirmed bundle was made are sent again (merges are idempotent). */
const WATERMARK_SLACK_MS = 5 * 60_000;

/** Finds the destination peer by station id or name; an unknown one gets everything. */
function resolveDestination(library: Library, destination: string) {
  const peers = library.stationSync.peers();
  return peers.find((peer) => peer.stationId === destination) ?? peers.find((peer) => peer.stationName === destination) ?? null;
}

export async function exportBundle(library: Library, options: ExportBundleOptions): Promise<ExportBundleSummary> {
  const out = path.resolve(options.out);
  if (fs.existsSync(out)) throw new StationError('INVALID_ARGUMENT', `${out} already exists; choose a new --out file (a bundle is never overwritten).`, { details: { path: out } });
  if (!fs.existsSync(path.dirname(out))) throw new StationError('FOLDER_NOT_FOUND', `The folder ${path.dirname(out)} does not exist; choose --out in an existing folder.`);
  const destination = options.destination?.trim() || null;
  const peer = destination ? resolveDestination(library, destination) : null;
  const full = options.full === true || !peer;
  const fromSeq = full ? 0 : peer!.acknowledgedSeq;
  const since = full || !peer!.acknowledgedAt ? null : new Date(Date.parse(peer!.acknowledgedAt) - WATERMARK_SLACK_MS).toISOString();
  const createdAt = new Date().toISOString();
  const upToSeq = library.stationSync.lastSeq();
  const stationId = library.events.stationId;
  const writer = new BundleWriter(out);
  const counts: Record<string, number> = {};
  let events = 0;
  let thumbnails = 0;
  try {
    for (const record of library.stationSync.records(since)) {
      writer.record(record.kind, record);
      counts[record.kind] = (counts[record.kind] ?? 0) + 1;
      if (record.kind === 'photo' && counts.photo! % 5000 === 0) options.onProgress?.('records', counts.photo!);
    }
    for (let seq = fromSeq; ; ) {
      const batch = library.events.after(seq);
      if (batch.length === 0 || batch[0]!.seq > upToSeq) break;
      for (const event of batch) {
        if (event.seq > upToSeq) break;
        const { seq: _seq, recordedAt: _recordedAt, ...portable } = event;
        writer.record('event', portable);
        events++;
      }
      seq = batch[batch.length - 1]!.seq;
      options.onProgress?.('events', events);
    }
    const thumbnailsDir = options.thumbnailsDir ?? thumbnailCacheDir(library.databasePath);
    for (const sha256 of library.stationSync.photoHashes(since)) {
      let jpeg: Buffer;
      try {
        jpeg = fs.readFileSync(path.join(thumbnailsDir, `${sha256}.jpg`));
      } catch {
        continue; // a photo without a cached thumbnail: the receiving station shows it without one
      }
      writer.thumbnail(sha256, jpeg);
      if (++thumbnails % 5000 === 0) options.onProgress?.('thumbnails', thumbnails);
    }
    const header: BundleHeader = {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      schemaVersion: SCHEMA_VERSION,
      bundleId: newGlobalId(),
      sourceStation: stationId,
      sourceName: readStationSettings(library).stationName,
      destination: peer?.stationId ?? destination,
      full,
      createdAt,
      upToSeq,
      since,
      // Our receipts: what we have of every station we received from (each takes its own and advances its watermark).
      receipts: library.stationSync
        .peers()
        .filter((known) => known.receivedBundleAt !== null)
        .map((known) => ({ station: stationId, from: known.stationId, seq: known.receivedSeq, bundleAt: known.receivedBundleAt! })),
    };
    const { checksum } = writer.finish(header);
    return {
      out,
      bundleId: header.bundleId,
      sourceStation: stationId,
      destination: header.destination,
      full,
      events,
      records: counts,
      thumbnails,
      checksum,
      bytes: fs.statSync(out).size,
    };
  } catch (error) {
    writer.abandon();
    throw error;
  }
}
