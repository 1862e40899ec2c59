import { StationError } from '../errors.js';
import type { Db } from './database.js';
import type { ReviewDecision } from './types.js';

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

  constructor(private readonly db: Db) {
    this.insertReview = db.prepare(`
      INSERT INTO reviews (photo_id, decision, species, note, reviewer, station, prediction_id, decided_at)
      VALUES (@photoId, @decision, @species, @note, @reviewer, @station, @predictionId, @decidedAt)`);
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
    const result = this.insertReview.run({
      photoId: review.photoId,
      decision: review.decision,
      species,
      note: review.note?.trim() || null,
      reviewer: review.reviewer?.trim() || null,
      station: review.station?.trim() || null,
      predictionId: this.currentPrediction.get(review.photoId)?.id ?? null,
      decidedAt: new Date().toISOString(),
    });
    return toReviewRow(this.db.prepare<[number], ReviewRecord>('SELECT * FROM reviews WHERE id = ?').get(Number(result.lastInsertRowid))!);
  }

  /** Records the same decision for many photos in one transaction (bulk confirm). */
  recordMany(reviews: NewReview[]): ReviewRow[] {
    return this.db.transaction(() => reviews.map((review) => this.record(review)))();
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
    const latest = this.current(photoId);
    if (latest) this.deleteReview.run(latest.id);
    return latest;
  }

  /** Takes back the newest decision on each photo in one transaction (undo of a bulk action); returns how many were removed. */
  undoLatestOfMany(photoIds: number[]): number {
    return this.db.transaction(() => photoIds.filter((photoId) => this.undoLatest(photoId) !== null).length)();
  }
}
