import type { Db } from './database.js';
import { decodeFloat16, decodeFloat32, encodeFloat16, encodeFloat32 } from './float16.js';
import type { TopClass } from './types.js';

export interface NewPrediction {
  photoId: number;
  modelId: number;
  labels: readonly string[];
  probabilities: Float32Array;
  embedding?: Float32Array;
  topK: number;
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
}

/** The k most probable classes, best first, and the gap between the first two (how sure the model is). */
export function rankClasses(labels: readonly string[], probabilities: Float32Array, k: number): { topK: TopClass[]; margin: number } {
  const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b]! - probabilities[a]!);
  const topK = order.slice(0, k).map((index) => ({ label: labels[index] ?? `class ${index}`, probability: probabilities[index]! }));
  const margin = (topK[0]?.probability ?? 0) - (topK[1]?.probability ?? 0);
  return { topK, margin };
}

interface PredictionRecord {
  id: number;
  photo_id: number;
  model_id: number;
  top_label: string;
  top_score: number;
  margin: number;
  top_k_json: string;
  created_at: string;
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
  };
}

/** predictions: one per photo and model, with the full probability vector and the pooled embedding. */
export class PredictionsStore {
  private readonly upsert;
  private readonly exists;
  private readonly ofPhoto;
  private readonly vectors;
  private readonly missing;

  constructor(db: Db) {
    this.upsert = db.prepare(`
      INSERT INTO predictions (photo_id, model_id, top_label, top_score, margin, top_k_json, probabilities, embedding, created_at)
      VALUES (@photoId, @modelId, @topLabel, @topScore, @margin, @topK, @probabilities, @embedding, @createdAt)
      ON CONFLICT (photo_id, model_id) DO UPDATE SET
        top_label = excluded.top_label, top_score = excluded.top_score, margin = excluded.margin,
        top_k_json = excluded.top_k_json, probabilities = excluded.probabilities,
        embedding = excluded.embedding, created_at = excluded.created_at`);
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
}
