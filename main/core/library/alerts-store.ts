import { StationError } from '../errors.js';
import type { Db } from './database.js';
import type { EventLog } from './event-log.js';
import { writeTransaction } from './write-transaction.js';
import { ALERT_STATE_ACTIONS, ALERT_STATE_ENTITY, alertStateKey, parseAlertStateKey } from './alert-state-events.js';
import { latestStanding, supersedesNow } from './superseding-events.js';

export type AlertKind = 'new-species' | 'new-zone' | 'new-cell' | 'near-boundary' | 'spread' | 'surge' | 'unknown-organism' | 'regrowth';
export type AlertState = 'new' | 'acknowledged' | 'dismissed';
export const ALERT_STATES: readonly AlertState[] = ['new', 'acknowledged', 'dismissed'];
export const ALERT_KINDS: readonly AlertKind[] = ['new-species', 'new-zone', 'new-cell', 'near-boundary', 'spread', 'surge', 'unknown-organism', 'regrowth'];

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
  /** Where the alert is, for grouping: its management zone and grid cell (null when unknown). */
  zoneName?: string | null;
  cellKey?: string | null;
}

/** Which alerts a bulk action or a list takes. */
export interface AlertFilter {
  state?: AlertState;
  kind?: AlertKind;
  species?: string;
  zone?: string;
  cell?: string;
  evidence?: 'predicted' | 'confirmed';
  /** true: only alerts nobody has looked at yet. */
  unseen?: boolean;
  ids?: readonly number[];
}

/** Who made a triage decision, and at which station. */
export interface AlertDecider {
  by: string | null;
  station: string | null;
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
  zoneName: string | null;
  cellKey: string | null;
  /** When a ranger first saw it (opened its group, or acted on it); null: unseen. */
  seenAt: string | null;
  /** Closed by the station itself (every photo rejected): reopens if its photos support it again. */
  autoClosed: boolean;
  decidedBy: string | null;
  decidedStation: string | null;
  decidedAt: string | null;
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
  zone_name: string | null;
  cell_key: string | null;
  seen_at: string | null;
  auto_closed: number;
  decided_by: string | null;
  decided_station: string | null;
  decided_at: string | null;
  state_event_id: string | null;
}

