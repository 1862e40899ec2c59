import type Database from 'better-sqlite3';
import type { Db } from './database.js';

/**
 * The library side of station bundles and merges: reads records out in a portable shape (local
 * ids replaced by content hashes and global keys) and merges such records in. The rules make a
 * merge idempotent and order-free: photos by content hash (never duplicated), predictions by
 * (photo, model hash), the park outline by the latest change (ties broken by content), zones,
 * alerts and alert photos by union. Placements, species list entries and alert states are not
 * records here: they travel as events (placement-events.ts, species-list-events.ts,
 * alert-state-events.ts), so an alert row travels without its state.
 */
export type Row = Record<string, unknown>;

export type SyncRecord =
  | { kind: 'model'; row: Row }
  | { kind: 'photo'; row: Row }
  | { kind: 'prediction'; row: Row; photo: string; model: string }
  | { kind: 'zone'; row: Row }
  | { kind: 'alert'; row: Row; photos: string[] };

/** An alert's columns that are its ranger state (from its events) or this station's own (seen, closed by the station). */
export const ALERT_STATE_COLUMNS = ['state', 'dismiss_reason', 'decided_by', 'decided_station', 'decided_at', 'auto_closed', 'state_event_id', 'seen_at'] as const;

export interface PeerRow {
  stationId: string;
  stationName: string | null;
  acknowledgedSeq: number;
  acknowledgedAt: string | null;
  receivedSeq: number;
  receivedBundleAt: string | null;
}

export interface ReceivedBundleRow {
  bundleId: string;
  sourceStation: string;
  sourceName: string | null;
  kind: 'bundle' | 'library';
  file: string;
  createdAt: string;
  receivedAt: string;
  summary: Record<string, unknown>;
}

export interface MergeOutcome {
  /** 'added': a new row; 'updated': a newer state replaced ours; 'same': nothing changed. */
  result: 'added' | 'updated' | 'same';
}

function omit(row: Row, keys: readonly string[]): Row {
  const copy: Row = {};
  for (const [key, value] of Object.entries(row)) if (!keys.includes(key)) copy[key] = value;
  return copy;
}

/** Compares two states by their time column, then by their content, so every station picks the same winner. */
function newer(incoming: Row, current: Row, timeColumn: string): boolean {
  const a = String(incoming[timeColumn] ?? '');
  const b = String(current[timeColumn] ?? '');
  if (a !== b) return a > b;
  return JSON.stringify(incoming) > JSON.stringify(current);
}

export class StationSyncStore {
  private readonly columnsCache = new Map<string, Set<string>>();
  private readonly statements = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {}

