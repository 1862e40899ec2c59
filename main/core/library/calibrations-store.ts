import type { OpenSetCalibration } from '../learning/open-set.js';
import type { Db } from './database.js';

export type CalibrationSource = 'training' | 'library' | 'folder';

/** What the Models screen and `models list` say about a model's open-set calibration. */
export interface CalibrationSummary {
  modelId: number;
  source: CalibrationSource;
  calibratedAt: string;
  calibratedBy: string | null;
  distanceThreshold: number;
  probabilityThreshold: number;
  quantile: number;
  /** Classes that had calibration photos, of all the model's classes. */
  calibratedClasses: number;
  classes: number;
  /** Known-species photos the thresholds were set on, and how many of them they flag. */
  calibrationCount: number;
  flaggedCount: number;
  detail: Record<string, unknown>;
}

interface CalibrationRecord {
  model_id: number;
  source: CalibrationSource;
  calibration_json: string;
  summary_json: string;
  calibrated_by: string | null;
  calibrated_at: string;
}

/**
 * model_calibrations: each model's open-set calibration (centroids + thresholds). Parsed
 * calibrations are cached per model and calibration time: a DEEP-OC calibration holds one
 * 2048-wide centroid per class, too big to parse for every prediction stored.
 */
export class CalibrationsStore {
  private readonly byModel;
  private readonly stampOf;
  private readonly upsert;
  private readonly all;
  private readonly cache = new Map<number, { stamp: string; calibration: OpenSetCalibration }>();

  constructor(db: Db) {
    this.byModel = db.prepare<[number], CalibrationRecord>('SELECT * FROM model_calibrations WHERE model_id = ?');
    this.stampOf = db.prepare<[number], { calibrated_at: string }>('SELECT calibrated_at FROM model_calibrations WHERE model_id = ?');
    this.all = db.prepare<[], CalibrationRecord>('SELECT * FROM model_calibrations ORDER BY model_id');
    this.upsert = db.prepare(`
      INSERT INTO model_calibrations (model_id, source, calibration_json, summary_json, calibrated_by, calibrated_at)
      VALUES (@modelId, @source, @calibration, @summary, @by, @at)
      ON CONFLICT (model_id) DO UPDATE SET source = excluded.source, calibration_json = excluded.calibration_json,
        summary_json = excluded.summary_json, calibrated_by = excluded.calibrated_by, calibrated_at = excluded.calibrated_at`);
  }

  /** The model's calibration, or null: "not calibrated". */
  get(modelId: number): OpenSetCalibration | null {
    const stamp = this.stampOf.get(modelId)?.calibrated_at;
    if (stamp === undefined) {
      this.cache.delete(modelId);
      return null;
    }
    const cached = this.cache.get(modelId);
    if (cached?.stamp === stamp) return cached.calibration;
    const record = this.byModel.get(modelId)!;
    const calibration = JSON.parse(record.calibration_json) as OpenSetCalibration;
    this.cache.set(modelId, { stamp, calibration });
    return calibration;
  }

  /** Stores (or replaces) a model's calibration. */
  set(modelId: number, source: CalibrationSource, calibration: OpenSetCalibration, options: { by?: string | null; detail?: Record<string, unknown> } = {}): void {
    // Keep the stamp unique even for two calibrations within one millisecond (the cache key).
    const previous = this.stampOf.get(modelId)?.calibrated_at;
    let at = new Date().toISOString();
    if (previous && previous >= at) at = new Date(Date.parse(previous) + 1).toISOString();
    this.upsert.run({
      modelId,
      source,
      calibration: JSON.stringify(calibration),
      summary: JSON.stringify(options.detail ?? {}),
      by: options.by ?? null,
      at,
    });
  }

  summary(modelId: number): CalibrationSummary | null {
    const record = this.byModel.get(modelId);
    return record ? toSummary(record, this.get(modelId)!) : null;
  }

  summaries(): CalibrationSummary[] {
    return this.all.all().map((record) => toSummary(record, this.get(record.model_id)!));
  }
}

function toSummary(record: CalibrationRecord, calibration: OpenSetCalibration): CalibrationSummary {
  return {
    modelId: record.model_id,
    source: record.source,
    calibratedAt: record.calibrated_at,
    calibratedBy: record.calibrated_by,
    distanceThreshold: calibration.distanceThreshold,
    probabilityThreshold: calibration.probabilityThreshold,
    quantile: calibration.quantile,
    calibratedClasses: calibration.centroids.filter((c) => c.length > 0).length,
    classes: calibration.centroids.length,
    calibrationCount: calibration.calibrationCount,
    flaggedCount: calibration.flaggedCount,
    detail: JSON.parse(record.summary_json) as Record<string, unknown>,
  };
}
