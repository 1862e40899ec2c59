import type { Licence } from '../licences.js';
import type { Db } from './database.js';
import { type EventLog, type EventRow, newGlobalId } from './event-log.js';

/**
 * Citizen submissions: who sent which photos, under which licence, with or without consent to
 * be named. Submitters and submissions travel between stations as events ('submitter',
 * 'submission'); the tables here are their projections, re-folded from the events. A
 * submitter's name and contact address are personal details and stay at this station
 * (`submitter_contacts`, deleted on anonymisation); the events carry only the name they may
 * be credited with, and only with their consent.
 */
export type SubmissionChannel = 'email' | 'folder';

export interface Submitter {
  id: string;
  originStation: string;
  /** The name exports may credit (null: not to be named, or anonymised). */
  creditName: string | null;
  /** Personal details kept at this station only (null once anonymised). */
  name: string | null;
  contact: string | null;
  mergedInto: string | null;
  anonymised: boolean;
  createdAt: string;
}

export interface SubmissionPhoto {
  sha256: string;
  fileName: string | null;
}

export interface Submission {
  id: string;
  originStation: string;
  submitterId: string;
  receivedAt: string;
  channel: SubmissionChannel;
  licence: Licence;
  consentToName: boolean;
  note: string | null;
  subject: string | null;
  /** A place described in the mail text or sidecar, for photos without GPS. */
  locationText: string | null;
  /** Where it came from: the mail file (and message number) or the folder. */
  source: string | null;
  /** A hash of what was received: the same mail or folder taken in twice is one submission. */
  sourceKey: string | null;
  photos: SubmissionPhoto[];
}

export type NewSubmission = Omit<Submission, 'id' | 'originStation'>;

/** A photo with no position whose submission describes a place. */
export interface PendingPlacement {
  photoId: number;
  sha256: string;
  fileName: string | null;
  submissionId: string;
  subject: string | null;
  locationText: string;
  receivedAt: string;
}

/** The credit and licence of one photo in exports. */
export interface PhotoCredit {
  licence: Licence;
  /** The name to credit (null: the submitter did not consent to be named, or was anonymised). */
  creditName: string | null;
  consentToName: boolean;
}

interface SubmitterRecord {
  id: string;
  origin_station: string;
  credit_name: string | null;
  merged_into: string | null;
  anonymised: number;
  created_at: string;
  name: string | null;
  contact: string | null;
}

interface SubmissionRecord {
  id: string;
  origin_station: string;
  submitter_id: string;
  received_at: string;
  channel: SubmissionChannel;
  licence: Licence;
  consent_to_name: number;
  note: string | null;
  subject: string | null;
  location_text: string | null;
  source: string | null;
  source_key: string | null;
}

const LICENCE_ORDER = `CASE s.licence WHEN 'CC0-1.0' THEN 0 WHEN 'CC-BY-4.0' THEN 1 ELSE 2 END`;

export class SubmissionsStore {
  constructor(
    private readonly db: Db,
    private readonly events: EventLog,
  ) {}

  /** A new submitter; `creditName` only when they consent to be named. */
  createSubmitter(details: { name: string | null; contact: string | null; creditName: string | null }, ranger: string | null, occurredAt?: string): Submitter {
    const id = newGlobalId();
    this.db.prepare('INSERT OR REPLACE INTO submitter_contacts (submitter_id, name, contact) VALUES (?, ?, ?)').run(id, details.name, details.contact);
    this.events.append({ entityType: 'submitter', entityId: id, action: 'created', payload: { creditName: details.creditName }, ranger, occurredAt });
    this.refoldSubmitter(id);
    return this.submitter(id)!;
  }

  /** A later submission gave consent to be named (or a new name to credit). */
  setCreditName(id: string, creditName: string | null, ranger: string | null): void {
    this.events.append({ entityType: 'submitter', entityId: id, action: 'named', payload: { creditName }, ranger });
    this.refoldSubmitter(id);
  }