  /** A prepared statement, made once per SQL text (a merge runs the same few statements per record). */
  private cached<P extends unknown[] | Record<string, unknown> = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as unknown as Database.Statement<P, R>;
  }

  private columns(table: string): Set<string> {
    let columns = this.columnsCache.get(table);
    if (!columns) {
      columns = new Set(this.db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name));
      this.columnsCache.set(table, columns);
    }
    return columns;
  }

  /** INSERT (OR IGNORE / OR REPLACE) of the columns this library has; columns it does not know are left out. */
  private insertRow(table: string, row: Row, conflict: 'IGNORE' | 'REPLACE' | 'ABORT' = 'ABORT'): number {
    const known = this.columns(table);
    const keys = Object.keys(row).filter((key) => known.has(key)).sort();
    const sqlKey = `${conflict}:${table}:${keys.join(',')}`;
    let statement = this.statements.get(sqlKey);
    if (!statement) {
      statement = this.db.prepare(
        `INSERT OR ${conflict} INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((key) => `@${key}`).join(', ')})`,
      );
      this.statements.set(sqlKey, statement);
    }
    const values: Row = {};
    for (const key of keys) values[key] = row[key];
    return statement.run(values).changes;
  }

  // ---- reading out -------------------------------------------------------------------------

  /** Photos added here at or after `since` (all when null), with their predictions; models first. */
  *records(since: string | null): Generator<SyncRecord> {
    const modelIds = new Map<number, string>();
    for (const model of this.db.prepare<[], Row>('SELECT * FROM models ORDER BY id').iterate()) {
      modelIds.set(model.id as number, model.content_hash as string);
      yield { kind: 'model', row: omit(model, ['id', 'is_active', 'onnx_path']) };
    }
    const changedPhotos = since === null
      ? 'SELECT * FROM photos ORDER BY id'
      : `SELECT * FROM photos ph WHERE ph.added_at >= @since
           OR EXISTS (SELECT 1 FROM predictions p WHERE p.photo_id = ph.id AND p.created_at >= @since)
           OR EXISTS (SELECT 1 FROM photo_positions pos WHERE pos.photo_id = ph.id AND pos.set_at >= @since)
         ORDER BY id`;
    const predictions = this.db.prepare<[number], Row>('SELECT * FROM predictions WHERE photo_id = ? ORDER BY id');
    const photos = this.db.prepare<Row, Row>(changedPhotos).all(since === null ? {} : { since });
    for (const photo of photos) {
      const sha256 = photo.sha256 as string;
      yield { kind: 'photo', row: omit(photo, ['id', 'first_import_id']) };
      for (const prediction of predictions.all(photo.id as number)) {
        yield { kind: 'prediction', row: omit(prediction, ['id', 'photo_id', 'model_id']), photo: sha256, model: modelIds.get(prediction.model_id as number)! };
      }
    }
    for (const zone of this.db.prepare<[], Row>('SELECT * FROM zones ORDER BY id').all()) yield { kind: 'zone', row: omit(zone, ['id']) };
    const alertPhotos = this.db.prepare<[number], { sha256: string }>(
      'SELECT ph.sha256 FROM alert_photos ap JOIN photos ph ON ph.id = ap.photo_id WHERE ap.alert_id = ? ORDER BY ph.sha256',
    );
    for (const alert of this.db.prepare<[], Row>('SELECT * FROM alerts ORDER BY id').all()) {
      yield { kind: 'alert', row: omit(alert, ['id', ...ALERT_STATE_COLUMNS]), photos: alertPhotos.all(alert.id as number).map((p) => p.sha256) };
    }
  }

  /** Content hashes of every photo here (thumbnails travel by them). */
  photoHashes(since: string | null): string[] {
    return this.db
      .prepare<Row, { sha256: string }>(since === null ? 'SELECT sha256 FROM photos ORDER BY id' : 'SELECT sha256 FROM photos WHERE added_at >= @since ORDER BY id')
      .all(since === null ? {} : { since })
      .map((row) => row.sha256);
  }

  // ---- merging in --------------------------------------------------------------------------

  /** The local id of the photo with these bytes, if it is here. */
  photoId(sha256: string): number | undefined {
    return this.cached<[string], { id: number }>('SELECT id FROM photos WHERE sha256 = ?').get(sha256)?.id;
  }

  /** Merges one record; `receivedAt` is this station's clock (a received photo is new here from then on). */
  merge(record: SyncRecord, receivedAt: string): MergeOutcome {
    switch (record.kind) {
      case 'model': {
        // A model missing here: its identity is kept (inactive, no file) so its predictions stay named.
        const changes = this.insertRow('models', { ...record.row, is_active: 0 }, 'IGNORE');
        return { result: changes ? 'added' : 'same' };
      }
      case 'photo':
        return { result: this.insertRow('photos', { ...record.row, added_at: receivedAt }, 'IGNORE') ? 'added' : 'same' };
      case 'prediction': {
        const photoId = this.photoId(record.photo);
        const modelId = this.cached<[string], { id: number }>('SELECT id FROM models WHERE content_hash = ?').get(record.model)?.id;
        if (photoId === undefined || modelId === undefined) return { result: 'same' };
        return { result: this.insertRow('predictions', { ...record.row, photo_id: photoId, model_id: modelId }, 'IGNORE') ? 'added' : 'same' };
      }
      case 'zone': {
        const row = record.row;
        if (row.kind === 'park') {
          const current = this.cached<[], Row>("SELECT * FROM zones WHERE kind = 'park' ORDER BY id LIMIT 1").get();
          if (current && (current.geometry_json === row.geometry_json || !newer(row, omit(current, ['id']), 'loaded_at'))) return { result: 'same' };
          if (current) this.cached("DELETE FROM zones WHERE kind = 'park'").run();
          this.insertRow('zones', row);
          return { result: current ? 'updated' : 'added' };
        }
        const exists = this.cached<[unknown, unknown, unknown], { id: number }>('SELECT id FROM zones WHERE kind = ? AND name = ? AND geometry_json = ?')
          .get(row.kind, row.name, row.geometry_json);
        if (exists) return { result: 'same' };
        this.insertRow('zones', row);
        return { result: 'added' };
      }
      case 'alert': {
        // Found by its natural key; a new one arrives as 'new' (its state comes from its events), photos are a union.
        const row = omit(record.row, ALERT_STATE_COLUMNS);
        const find = () =>
          this.cached<[unknown, unknown, unknown], Row>('SELECT * FROM alerts WHERE kind = ? AND species = ? AND place_key = ?')
            .get(row.kind, row.species, row.place_key);
        let result: MergeOutcome['result'] = 'same';
        if (!find()) {
          this.insertRow('alerts', row);
          result = 'added';
        }
        const alertId = find()!.id as number;
        const link = this.cached('INSERT OR IGNORE INTO alert_photos (alert_id, photo_id) VALUES (?, ?)');
        for (const sha256 of record.photos) {
          const photoId = this.photoId(sha256);
          if (photoId !== undefined && link.run(alertId, photoId).changes && result === 'same') result = 'updated';
        }
        return { result };
      }
    }
  }

  // ---- peers and receipts ------------------------------------------------------------------

  peers(): PeerRow[] {
    return this.db
      .prepare<[], Row>('SELECT * FROM station_peers ORDER BY station_id')
      .all()
      .map((row) => ({
        stationId: row.station_id as string,
        stationName: row.station_name as string | null,
        acknowledgedSeq: row.acknowledged_seq as number,
        acknowledgedAt: row.acknowledged_at as string | null,
        receivedSeq: row.received_seq as number,
        receivedBundleAt: row.received_bundle_at as string | null,
      }));
  }

  peer(stationId: string): PeerRow | undefined {
    return this.peers().find((peer) => peer.stationId === stationId);
  }

  private ensurePeer(stationId: string, name: string | null, now: string): void {
    this.db
      .prepare(`INSERT INTO station_peers (station_id, station_name, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (station_id) DO UPDATE SET station_name = coalesce(excluded.station_name, station_name)`)
      .run(stationId, name, now);
  }

  /** We received `peer`'s events up to its seq `seq` (a bundle it made at `bundleAt`): our receipt for it. */
  noteReceived(peer: string, name: string | null, seq: number, bundleAt: string, now: string): void {
    this.ensurePeer(peer, name, now);
    this.db
      .prepare(`UPDATE station_peers SET received_seq = max(received_seq, @seq),
                  received_bundle_at = CASE WHEN received_bundle_at IS NULL OR received_bundle_at < @bundleAt THEN @bundleAt ELSE received_bundle_at END,
                  updated_at = @now WHERE station_id = @peer`)
      .run({ peer, seq, bundleAt, now });
  }

  /** `peer` confirmed it has our events up to `seq` and our records as of `at` (its receipt came back): the watermark advances. */
  noteAcknowledged(peer: string, name: string | null, seq: number, at: string, now: string): void {
    this.ensurePeer(peer, name, now);
    this.db
      .prepare(`UPDATE station_peers SET acknowledged_seq = max(acknowledged_seq, @seq),
                  acknowledged_at = CASE WHEN acknowledged_at IS NULL OR acknowledged_at < @at THEN @at ELSE acknowledged_at END,
                  updated_at = @now WHERE station_id = @peer`)
      .run({ peer, seq, at, now });
  }

  /** Records a merged bundle once (by its id); false when it was merged before. */
  noteBundle(bundle: ReceivedBundleRow): boolean {
    return (
      this.db
        .prepare(`INSERT OR IGNORE INTO bundles_received (bundle_id, source_station, source_name, kind, file, created_at, received_at, summary_json)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(bundle.bundleId, bundle.sourceStation, bundle.sourceName, bundle.kind, bundle.file, bundle.createdAt, bundle.receivedAt, JSON.stringify(bundle.summary))
        .changes === 1
    );
  }

  bundlesReceived(): ReceivedBundleRow[] {
    return this.db
      .prepare<[], Row>('SELECT * FROM bundles_received ORDER BY received_at DESC')
      .all()
      .map((row) => ({
        bundleId: row.bundle_id as string,
        sourceStation: row.source_station as string,
        sourceName: row.source_name as string | null,
        kind: row.kind as 'bundle' | 'library',
        file: row.file as string,
        createdAt: row.created_at as string,
        receivedAt: row.received_at as string,
        summary: JSON.parse(row.summary_json as string) as Record<string, unknown>,
      }));
  }

  /** Every photo hash with 'review' events (for listing conflicts). */
  reviewedPhotoHashes(): string[] {
    return this.db
      .prepare<[], { entity_id: string }>("SELECT DISTINCT entity_id FROM events WHERE entity_type = 'review' ORDER BY entity_id")
      .all()
      .map((row) => row.entity_id);
  }

  /** Highest local event seq (what a bundle made now covers). */
  lastSeq(): number {
    return this.db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM events').get()!.seq ?? 0;
  }
}
