import { judgeAgainst } from '../learning/open-set.js';
import type { CalibrationsStore } from './calibrations-store.js';
import type { Db } from './database.js';
import { decodeFloat16, decodeFloat32, encodeFloat16, encodeFloat32 } from './float16.js';
import type { TopClass } from './types.js';
import { writeTransaction } from './write-transaction.js';

export interface NewPrediction {
  photoId: number;
  modelId: number;
  labels: readonly string[];
  probabilities: Float32Array;
  embedding?: Float32Array;
  topK: number;
}

/** The open-set verdict stored with a prediction: known or unknown, both signals and the thresholds used. */
export interface StoredVerdict {
  unknown: boolean;
  basis: string;
  distance: number | null;
  maxProbability: number | null;
  distanceThreshold: number | null;
  probabilityThreshold: number | null;
}

export interface PredictionRow {
  id: number;
  photoId: number;
  modelId: number;
  topLabel: string;
  topScore: number;
  margin: number;
  topK: TopClass[];
  createdAt: string;
  /** Null when the model had no open-set calibration when the prediction was made ("not calibrated"). */
  openSet: StoredVerdict | null;
}

/** The k most probable classes, best first, and the gap between the first two (how sure the model is). */
export function rankClasses(labels: readonly string[], probabilities: Float32Array, k: number): { topK: TopClass[]; margin: number } {
  const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b]! - probabilities[a]!);
  const topK = order.slice(0, k).map((index) => ({ label: labels[index] ?? `class ${index}`, probability: probabilities[index]! }));
  const margin = (topK[0]?.probability ?? 0) - (topK[1]?.probability ?? 0);
  return { topK, margin };
}

/** A prediction's open-set verdict as stored (null columns: not judged). */
export interface StoredVerdictColumns {
  open_set_unknown: number | null;
  open_set_basis: string | null;
  open_set_distance: number | null;
  open_set_max_probability: number | null;
  open_set_distance_threshold: number | null;
  open_set_probability_threshold: number | null;
}

interface PredictionRecord extends StoredVerdictColumns {
  id: number;
  photo_id: number;
  model_id: number;
  top_label: string;
  top_score: number;
  margin: number;
  top_k_json: string;
  created_at: string;
}

export function storedVerdictOf(record: StoredVerdictColumns): StoredVerdict | null {
  if (record.open_set_unknown === null) return null;
  return {
    unknown: record.open_set_unknown === 1,
    basis: record.open_set_basis ?? 'none',
    distance: record.open_set_distance,
    maxProbability: record.open_set_max_probability,
    distanceThreshold: record.open_set_distance_threshold,
    probabilityThreshold: record.open_set_probability_threshold,
  };
}

function toPredictionRow(record: PredictionRecord): PredictionRow {
  return {
    id: record.id,
    photoId: record.photo_id,
    modelId: record.model_id,
    topLabel: record.top_label,
    topScore: record.top_score,
    margin: record.margin,
    topK: JSON.parse(record.top_k_json) as TopClass[],
    createdAt: record.created_at,
    openSet: storedVerdictOf(record),
  };
}

type VerdictColumns = {
  unknown: number | null;
  basis: string | null;
  distance: number | null;
  maxProbability: number | null;
  distanceThreshold: number | null;
  probabilityThreshold: number | null;
};

const NO_VERDICT: VerdictColumns = { unknown: null, basis: null, distance: null, maxProbability: null, distanceThreshold: null, probabilityThreshold: null };

/** predictions: one per photo and model, with the full probability vector and the pooled embedding. */
export class PredictionsStore {
  private readonly upsert;
  private readonly exists;
  private readonly ofPhoto;
  private readonly vectors;
  private readonly missing;
  private readonly setVerdict;
  private readonly pendingVerdicts;
  private readonly ofModel;

  constructor(
    private readonly db: Db,
    private readonly calibrations: CalibrationsStore,
  ) {
    this.upsert = db.prepare(`
      INSERT INTO predictions (photo_id, model_id, top_label, top_score, margin, top_k_json, probabilities, embedding, created_at,
                               open_set_unknown, open_set_basis, open_set_distance, open_set_max_probability,
                               open_set_distance_threshold, open_set_probability_threshold)
      VALUES (@photoId, @modelId, @topLabel, @topScore, @margin, @topK, @probabilities, @embedding, @createdAt,
              @unknown, @basis, @distance, @maxProbability, @distanceThreshold, @probabilityThreshold)
      ON CONFLICT (photo_id, model_id) DO UPDATE SET
        top_label = excluded.top_label, top_score = excluded.top_score, margin = excluded.margin,
        top_k_json = excluded.top_k_json, probabilities = excluded.probabilities,
        embedding = excluded.embedding, created_at = excluded.created_at,
        open_set_unknown = excluded.open_set_unknown, open_set_basis = excluded.open_set_basis,
        open_set_distance = excluded.open_set_distance, open_set_max_probability = excluded.open_set_max_probability,
        open_set_distance_threshold = excluded.open_set_distance_threshold,
        open_set_probability_threshold = excluded.open_set_probability_threshold`);
    this.setVerdict = db.prepare(`
      UPDATE predictions SET open_set_unknown = @unknown, open_set_basis = @basis, open_set_distance = @distance,
        open_set_max_probability = @maxProbability, open_set_distance_threshold = @distanceThreshold,
        open_set_probability_threshold = @probabilityThreshold WHERE id = @id`);
    // In pages by id: a big library's vectors need not sit in memory at once.
    this.pendingVerdicts = db.prepare<[number], { id: number; model_id: number; probabilities: Buffer; embedding: Buffer | null }>(`
      SELECT id, model_id, probabilities, embedding FROM predictions
      WHERE id > ? AND open_set_unknown IS NULL AND model_id IN (SELECT model_id FROM model_calibrations) ORDER BY id LIMIT 1000`);
    this.ofModel = db.prepare<[number, number], { id: number; model_id: number; probabilities: Buffer; embedding: Buffer | null }>(
      'SELECT id, model_id, probabilities, embedding FROM predictions WHERE model_id = ? AND id > ? ORDER BY id LIMIT 1000',
    );
    this.exists = db.prepare<[number, number], { one: number }>('SELECT 1 AS one FROM predictions WHERE photo_id = ? AND model_id = ?');
    this.ofPhoto = db.prepare<[number], PredictionRecord>('SELECT * FROM predictions WHERE photo_id = ? ORDER BY id DESC');
    this.missing = db.prepare<[number], { id: number; sha256: string }>(`
      SELECT id, sha256 FROM photos ph
      WHERE NOT EXISTS (SELECT 1 FROM predictions pr WHERE pr.photo_id = ph.id AND pr.model_id = ?) ORDER BY id`);
    this.vectors = db.prepare<[number, number], { probabilities: Buffer; embedding: Buffer | null }>(
      'SELECT probabilities, embedding FROM predictions WHERE photo_id = ? AND model_id = ?',
    );
  }

