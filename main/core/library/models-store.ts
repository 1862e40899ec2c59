import type { ModelIdentity } from '../model-identity.js';
import type { Db } from './database.js';
import type { ModelRow } from './types.js';
import { writeTransaction } from './write-transaction.js';

interface ModelRecord {
  id: number;
  name: string;
  version: string;
  format: string;
  content_hash: string;
  source_path: string;
  labels_json: string;
  label_info_json: string | null;
  preprocessing_json: string;
  provenance_json: string | null;
  added_at: string;
  is_active: number;
  onnx_path: string | null;
}

function toModelRow(record: ModelRecord): ModelRow {
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    format: record.format,
    contentHash: record.content_hash,
    sourcePath: record.source_path,
    labels: JSON.parse(record.labels_json) as string[],
    labelInfo: record.label_info_json ? (JSON.parse(record.label_info_json) as (string | null)[]) : null,
    preprocessing: JSON.parse(record.preprocessing_json) as Record<string, unknown>,
    provenance: record.provenance_json ? (JSON.parse(record.provenance_json) as Record<string, unknown>) : null,
    addedAt: record.added_at,
    isActive: record.is_active === 1,
    onnxPath: record.onnx_path,
  };
}

/** The models table: which model packs the library knows and which one is active. */
export class ModelsStore {
  private readonly insertModel;
  private readonly byHash;
  private readonly byId;
  private readonly all;
  private readonly clearActive;
  private readonly markActive;
  private readonly deleteModel;
  private readonly setOnnxPath;
  private readonly updateProvenance;
  private readonly keepTrainingCalibration;

  constructor(private readonly db: Db) {
    this.insertModel = db.prepare(`
      INSERT INTO models (name, version, format, content_hash, source_path, labels_json, label_info_json,
                          preprocessing_json, provenance_json, added_at, onnx_path)
      VALUES (@name, @version, @format, @contentHash, @sourcePath, @labels, @labelInfo, @preprocessing, @provenance, @addedAt, @onnxPath)`);
    this.setOnnxPath = db.prepare('UPDATE models SET onnx_path = ? WHERE id = ?');
    this.updateProvenance = db.prepare('UPDATE models SET provenance_json = ? WHERE id = ?');
    this.keepTrainingCalibration = db.prepare(`
      INSERT OR IGNORE INTO model_calibrations (model_id, source, calibration_json, calibrated_at) VALUES (?, 'training', ?, ?)`);
    this.byHash = db.prepare<[string], ModelRecord>('SELECT * FROM models WHERE content_hash = ?');
    this.byId = db.prepare<[number], ModelRecord>('SELECT * FROM models WHERE id = ?');
    this.all = db.prepare<[], ModelRecord>('SELECT * FROM models ORDER BY id');
    this.clearActive = db.prepare('UPDATE models SET is_active = 0 WHERE is_active = 1');
    this.markActive = db.prepare('UPDATE models SET is_active = 1 WHERE id = ?');
    this.deleteModel = db.prepare('DELETE FROM models WHERE id = ?');
  }

  /**
   * Registers a model (or returns the existing row for the same content). `onnxPath`: the
   * compiled model it runs from, when known (filled in on an existing row that lacks it).
   */
  /** Points a model at its compiled file's new place (after a restore moved the library's files). */
  setCompiledPath(modelId: number, onnxPath: string): void {
    this.setOnnxPath.run(onnxPath, modelId);
  }

  add(identity: ModelIdentity, onnxPath: string | null = null): ModelRow {
    const existing = this.byHash.get(identity.contentHash);
    if (existing) {
      if (onnxPath && existing.onnx_path !== onnxPath) this.setOnnxPath.run(onnxPath, existing.id);
      return this.get(existing.id)!;
    }
    const result = this.insertModel.run({
      name: identity.name,
      version: identity.version,
      format: identity.format,
      contentHash: identity.contentHash,
      sourcePath: identity.sourcePath,
      labels: JSON.stringify(identity.labels),
      labelInfo: identity.labelInfo ? JSON.stringify(identity.labelInfo) : null,
      preprocessing: JSON.stringify(identity.preprocessing),
      provenance: identity.provenance ? JSON.stringify(identity.provenance) : null,
      addedAt: new Date().toISOString(),
      onnxPath,
    });
    const id = Number(result.lastInsertRowid);
    // A trained version brings its open-set calibration: its predictions are judged from the first one.
    const openSet = identity.provenance?.openSet as { method?: string } | undefined;
    if (openSet?.method === 'nearest-centroid-cosine') this.keepTrainingCalibration.run(id, JSON.stringify(openSet), new Date().toISOString());
    return this.get(id)!;
  }

  /** Replaces a model's provenance (e.g. the int8 report after `models add --int8`). */
  setProvenance(id: number, provenance: Record<string, unknown> | null): void {
    this.updateProvenance.run(provenance ? JSON.stringify(provenance) : null, id);
  }

  get(id: number): ModelRow | null {
    const record = this.byId.get(id);
    return record ? toModelRow(record) : null;
  }

  findByHash(contentHash: string): ModelRow | null {
    const record = this.byHash.get(contentHash);
    return record ? toModelRow(record) : null;
  }

  list(): ModelRow[] {
    return this.all.all().map(toModelRow);
  }

  active(): ModelRow | null {
    return this.list().find((model) => model.isActive) ?? null;
  }

  setActive(id: number): void {
    writeTransaction(this.db, () => {
      this.clearActive.run();
      this.markActive.run(id);
    });
  }

  /** Removes a model and, by cascade, its predictions. */
  remove(id: number): void {
    this.deleteModel.run(id);
  }
}
