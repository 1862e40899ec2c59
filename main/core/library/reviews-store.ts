import { StationError } from '../errors.js';
import type { Db } from './database.js';
import type { EventLog } from './event-log.js';
import { REVIEW_ENTITY, foldReviews } from './review-events.js';
import type { ReviewDecision } from './types.js';
import { writeTransaction } from './write-transaction.js';

export interface NewReview {
  photoId: number;
  decision: ReviewDecision;
  /** Required for confirmed/corrected: the species the ranger vouches for. */
  species?: string | null;
  note?: string | null;
  reviewer?: string | null;
  /** The station the decision was made at (its name setting). */
  station?: string | null;
}

export interface ReviewRow {
  id: number;
  photoId: number;
  decision: ReviewDecision;
  species: string | null;
  note: string | null;
  reviewer: string | null;
  station: string | null;
  predictionId: number | null;
  decidedAt: string;
  /** The 'review' event this row is the projection of (merges travel by it). */
  eventId: string | null;
}

interface ReviewRecord {
  id: number;
  photo_id: number;
  decision: ReviewDecision;
  species: string | null;
  note: string | null;
  reviewer: string | null;
  station: string | null;
  prediction_id: number | null;
  decided_at: string;
  event_id: string | null;
}

function toReviewRow(record: ReviewRecord): ReviewRow {
  return {
    id: record.id,
    photoId: record.photo_id,
    decision: record.decision,
    species: record.species,
    note: record.note,
    reviewer: record.reviewer,
    station: record.station,
    predictionId: record.prediction_id,
    decidedAt: record.decided_at,
    eventId: record.event_id,
  };
}

/** reviews: the rangers' decisions, append-only; the newest one per photo is the current one. */
export class ReviewsStore {
  private readonly insertReview;
  private readonly history;
  private readonly newest;
  private readonly deleteReview;
  private readonly photoExists;
  private readonly currentPrediction;
  private readonly photoHash;
  private readonly photoByHash;
  private readonly deleteOfPhoto;

  constructor(
    private readonly db: Db,
    private readonly events: EventLog,
  ) {
    this.insertReview = db.prepare(`
      INSERT INTO reviews (photo_id, decision, species, note, reviewer, station, prediction_id, decided_at, event_id)
      VALUES (@photoId, @decision, @species, @note, @reviewer, @station, @predictionId, @decidedAt, @eventId)`);
    this.photoHash = db.prepare<[number], { sha256: string }>('SELECT sha256 FROM photos WHERE id = ?');
    this.photoByHash = db.prepare<[string], { id: number }>('SELECT id FROM photos WHERE sha256 = ?');
    this.deleteOfPhoto = db.prepare('DELETE FROM reviews WHERE photo_id = ?');
    this.history = db.prepare<[number], ReviewRecord>('SELECT * FROM reviews WHERE photo_id = ? ORDER BY id DESC');
    this.newest = db.prepare<[number], ReviewRecord>('SELECT * FROM reviews WHERE photo_id = ? ORDER BY id DESC LIMIT 1');
    this.deleteReview = db.prepare('DELETE FROM reviews WHERE id = ?');
    this.photoExists = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM photos WHERE id = ?');
    this.currentPrediction = db.prepare<[number], { id: number }>(`
      SELECT id FROM predictions WHERE photo_id = ?
      ORDER BY (model_id = (SELECT id FROM models WHERE is_active = 1)) DESC, id DESC LIMIT 1`);
  }