  /** Stores (or replaces) the prediction of one model for one photo. */
  save(prediction: NewPrediction): number {
    const { topK, margin } = rankClasses(prediction.labels, prediction.probabilities, prediction.topK);
    const result = this.upsert.run({
      photoId: prediction.photoId,
      modelId: prediction.modelId,
      topLabel: topK[0]!.label,
      topScore: topK[0]!.probability,
      margin,
      topK: JSON.stringify(topK),
      probabilities: encodeFloat32(prediction.probabilities),
      embedding: prediction.embedding ? encodeFloat16(prediction.embedding) : null,
      createdAt: new Date().toISOString(),
      ...this.verdictColumns(prediction.modelId, prediction.probabilities, prediction.embedding ?? null),
    });
    return Number(result.lastInsertRowid);
  }

  has(photoId: number, modelId: number): boolean {
    return this.exists.get(photoId, modelId) !== undefined;
  }

  /** Photos that have no prediction from this model yet. */
  photosWithout(modelId: number): { id: number; sha256: string }[] {
    return this.missing.all(modelId);
  }

  forPhoto(photoId: number): PredictionRow[] {
    return this.ofPhoto.all(photoId).map(toPredictionRow);
  }

  /** The full probability vector and embedding (float16 widened back to float32). */
  vectorsOf(photoId: number, modelId: number): { probabilities: Float32Array; embedding: Float32Array | null } | null {
    const record = this.vectors.get(photoId, modelId);
    if (!record) return null;
    return {
      probabilities: decodeFloat32(record.probabilities),
      embedding: record.embedding ? decodeFloat16(record.embedding) : null,
    };
  }

  /** The open-set verdict of one prediction against its model's current calibration (none: all NULL). */
  private verdictColumns(modelId: number, probabilities: Float32Array, embedding: Float32Array | null): VerdictColumns {
    const calibration = this.calibrations.get(modelId);
    if (!calibration) return NO_VERDICT;
    const verdict = judgeAgainst({ embedding, probabilities }, calibration);
    return {
      unknown: verdict.unknown ? 1 : 0,
      basis: verdict.basis,
      distance: verdict.distance,
      maxProbability: verdict.maxProbability,
      distanceThreshold: verdict.distanceThreshold,
      probabilityThreshold: verdict.probabilityThreshold,
    };
  }

  private rejudge(page: (afterId: number) => { id: number; model_id: number; probabilities: Buffer; embedding: Buffer | null }[]): number {
    let judged = 0;
    for (let rows = page(0); rows.length > 0; rows = page(rows[rows.length - 1]!.id)) {
      for (const row of rows) {
        const columns = this.verdictColumns(row.model_id, decodeFloat32(row.probabilities), row.embedding ? decodeFloat16(row.embedding) : null);
        this.setVerdict.run({ ...columns, id: row.id });
        judged++;
      }
    }
    return judged;
  }

  /**
   * Judges, from their stored vectors, the predictions of calibrated models that have no
   * verdict yet (libraries from before verdicts were stored). Returns how many were judged.
   */
  judgePending(): number {
    return writeTransaction(this.db, () => this.rejudge((after) => this.pendingVerdicts.all(after)));
  }

  /** Judges every prediction of one model again (after it was calibrated anew). */
  rejudgeModel(modelId: number): number {
    return writeTransaction(this.db, () => this.rejudge((after) => this.ofModel.all(modelId, after)));
  }

  /** How many of a model's predictions are judged unknown / known / not judged. */
  verdictCounts(modelId: number): { unknown: number; known: number; notJudged: number } {
    const row = this.db
      .prepare<[number], { unknown: number; known: number; not_judged: number }>(`
        SELECT coalesce(sum(open_set_unknown = 1), 0) AS unknown, coalesce(sum(open_set_unknown = 0), 0) AS known,
               coalesce(sum(open_set_unknown IS NULL), 0) AS not_judged FROM predictions WHERE model_id = ?`)
      .get(modelId)!;
    return { unknown: row.unknown, known: row.known, notJudged: row.not_judged };
  }
}
