import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';

/**
 * The append-only event log: every decision or state change on a record that travels between
 * stations (sites, treatments, visits, submissions, submitters, ...) is one event with a global
 * id, the station it was made at and the ranger who made it. Nothing is updated or deleted
 * (triggers refuse it), so a record's history is complete and merging two libraries is the
 * union of their events. A record's current state is folded from its events in
 * `compareEvents` order, which every station computes the same way.
 */

/** A new, globally unique id for a record or an event (UUID v4). */
export function newGlobalId(): string {
  return randomUUID();
}

export interface NewEvent {
  /** What kind of record: 'site', 'treatment', 'visit', 'submission', 'submitter', ... */
  entityType: string;
  /** The record's global id (newGlobalId()). */
  entityId: string;
  /** What happened: 'created', 'state-changed', 'anonymised', ... (the record type's own vocabulary). */
  action: string;
  /** The facts of the change (the new values), JSON-serialisable. */
  payload?: Record<string, unknown>;
  ranger?: string | null;
  reason?: string | null;
  /** When the decision was made (ISO 8601); now when absent. Injected clocks pass their own. */
  occurredAt?: string;
}

export interface EventRow {
  seq: number;
  eventId: string;
  originStation: string;
  entityType: string;
  entityId: string;
  action: string;
  payload: Record<string, unknown>;
  ranger: string | null;
  reason: string | null;
  occurredAt: string;
  recordedAt: string;
}

/** An event as it travels in a bundle or a merge: everything but the receiving library's local `seq`. */
export type PortableEvent = Omit<EventRow, 'seq' | 'recordedAt'>;

interface EventRecord {
  seq: number;
  event_id: string;
  origin_station: string;
  entity_type: string;
  entity_id: string;
  action: string;
  payload_json: string;
  ranger: string | null;
  reason: string | null;
  occurred_at: string;
  recorded_at: string;
}

/** The one order of events every station agrees on: by time of decision, then by event id. */
export function compareEvents(a: Pick<EventRow, 'occurredAt' | 'eventId'>, b: Pick<EventRow, 'occurredAt' | 'eventId'>): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

function toEventRow(record: EventRecord): EventRow {
  return {
    seq: record.seq,
    eventId: record.event_id,
    originStation: record.origin_station,
    entityType: record.entity_type,
    entityId: record.entity_id,
    action: record.action,
    payload: JSON.parse(record.payload_json) as Record<string, unknown>,
    ranger: record.ranger,
    reason: record.reason,
    occurredAt: record.occurred_at,
    recordedAt: record.recorded_at,
  };
}

export class EventLog {
  /** This library's station id (made once by its migration; a restored backup keeps it). */
  readonly stationId: string;
  private readonly insert;
  private readonly byEntity;
  private readonly byType;
  private readonly byId;
  private readonly sinceSeq;

  constructor(db: Db) {
    this.stationId = db.prepare<[], { station_id: string }>('SELECT station_id FROM station_identity WHERE singleton = 1').get()!.station_id;
    this.insert = db.prepare(`
      INSERT INTO events (event_id, origin_station, entity_type, entity_id, action, payload_json, ranger, reason, occurred_at, recorded_at)
      VALUES (@eventId, @originStation, @entityType, @entityId, @action, @payload, @ranger, @reason, @occurredAt, @recordedAt)
      ON CONFLICT (event_id) DO NOTHING`);
    this.byEntity = db.prepare<[string, string], EventRecord>(
      'SELECT * FROM events WHERE entity_type = ? AND entity_id = ? ORDER BY occurred_at, event_id',
    );
    this.byType = db.prepare<[string], EventRecord>('SELECT * FROM events WHERE entity_type = ? ORDER BY occurred_at, event_id');
    this.byId = db.prepare<[string], EventRecord>('SELECT * FROM events WHERE event_id = ?');
    this.sinceSeq = db.prepare<[number, number], EventRecord>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  }

  /** Records a decision made at this station; returns it as stored. */
  append(event: NewEvent): EventRow {
    const now = new Date().toISOString();
    const eventId = newGlobalId();
    this.insert.run({
      eventId,
      originStation: this.stationId,
      entityType: event.entityType,
      entityId: event.entityId,
      action: event.action,
      payload: JSON.stringify(event.payload ?? {}),
      ranger: event.ranger ?? null,
      reason: event.reason ?? null,
      occurredAt: event.occurredAt ?? now,
      recordedAt: now,
    });
    return toEventRow(this.byId.get(eventId)!);
  }

  /** Adds an event made elsewhere (a bundle, a merged library); one already here is left as it is. Returns whether it was new. */
  receive(event: PortableEvent): boolean {
    const result = this.insert.run({
      eventId: event.eventId,
      originStation: event.originStation,
      entityType: event.entityType,
      entityId: event.entityId,
      action: event.action,
      payload: JSON.stringify(event.payload),
      ranger: event.ranger,
      reason: event.reason,
      occurredAt: event.occurredAt,
      recordedAt: new Date().toISOString(),
    });
    return result.changes === 1;
  }

  /** One record's whole history, oldest first (the fold order). */
  history(entityType: string, entityId: string): EventRow[] {
    return this.byEntity.all(entityType, entityId).map(toEventRow);
  }

  /** Every event of one record type, in fold order. */
  ofType(entityType: string): EventRow[] {
    return this.byType.all(entityType).map(toEventRow);
  }

  /** Events stored here after local position `seq`, in storage order (for bundles: a watermark is a seq). */
  after(seq: number, limit = 10_000): EventRow[] {
    return this.sinceSeq.all(seq, limit).map(toEventRow);
  }
}