  /** Records a decision, linked to the prediction the ranger saw. */
  record(review: NewReview): ReviewRow {
    if (!this.photoExists.get(review.photoId)) {
      throw new StationError('NOT_FOUND', `Photo ${review.photoId} is not in the library.`);
    }
    const species = review.species?.trim() || null;
    if ((review.decision === 'confirmed' || review.decision === 'corrected') && !species) {
      throw new StationError('INVALID_ARGUMENT', `A ${review.decision} review needs the species name.`);
    }
    return writeTransaction(this.db, () => {
      const sha256 = this.photoHash.get(review.photoId)!.sha256;
      const note = review.note?.trim() || null;
      const reviewer = review.reviewer?.trim() || null;
      const station = review.station?.trim() || null;
      // The decisions the ranger saw as current: a decision here supersedes every open one (it resolves a conflict).
      const supersedes = foldReviews(this.events.history(REVIEW_ENTITY, sha256)).heads.map((event) => event.eventId);
      const event = this.events.append({
        entityType: REVIEW_ENTITY,
        entityId: sha256,
        action: 'decided',
        payload: { decision: review.decision, species, note, station, supersedes },
        ranger: reviewer,
      });
      const result = this.insertReview.run({
        photoId: review.photoId,
        decision: review.decision,
        species,
        note,
        reviewer,
        station,
        predictionId: this.currentPrediction.get(review.photoId)?.id ?? null,
        decidedAt: event.occurredAt,
        eventId: event.eventId,
      });
      return toReviewRow(this.db.prepare<[number], ReviewRecord>('SELECT * FROM reviews WHERE id = ?').get(Number(result.lastInsertRowid))!);
    });
  }

  /**
   * Recomputes one photo's review rows from its 'review' events (after a merge brought new ones):
   * the standing decisions in fold order, so the newest row is the latest decision.
   */
  refold(photoSha256: string): void {
    const photo = this.photoByHash.get(photoSha256);
    if (!photo) return;
    const { live } = foldReviews(this.events.history(REVIEW_ENTITY, photoSha256));
    const kept = new Map(
      this.history.all(photo.id).map((record) => [record.event_id, record.prediction_id] as const),
    );
    this.deleteOfPhoto.run(photo.id);
    for (const event of live) {
      this.insertReview.run({
        photoId: photo.id,
        decision: event.payload.decision,
        species: (event.payload.species as string | null) ?? null,
        note: (event.payload.note as string | null) ?? null,
        reviewer: event.ranger,
        station: (event.payload.station as string | null) ?? null,
        predictionId: kept.get(event.eventId) ?? null,
        decidedAt: event.occurredAt,
        eventId: event.eventId,
      });
    }
  }

  /** Records the same decision for many photos in one transaction (bulk confirm). */
  recordMany(reviews: NewReview[]): ReviewRow[] {
    return writeTransaction(this.db, () => reviews.map((review) => this.record(review)));
  }

  current(photoId: number): ReviewRow | null {
    const record = this.newest.get(photoId);
    return record ? toReviewRow(record) : null;
  }

  /** Every species name a ranger has confirmed or corrected to, sorted (the UI's species picker). */
  speciesNames(): string[] {
    return this.db
      .prepare<[], { species: string }>(
        `SELECT DISTINCT species FROM reviews WHERE species IS NOT NULL AND decision IN ('confirmed', 'corrected') ORDER BY species`,
      )
      .all()
      .map((row) => row.species);
  }

  historyOf(photoId: number): ReviewRow[] {
    return this.history.all(photoId).map(toReviewRow);
  }

  /** Takes back the newest decision on a photo (the UI's undo); returns what was removed. */
  undoLatest(photoId: number): ReviewRow | null {
    return writeTransaction(this.db, () => {
      const latest = this.current(photoId);
      if (!latest) return null;
      this.deleteReview.run(latest.id);
      // The decision stays in the history as withdrawn, so a merge does not bring it back.
      if (latest.eventId) {
        this.events.append({
          entityType: REVIEW_ENTITY,
          entityId: this.photoHash.get(photoId)!.sha256,
          action: 'withdrawn',
          payload: { withdraws: latest.eventId },
          ranger: latest.reviewer,
          reason: 'undo',
        });
      }
      return latest;
    });
  }

  /** Takes back the newest decision on each photo in one transaction (undo of a bulk action); returns how many were removed. */
  undoLatestOfMany(photoIds: number[]): number {
    return writeTransaction(this.db, () => photoIds.filter((photoId) => this.undoLatest(photoId) !== null).length);
  }
}