const NOBODY: AlertDecider = { by: null, station: null };

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
  private readonly markSeen;
  private readonly applyEvent;

  constructor(
    private readonly db: Db,
    private readonly events: EventLog,
  ) {
    this.find = db.prepare<[string, string, string], AlertRecord>('SELECT * FROM alerts WHERE kind = ? AND species = ? AND place_key = ?');
    this.insertAlert = db.prepare(`
      INSERT INTO alerts (kind, species, place_key, place_label, confirmed, detail_json, raised_at, updated_at, zone_name, cell_key)
      VALUES (@kind, @species, @placeKey, @placeLabel, @confirmed, @detail, @now, @now, @zoneName, @cellKey)`);
    this.updateFindings = db.prepare(`
      UPDATE alerts SET place_label = @placeLabel, confirmed = @confirmed, detail_json = @detail, updated_at = @now,
        zone_name = @zoneName, cell_key = @cellKey WHERE id = @id`);
    this.clearPhotos = db.prepare('DELETE FROM alert_photos WHERE alert_id = ?');
    this.linkPhoto = db.prepare('INSERT OR IGNORE INTO alert_photos (alert_id, photo_id) VALUES (?, ?)');
    this.photosOf = db.prepare<[number], { photo_id: number }>('SELECT photo_id FROM alert_photos WHERE alert_id = ? ORDER BY photo_id');
    this.byId = db.prepare<[number], AlertRecord>('SELECT * FROM alerts WHERE id = ?');
    this.setState = db.prepare(`
      UPDATE alerts SET state = @state, dismiss_reason = @reason, updated_at = @now, auto_closed = @autoClosed,
        decided_by = @by, decided_station = @station, decided_at = @now, seen_at = coalesce(seen_at, @now) WHERE id = @id`);
    this.markSeen = db.prepare('UPDATE alerts SET seen_at = @now WHERE id = @id AND seen_at IS NULL');
    this.deleteAlert = db.prepare('DELETE FROM alerts WHERE id = ?');
    this.applyEvent = db.prepare(`
      UPDATE alerts SET state = @state, dismiss_reason = @reason, updated_at = @now, auto_closed = 0, decided_by = @by,
        decided_station = @station, decided_at = @at, seen_at = coalesce(seen_at, @now), state_event_id = @eventId WHERE id = @id`);
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
      zoneName: candidate.zoneName ?? null,
      cellKey: candidate.cellKey ?? null,
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
        existing.zone_name === values.zoneName &&
        existing.cell_key === values.cellKey &&
        this.photosOf.all(id).map((row) => row.photo_id).join(',') === [...candidate.photoIds].sort((a, b) => a - b).join(',');
      if (!unchanged) this.updateFindings.run({ ...values, id });
      changed = !unchanged;
      // Closed by the station because every photo was rejected, and supported again (a rejection undone).
      if (existing.auto_closed === 1) {
        this.setState.run({ id, state: 'new', reason: null, autoClosed: 0, by: null, station: null, now });
        changed = true;
      }
    } else {
      id = Number(this.insertAlert.run({ ...values, kind: candidate.kind, species: candidate.species, placeKey: candidate.placeKey }).lastInsertRowid);
      // Decided on already (here before it was withdrawn, or at another station): it keeps that state.
      this.refoldState(alertStateKey(candidate));
    }
    this.clearPhotos.run(id);
    for (const photoId of candidate.photoIds) this.linkPhoto.run(id, photoId);
    return { alert: this.get(id)!, created: !existing, changed };
  }

  get(id: number): AlertRow | null {
    const record = this.byId.get(id);
    return record ? this.toRow(record) : null;
  }

  list(filter: AlertFilter = {}): AlertRow[] {
    const conditions: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.state) conditions.push('state = @state'), (params.state = filter.state);
    if (filter.kind) conditions.push('kind = @kind'), (params.kind = filter.kind);
    if (filter.species) conditions.push('species = @species'), (params.species = filter.species);
    if (filter.zone) conditions.push('zone_name = @zone'), (params.zone = filter.zone);
    if (filter.cell) conditions.push('cell_key = @cell'), (params.cell = filter.cell);
    if (filter.evidence) conditions.push('confirmed = @confirmed'), (params.confirmed = filter.evidence === 'confirmed' ? 1 : 0);
    if (filter.unseen === true) conditions.push('seen_at IS NULL');
    if (filter.unseen === false) conditions.push('seen_at IS NOT NULL');
    if (filter.ids) conditions.push(`id IN (SELECT value FROM json_each(@ids))`), (params.ids = JSON.stringify(filter.ids));
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    return this.db
      .prepare<[Record<string, unknown>], AlertRecord>(`SELECT * FROM alerts ${where} ORDER BY raised_at DESC, id DESC`)
      .all(params)
      .map((record) => this.toRow(record));
  }

  /** Marks alerts as seen by a ranger (the first time only); returns how many were unseen. */
  markSeenMany(ids: readonly number[]): number {
    const now = new Date().toISOString();
    return writeTransaction(this.db, () => ids.reduce((count, id) => count + this.markSeen.run({ id, now }).changes, 0));
  }

  /**
   * Acknowledges, dismisses or reopens every alert matching the filter, in one transaction.
   * Returns the alerts changed.
   */
  bulk(action: 'acknowledge' | 'dismiss' | 'reopen', filter: AlertFilter, decider: AlertDecider, reason?: string): AlertRow[] {
    const trimmed = reason?.trim() ?? '';
    if (action === 'dismiss' && !trimmed) throw new StationError('INVALID_ARGUMENT', 'Dismissing alerts needs a reason (e.g. "known planting", "wrong species").');
    const target: AlertState = action === 'acknowledge' ? 'acknowledged' : action === 'dismiss' ? 'dismissed' : 'new';
    return writeTransaction(this.db, () =>
      this.list(filter)
        .filter((alert) => alert.state !== target || (target === 'dismissed' && alert.dismissReason !== trimmed))
        .map((alert) => this.changeState(alert.id, target, target === 'dismissed' ? trimmed : null, decider)),
    );
  }

  /** Every alert key currently stored, for the refresh to find alerts whose findings vanished. */
  keys(): { id: number; state: AlertState; kind: AlertKind; species: string; placeKey: string }[] {
    return this.db
      .prepare<[], AlertRecord>('SELECT * FROM alerts')
      .all()
      .map((record) => ({ id: record.id, state: record.state, kind: record.kind, species: record.species, placeKey: record.place_key }));
  }

  acknowledge(id: number, decider: AlertDecider = NOBODY): AlertRow {
    return this.changeState(id, 'acknowledged', null, decider);
  }

  dismiss(id: number, reason: string, decider: AlertDecider = NOBODY): AlertRow {
    const trimmed = reason.trim();
    if (!trimmed) throw new StationError('INVALID_ARGUMENT', `Dismissing alert ${id} needs a reason (e.g. "known planting", "wrong species").`);
    return this.changeState(id, 'dismissed', trimmed, decider);
  }

  /** Puts an acknowledged or dismissed alert back to new. */
  reopen(id: number, decider: AlertDecider = NOBODY): AlertRow {
    return this.changeState(id, 'new', null, decider);
  }

  /** Closes an alert whose photos were all rejected by a ranger, saying so; it reopens if they support it again. */
  closeRejected(id: number, reason: string): void {
    this.setState.run({ id, state: 'dismissed', reason, autoClosed: 1, by: null, station: null, now: new Date().toISOString() });
  }

  /** Removes an alert nobody acted on whose photos no longer support it (e.g. its score fell under the threshold). */
  withdraw(id: number): void {
    this.deleteAlert.run(id);
  }

  /** A ranger's decision: an 'alert-state' event (alert-state-events.ts), projected onto the row. */
  private changeState(id: number, state: AlertState, reason: string | null, decider: AlertDecider): AlertRow {
    const record = this.byId.get(id);
    if (!record) throw new StationError('NOT_FOUND', `Alert ${id} does not exist (see: invasives alerts list).`);
    const key = alertStateKey({ kind: record.kind, species: record.species, placeKey: record.place_key });
    return writeTransaction(this.db, () => {
      const supersedes = supersedesNow(this.events.history(ALERT_STATE_ENTITY, key));
      this.events.append({
        entityType: ALERT_STATE_ENTITY,
        entityId: key,
        action: ALERT_STATE_ACTIONS[state],
        payload: { state, reason, station: decider.station, supersedes },
        ranger: decider.by,
        reason,
      });
      this.refoldState(key);
      return this.get(id)!;
    });
  }

  /**
   * Brings the state of the alert with this natural key up to its latest standing event (after a
   * merge, or when the alert is raised here). An alert whose latest event is already applied is
   * left alone, so the station's own closing of a rejected alert stays.
   */
  refoldState(key: string): void {
    const parts = parseAlertStateKey(key);
    const record = parts && this.find.get(parts.kind, parts.species, parts.placeKey);
    if (!record) return;
    const latest = latestStanding(this.events.history(ALERT_STATE_ENTITY, key));
    if (!latest || record.state_event_id === latest.eventId) return;
    const p = latest.payload;
    const state = ALERT_STATES.includes(p.state as AlertState) ? (p.state as AlertState) : 'new';
    this.applyEvent.run({
      id: record.id,
      state,
      reason: state === 'dismissed' ? ((p.reason as string | null) ?? latest.reason ?? 'dismissed at another station') : null,
      by: latest.ranger,
      station: (p.station as string | null) ?? null,
      at: latest.occurredAt,
      now: new Date().toISOString(),
      eventId: latest.eventId,
    });
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
      zoneName: record.zone_name,
      cellKey: record.cell_key,
      seenAt: record.seen_at,
      autoClosed: record.auto_closed === 1,
      decidedBy: record.decided_by,
      decidedStation: record.decided_station,
      decidedAt: record.decided_at,
    };
  }
}