  /** Removes the contact details and the credited name; the submissions and photos stay. Wins over any older event. */
  anonymise(id: string, ranger: string | null, reason: string | null): void {
    this.events.append({ entityType: 'submitter', entityId: id, action: 'anonymised', ranger, reason });
    this.refoldSubmitter(id);
  }

  /** `fromId`'s submissions count as `intoId`'s from now on (the same person, known twice). */
  merge(fromId: string, intoId: string, ranger: string | null, reason: string | null): void {
    this.events.append({ entityType: 'submitter', entityId: fromId, action: 'merged', payload: { into: intoId }, ranger, reason });
    const contact = this.db.prepare<[string], { name: string | null; contact: string | null }>('SELECT name, contact FROM submitter_contacts WHERE submitter_id = ?').get(fromId);
    const target = this.db.prepare<[string], { name: string | null; contact: string | null }>('SELECT name, contact FROM submitter_contacts WHERE submitter_id = ?').get(intoId);
    if (contact && !target && !this.submitter(intoId)?.anonymised) {
      this.db.prepare('INSERT INTO submitter_contacts (submitter_id, name, contact) VALUES (?, ?, ?)').run(intoId, contact.name, contact.contact);
    }
    this.refoldSubmitter(fromId);
  }

  addSubmission(submission: NewSubmission, ranger: string | null): Submission {
    const id = newGlobalId();
    const { photos, ...facts } = submission;
    this.events.append({ entityType: 'submission', entityId: id, action: 'created', payload: { ...facts, photos }, ranger, occurredAt: undefined });
    this.refoldSubmission(id);
    return this.submission(id)!;
  }

  /** Recomputes one record's rows from its events (after a merge of event logs, too). */
  refold(entityType: string, entityId: string): void {
    if (entityType === 'submitter') this.refoldSubmitter(entityId);
    else if (entityType === 'submission') this.refoldSubmission(entityId);
  }

