import { StationError } from '../errors.js';
import type { Db } from './database.js';

export type AlertKind = 'new-species' | 'new-zone' | 'new-cell' | 'surge';
export type AlertState = 'new' | 'acknowledged' | 'dismissed';
export const ALERT_STATES: readonly AlertState[] = ['new', 'acknowledged', 'dismissed'];
export const ALERT_KINDS: readonly AlertKind[] = ['new-species', 'new-zone', 'new-cell', 'surge'];

/** What the alert rules found: the same (kind, species, placeKey) is the same alert forever. */
export interface AlertCandidate {
  kind: AlertKind;
  species: string;
  /** '' for new-species; 'zone:ID'; 'cell:SIZE:ROW:COL'; 'surge:zone:ID:WINDOWSTART'. */
  placeKey: string;
  /** What a person reads: the zone name, the cell's centre, "the library". */
  placeLabel: string;
  /** At least one linked photo was confirmed or corrected by a ranger. */
  confirmed: boolean;
  photoIds: number[];
  detail: Record<string, unknown>;
}

export interface AlertRow {
  id: number;
  kind: AlertKind;
  species: string;
  placeKey: string;
  placeLabel: string;
  state: AlertState;
  /** 'predicted' until a ranger confirms one of its photos. */
  evidence: 'predicted' | 'confirmed';
  dismissReason: string | null;
  detail: Record<string, unknown>;
  raisedAt: string;
  updatedAt: string;
  photoIds: number[];
}

interface AlertRecord {
  id: number;
  kind: AlertKind;
  species: string;
  place_key: string;
  place_label: string;
  state: AlertState;
  confirmed: number;
  dismiss_reason: string | null;
  detail_json: string;
  raised_at: string;
  updated_at: string;
}

/** alerts + alert_photos: early-detection alerts and the photos behind each. */
export class AlertsStore {
  private readonly find;
  private readonly insertAlert;
  private readonly updateFindings;
  private readonly clearPhotos;
  private readonly linkPhoto;
  private readonly photosOf;
  private readonly byId;
  private readonly setState;
  private readonly deleteAlert;

  constructor(private readonly db: Db) {
    this.find = db.prepare<[string, string, string], AlertRecord>('SELECT * FROM alerts WHERE kind = ? AND species = ? AND place_key = ?');
    this.insertAlert = db.prepare(`
      INSERT INTO alerts (kind, species, place_key, place_label, confirmed, detail_json, raised_at, updated_at)
      VALUES (@kind, @species, @placeKey, @placeLabel, @confirmed, @detail, @now, @now)`);
    this.updateFindings = db.prepare(`
      UPDATE alerts SET place_label = @placeLabel, confirmed = @confirmed, detail_json = @detail, updated_at = @now WHERE id = @id`);
    this.clearPhotos = db.prepare('DELETE FROM alert_photos WHERE alert_id = ?');
    this.linkPhoto = db.prepare('INSERT OR IGNORE INTO alert_photos (alert_id, photo_id) VALUES (?, ?)');
    this.photosOf = db.prepare<[number], { photo_id: number }>('SELECT photo_id FROM alert_photos WHERE alert_id = ? ORDER BY photo_id');
    this.byId = db.prepare<[number], AlertRecord>('SELECT * FROM alerts WHERE id = ?');
    this.setState = db.prepare('UPDATE alerts SET state = @state, dismiss_reason = @reason, updated_at = @now WHERE id = @id');
    this.deleteAlert = db.prepare('DELETE FROM alerts WHERE id = ?');
  }

  /**
   * Raises the alert if it is new, else refreshes its findings (photos, evidence, detail)
   * without touching its state: an acknowledged or dismissed alert stays so.
   */
  upsert(candidate: AlertCandidate): { alert: AlertRow; created: boolean; changed: boolean } {
    const now = new Date().toISOString();
    const existing = this.find.get(candidate.kind, candidate.species, candidate.placeKey);
    const values = {
      placeLabel: candidate.placeLabel,
      confirmed: candidate.confirmed ? 1 : 0,
      detail: JSON.stringify(candidate.detail),
      now,
    };
    let id: number;
    let changed = false;
    if (existing) {
      id = existing.id;
      const unchanged =
        existing.confirmed === values.confirmed &&
        existing.detail_json === values.detail &&
        existing.place_label === values.placeLabel &&
        this.photosOf.all(id).map((row) => row.photo_id).join(',') === [...candidate.photoIds].sort((a, b) => a - b).join(',');
      if (!unchanged) this.updateFindings.run({ ...values, id });
      changed = !unchanged;
    } else {
      id = Number(this.insertAlert.run({ ...values, kind: candidate.kind, species: candidate.species, placeKey: candidate.placeKey }).lastInsertRowid);
    }
    this.clearPhotos.run(id);
    for (const photoId of candidate.photoIds) this.linkPhoto.run(id, photoId);
    return { alert: this.get(id)!, created: !existing, changed };
  }

  get(id: number): AlertRow | null {
    const record = this.byId.get(id);
    return record ? this.toRow(record) : null;
  }

  list(filter: { state?: AlertState; kind?: AlertKind; species?: string } = {}): AlertRow[] {
    const conditions: string[] = [];
    if (filter.state) conditions.push('state = @state');
    if (filter.kind) conditions.push('kind = @kind');
    if (filter.species) conditions.push('species = @species');
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    return this.db
      .prepare<[Record<string, unknown>], AlertRecord>(`SELECT * FROM alerts ${where} ORDER BY raised_at DESC, id DESC`)
      .all({ ...filter })
      .map((record) => this.toRow(record));
  }

  /** Every alert key currently stored, for the refresh to find alerts whose findings vanished. */
  keys(): { id: number; state: AlertState; kind: AlertKind; species: string; placeKey: string }[] {
    return this.db
      .prepare<[], AlertRecord>('SELECT * FROM alerts')
      .all()
      .map((record) => ({ id: record.id, state: record.state, kind: record.kind, species: record.species, placeKey: record.place_key }));
  }

  acknowledge(id: number): AlertRow {
    return this.changeState(id, 'acknowledged', null);
  }

  dismiss(id: number, reason: string): AlertRow {
    const trimmed = reason.trim();
    if (!trimmed) throw new StationError('INVALID_ARGUMENT', `Dismissing alert ${id} needs a reason (e.g. "known planting", "wrong species").`);
    return this.changeState(id, 'dismissed', trimmed);
  }

  /** Puts an acknowledged or dismissed alert back to new. */
  reopen(id: number): AlertRow {
    return this.changeState(id, 'new', null);
  }

  /** Removes an alert nobody acted on whose photos no longer support it (e.g. all rejected). */
  withdraw(id: number): void {
    this.deleteAlert.run(id);
  }

  private changeState(id: number, state: AlertState, reason: string | null): AlertRow {
    if (!this.byId.get(id)) throw new StationError('NOT_FOUND', `Alert ${id} does not exist (see: invasives alerts list).`);
    this.setState.run({ id, state, reason, now: new Date().toISOString() });
    return this.get(id)!;
  }

  private toRow(record: AlertRecord): AlertRow {
    return {
      id: record.id,
      kind: record.kind,
      species: record.species,
      placeKey: record.place_key,
      placeLabel: record.place_label,
      state: record.state,
      evidence: record.confirmed ? 'confirmed' : 'predicted',
      dismissReason: record.dismiss_reason,
      detail: JSON.parse(record.detail_json) as Record<string, unknown>,
      raisedAt: record.raised_at,
      updatedAt: record.updated_at,
      photoIds: this.photosOf.all(record.id).map((row) => row.photo_id),
    };
  }
}