  private refoldSubmitter(id: string): void {
    const history = this.events.history('submitter', id);
    this.db.prepare('DELETE FROM submitters WHERE id = ?').run(id);
    const created = history.find((event) => event.action === 'created');
    if (!created) return;
    let creditName: string | null = null;
    let mergedInto: string | null = null;
    let anonymised = false;
    for (const event of history) {
      if (event.action === 'created' || event.action === 'named') {
        if (!anonymised) creditName = stringOrNull(event.payload.creditName);
      } else if (event.action === 'anonymised') {
        anonymised = true;
        creditName = null;
      } else if (event.action === 'merged') {
        mergedInto = stringOrNull(event.payload.into);
      }
    }
    this.db
      .prepare('INSERT INTO submitters (id, origin_station, credit_name, merged_into, anonymised, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, created.originStation, creditName, mergedInto, anonymised ? 1 : 0, created.occurredAt);
    if (anonymised) this.db.prepare('DELETE FROM submitter_contacts WHERE submitter_id = ?').run(id);
  }

  private refoldSubmission(id: string): void {
    const history = this.events.history('submission', id);
    this.db.prepare('DELETE FROM submissions WHERE id = ?').run(id);
    this.db.prepare('DELETE FROM submission_photos WHERE submission_id = ?').run(id);
    const created = history.find((event) => event.action === 'created');
    if (!created) return;
    const p = created.payload;
    this.db
      .prepare(`INSERT INTO submissions (id, origin_station, submitter_id, received_at, channel, licence, consent_to_name, note, subject, location_text, source, source_key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, created.originStation, String(p.submitterId), String(p.receivedAt), String(p.channel), String(p.licence), p.consentToName ? 1 : 0,
        stringOrNull(p.note), stringOrNull(p.subject), stringOrNull(p.locationText), stringOrNull(p.source), stringOrNull(p.sourceKey));
    const insertPhoto = this.db.prepare('INSERT OR IGNORE INTO submission_photos (submission_id, sha256, file_name) VALUES (?, ?, ?)');
    for (const photo of photosOf(history)) insertPhoto.run(id, photo.sha256, photo.fileName);
  }

  submitter(id: string): Submitter | null {
    const record = this.db
      .prepare<[string], SubmitterRecord>('SELECT s.*, c.name, c.contact FROM submitters s LEFT JOIN submitter_contacts c ON c.submitter_id = s.id WHERE s.id = ?')
      .get(id);
    return record ? toSubmitter(record) : null;
  }

  /** Follows merges to the submitter that stands for this one now. */
  resolve(id: string): string {
    const seen = new Set<string>();
    let current = id;
    for (;;) {
      const next = this.db.prepare<[string], { merged_into: string | null }>('SELECT merged_into FROM submitters WHERE id = ?').get(current)?.merged_into;
      if (!next || seen.has(next)) return current;
      seen.add(current);
      current = next;
    }
  }

  /** A submitter known by this contact address (case-insensitive), else by this exact name with no contact. */
  findSubmitter(contact: string | null, name: string | null): Submitter | null {
    let row: { submitter_id: string } | undefined;
    if (contact) row = this.db.prepare<[string], { submitter_id: string }>('SELECT submitter_id FROM submitter_contacts WHERE lower(contact) = lower(?) LIMIT 1').get(contact);
    else if (name) row = this.db.prepare<[string], { submitter_id: string }>('SELECT submitter_id FROM submitter_contacts WHERE contact IS NULL AND name = ? LIMIT 1').get(name);
    return row ? this.submitter(this.resolve(row.submitter_id)) : null;
  }

  /** Every submitter that is not merged into another, with how many submissions they made. */
  submitters(): Array<Submitter & { submissions: number; photos: number }> {
    const records = this.db
      .prepare<[], SubmitterRecord>('SELECT s.*, c.name, c.contact FROM submitters s LEFT JOIN submitter_contacts c ON c.submitter_id = s.id WHERE s.merged_into IS NULL ORDER BY s.created_at, s.id')
      .all();
    return records.map((record) => {
      const submissions = this.submissionsOf(record.id);
      return { ...toSubmitter(record), submissions: submissions.length, photos: new Set(submissions.flatMap((s) => s.photos.map((p) => p.sha256))).size };
    });
  }

  /** The submission already made from this received mail or folder, if any. */
  bySourceKey(sourceKey: string): Submission | null {
    const record = this.db.prepare<[string], SubmissionRecord>('SELECT * FROM submissions WHERE source_key = ? LIMIT 1').get(sourceKey);
    return record ? this.toSubmission(record) : null;
  }

  submission(id: string): Submission | null {
    const record = this.db.prepare<[string], SubmissionRecord>('SELECT * FROM submissions WHERE id = ?').get(id);
    return record ? this.toSubmission(record) : null;
  }

  /** A submitter's submissions, including those of submitters merged into them. */
  submissionsOf(submitterId: string): Submission[] {
    const ids = this.db
      .prepare<[string], { id: string }>(`
        WITH RECURSIVE family(id) AS (SELECT ? UNION SELECT s.id FROM submitters s JOIN family f ON s.merged_into = f.id)
        SELECT id FROM family`)
      .all(submitterId)
      .map((row) => row.id);
    const placeholders = ids.map(() => '?').join(',');
    return this.db
      .prepare<string[], SubmissionRecord>(`SELECT * FROM submissions WHERE submitter_id IN (${placeholders}) ORDER BY received_at, id`)
      .all(...ids)
      .map((record) => this.toSubmission(record));
  }

  /** The submissions a photo came with (the same photo sent twice has two). */
  submissionsForPhoto(sha256: string): Submission[] {
    return this.db
      .prepare<[string], SubmissionRecord>('SELECT s.* FROM submissions s JOIN submission_photos sp ON sp.submission_id = s.id WHERE sp.sha256 = ? ORDER BY s.received_at, s.id')
      .all(sha256)
      .map((record) => this.toSubmission(record));
  }

  /**
   * How a photo may be published: the least restrictive licence it was sent under (with a name,
   * when that submitter consented and is not anonymised); null for a photo no visitor sent.
   */
  creditFor(sha256: string): PhotoCredit | null {
    const record = this.db
      .prepare<[string], { licence: Licence; consent_to_name: number; submitter_id: string }>(`
        SELECT s.licence, s.consent_to_name, s.submitter_id FROM submissions s JOIN submission_photos sp ON sp.submission_id = s.id
        WHERE sp.sha256 = ? ORDER BY ${LICENCE_ORDER}, s.consent_to_name DESC, s.received_at LIMIT 1`)
      .get(sha256);
    if (!record) return null;
    const submitter = this.submitter(this.resolve(record.submitter_id));
    const creditName = record.consent_to_name === 1 && submitter && !submitter.anonymised ? submitter.creditName : null;
    return { licence: record.licence, creditName, consentToName: record.consent_to_name === 1 };
  }

  /** Photos with no position at all (EXIF, GPX or hand) whose submission describes a place. */
  pendingPlacements(): PendingPlacement[] {
    return this.db
      .prepare<[], { photo_id: number; sha256: string; file_name: string | null; submission_id: string; subject: string | null; location_text: string; received_at: string }>(`
        SELECT ph.id AS photo_id, ph.sha256, sp.file_name, s.id AS submission_id, s.subject, s.location_text, s.received_at
        FROM submission_photos sp JOIN submissions s ON s.id = sp.submission_id JOIN photos ph ON ph.sha256 = sp.sha256
        WHERE s.location_text IS NOT NULL AND ph.latitude IS NULL
          AND NOT EXISTS (SELECT 1 FROM photo_positions pos WHERE pos.photo_id = ph.id)
        ORDER BY s.received_at, ph.id`)
      .all()
      .map((row) => ({ photoId: row.photo_id, sha256: row.sha256, fileName: row.file_name, submissionId: row.submission_id, subject: row.subject, locationText: row.location_text, receivedAt: row.received_at }));
  }

  private toSubmission(record: SubmissionRecord): Submission {
    const photos = this.db
      .prepare<[string], { sha256: string; file_name: string | null }>('SELECT sha256, file_name FROM submission_photos WHERE submission_id = ? ORDER BY file_name, sha256')
      .all(record.id)
      .map((row) => ({ sha256: row.sha256, fileName: row.file_name }));
    return {
      id: record.id,
      originStation: record.origin_station,
      submitterId: record.submitter_id,
      receivedAt: record.received_at,
      channel: record.channel,
      licence: record.licence,
      consentToName: record.consent_to_name === 1,
      note: record.note,
      subject: record.subject,
      locationText: record.location_text,
      source: record.source,
      sourceKey: record.source_key,
      photos,
    };
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function photosOf(history: EventRow[]): SubmissionPhoto[] {
  const photos: SubmissionPhoto[] = [];
  for (const event of history) {
    if (event.action !== 'created' && event.action !== 'photos-added') continue;
    const list = Array.isArray(event.payload.photos) ? (event.payload.photos as Array<Record<string, unknown>>) : [];
    for (const photo of list) if (typeof photo.sha256 === 'string') photos.push({ sha256: photo.sha256, fileName: stringOrNull(photo.fileName) });
  }
  return photos;
}

function toSubmitter(record: SubmitterRecord): Submitter {
  return {
    id: record.id,
    originStation: record.origin_station,
    creditName: record.credit_name,
    name: record.name,
    contact: record.contact,
    mergedInto: record.merged_into,
    anonymised: record.anonymised === 1,
    createdAt: record.created_at,
  };
}
