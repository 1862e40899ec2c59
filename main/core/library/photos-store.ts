import type { Db } from './database.js';
import { occurrenceIdOf } from './occurrence-id.js';
import { type StoredVerdictColumns, storedVerdictOf } from './predictions-store.js';
import type { CaptureTimeSource, PhotoMetadata, PhotoQuery, PhotoSummary, ReviewDecision, ReviewStatus, TopClass } from './types.js';
import { writeTransaction } from './write-transaction.js';

interface PhotoSummaryRecord extends StoredVerdictColumns {
  id: number;
  sha256: string;
  byte_size: number;
  format: PhotoMetadata['format'];
  width: number | null;
  height: number | null;
  orientation: number | null;
  captured_at: string | null;
  captured_at_source: CaptureTimeSource | null;
  occurrence_id: string | null;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  camera_make: string | null;
  camera_model: string | null;
  exif_warning: string | null;
  added_at: string;
  path: string | null;
  prediction_id: number | null;
  prediction_model_id: number | null;
  top_label: string | null;
  top_score: number | null;
  margin: number | null;
  top_k_json: string | null;
  cannot_occur: number | null;
  review_id: number | null;
  decision: ReviewDecision | null;
  reviewed_species: string | null;
  review_note: string | null;
  decided_at: string | null;
  reviewer: string | null;
  review_station: string | null;
  position_latitude: number | null;
  position_longitude: number | null;
  position_source: 'gpx' | 'manual' | null;
  position_uncertainty_m: number | null;
}

/**
 * One row per photo with its newest path, its current prediction (the active model's when
 * it has one, else the newest) and its current review (the newest).
 */
const SUMMARY_SELECT = `
  SELECT ph.*,
         (SELECT pp.path FROM photo_paths pp WHERE pp.photo_id = ph.id ORDER BY pp.seen_at DESC, pp.path LIMIT 1) AS path,
         pr.id AS prediction_id, pr.model_id AS prediction_model_id, pr.top_label, pr.top_score, pr.margin, pr.top_k_json,
         pr.open_set_unknown, pr.open_set_basis, pr.open_set_distance, pr.open_set_max_probability,
         pr.open_set_distance_threshold, pr.open_set_probability_threshold,
         (SELECT 1 - sl.can_occur FROM species_list sl WHERE sl.species = pr.top_label) AS cannot_occur,
         rv.id AS review_id, rv.decision, rv.species AS reviewed_species, rv.note AS review_note, rv.decided_at,
         rv.reviewer, rv.station AS review_station,
         pos.latitude AS position_latitude, pos.longitude AS position_longitude, pos.source AS position_source,
         pos.uncertainty_m AS position_uncertainty_m
  FROM photos ph
  LEFT JOIN photo_positions pos ON pos.photo_id = ph.id
  LEFT JOIN predictions pr ON pr.id = (
    SELECT p2.id FROM predictions p2 WHERE p2.photo_id = ph.id
    ORDER BY (p2.model_id = (SELECT id FROM models WHERE is_active = 1)) DESC, p2.id DESC LIMIT 1)
  LEFT JOIN reviews rv ON rv.id = (SELECT MAX(r2.id) FROM reviews r2 WHERE r2.photo_id = ph.id)`;

/** The joins of SUMMARY_SELECT without its columns (positions and counts need no columns). */
const SUMMARY_FROM = SUMMARY_SELECT.slice(SUMMARY_SELECT.indexOf('FROM photos ph'));

const EFFECTIVE_SPECIES = `CASE WHEN rv.decision IN ('confirmed', 'corrected') THEN rv.species
                                WHEN rv.decision = 'rejected' THEN NULL ELSE pr.top_label END`;

function toSummary(record: PhotoSummaryRecord): PhotoSummary {
  const status: ReviewStatus = record.decision ?? 'unreviewed';
  const prediction =
    record.prediction_id === null
      ? null
      : {
          id: record.prediction_id,
          modelId: record.prediction_model_id!,
          label: record.top_label!,
          score: record.top_score!,
          margin: record.margin!,
          topK: JSON.parse(record.top_k_json!) as TopClass[],
          openSet: storedVerdictOf(record),
          cannotOccur: record.cannot_occur === 1,
        };
  const review =
    record.review_id === null
      ? null
      : {
          id: record.review_id,
          decision: record.decision!,
          species: record.reviewed_species,
          note: record.review_note,
          decidedAt: record.decided_at!,
          reviewer: record.reviewer,
          station: record.review_station,
        };
  // A ranger's placement wins over EXIF; a GPX match only fills in photos without EXIF GPS.
  const usePosition = record.position_source === 'manual' || (record.position_source === 'gpx' && record.latitude === null);
  let species: string | null = prediction?.label ?? null;
  if (status === 'confirmed' || status === 'corrected') species = record.reviewed_species;
  if (status === 'rejected') species = null;
  return {
    id: record.id,
    sha256: record.sha256,
    byteSize: record.byte_size,
    format: record.format,
    width: record.width,
    height: record.height,
    orientation: record.orientation,
    capturedAt: record.captured_at,
    capturedAtSource: record.captured_at_source,
    occurrenceId: record.occurrence_id ?? occurrenceIdOf(record.sha256),
    latitude: usePosition ? record.position_latitude : record.latitude,
    longitude: usePosition ? record.position_longitude : record.longitude,
    positionSource: usePosition ? record.position_source : record.latitude !== null ? 'exif' : null,
    positionUncertaintyMetres: usePosition ? record.position_uncertainty_m : null,
    altitude: record.altitude,
    cameraMake: record.camera_make,
    cameraModel: record.camera_model,
    exifWarning: record.exif_warning,
    addedAt: record.added_at,
    path: record.path ?? '',
    prediction,
    review,
    status,
    species,
  };
}

/** Turns a PhotoQuery into a WHERE clause with named parameters. */
function buildFilter(query: PhotoQuery): { where: string; params: Record<string, unknown> } {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.species !== undefined) {
    conditions.push(`${EFFECTIVE_SPECIES} = @species`);
    params.species = query.species;
  }
  if (query.orderAsOf !== undefined) params.orderAsOf = query.orderAsOf;
  if (query.status === 'reviewed') conditions.push('rv.id IS NOT NULL');
  else if (query.status === 'unreviewed') conditions.push(query.orderAsOf !== undefined ? '(rv.id IS NULL OR rv.decided_at > @orderAsOf)' : 'rv.id IS NULL');
  else if (query.status !== undefined) {
    conditions.push('rv.decision = @status');
    params.status = query.status;
  }
  if (query.since !== undefined) {
    conditions.push('ph.captured_at >= @since');
    params.since = query.since;
  }
  if (query.until !== undefined) {
    // A bare date includes that whole day.
    conditions.push('substr(ph.captured_at, 1, length(@until)) <= @until');
    params.until = query.until;
  }
  if (query.importId !== undefined) {
    conditions.push('EXISTS (SELECT 1 FROM import_files f WHERE f.photo_id = ph.id AND f.import_id = @importId)');
    params.importId = query.importId;
  }
  if (query.camera !== undefined) {
    conditions.push(`trim(coalesce(ph.camera_make, '') || ' ' || coalesce(ph.camera_model, '')) = @camera`);
    params.camera = query.camera;
  }
  if (query.hasGps === true) conditions.push('coalesce(ph.latitude, pos.latitude) IS NOT NULL');
  if (query.hasGps === false) conditions.push('coalesce(ph.latitude, pos.latitude) IS NULL');
  if (query.within !== undefined) {
    conditions.push('coalesce(ph.latitude, pos.latitude) BETWEEN @south AND @north AND coalesce(ph.longitude, pos.longitude) BETWEEN @west AND @east');
    Object.assign(params, query.within);
  }
  if (query.minScore !== undefined) {
    conditions.push('pr.top_score >= @minScore');
    params.minScore = query.minScore;
  }
  if (query.unknown === true) conditions.push('pr.open_set_unknown = 1');
  if (query.unknown === false) conditions.push('coalesce(pr.open_set_unknown, 0) = 0');
  if (query.maxScore !== undefined) {
    conditions.push('pr.top_score <= @maxScore');
    params.maxScore = query.maxScore;
  }
  return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

const ORDERS: Record<NonNullable<PhotoQuery['order']>, string> = {
  captured: 'ph.captured_at IS NULL, ph.captured_at, ph.id',
  added: 'ph.id',
  // Unreviewed first; among them the unknowns (possibly a new species), then classes that cannot
  // occur in the park, then the least certain predictions.
  'needs-review': `(rv.id IS NOT NULL), coalesce(pr.open_set_unknown, 0) DESC,
    coalesce((SELECT 1 - sl.can_occur FROM species_list sl WHERE sl.species = pr.top_label), 0) DESC,
    pr.margin IS NULL, pr.margin, pr.top_score, ph.id`,
};

/** The ORDER BY of a query; with orderAsOf, photos decided since then keep their unreviewed place. */
function orderOf(query: PhotoQuery): string {
  const order = ORDERS[query.order ?? 'captured'];
  if (query.order !== 'needs-review' || query.orderAsOf === undefined) return order;
  return order.replace('(rv.id IS NOT NULL)', '(rv.id IS NOT NULL AND rv.decided_at <= @orderAsOf)');
}

function listSql(query: PhotoQuery): { sql: string; params: Record<string, unknown> } {
  const { where, params } = buildFilter(query);
  const limit = query.limit !== undefined ? 'LIMIT @limit OFFSET @offset' : '';
  if (query.limit !== undefined) {
    params.limit = query.limit;
    params.offset = query.offset ?? 0;
  }
  return { sql: `${SUMMARY_SELECT} ${where} ORDER BY ${orderOf(query)} ${limit}`, params };
}

function countSql(query: PhotoQuery): { sql: string; params: Record<string, unknown> } {
  const { where, params } = buildFilter(query);
  return { sql: `SELECT count(*) AS n ${SUMMARY_FROM} ${where}`, params };
}

export interface NewPhoto extends PhotoMetadata {
  sha256: string;
  byteSize: number;
  importId: number;
}

/** photos + photo_paths: what each photo is and everywhere it was seen. */
export class PhotosStore {
  private readonly insertPhoto;
  private readonly idBySha;
  private readonly insertPath;
  private readonly pathsOf;
  private readonly hasPathStatement;

  constructor(private readonly db: Db) {
    this.insertPhoto = db.prepare(`
      INSERT INTO photos (sha256, byte_size, format, width, height, orientation, captured_at, captured_at_source, latitude, longitude,
                          altitude, camera_make, camera_model, exif_warning, first_import_id, added_at, occurrence_id)
      VALUES (@sha256, @byteSize, @format, @width, @height, @orientation, @capturedAt, @capturedAtSource, @latitude, @longitude,
              @altitude, @cameraMake, @cameraModel, @exifWarning, @importId, @addedAt, @occurrenceId)`);
    this.idBySha = db.prepare<[string], { id: number }>('SELECT id FROM photos WHERE sha256 = ?');
    this.insertPath = db.prepare(`
      INSERT INTO photo_paths (photo_id, path, import_id, seen_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (photo_id, path) DO UPDATE SET import_id = excluded.import_id, seen_at = excluded.seen_at`);
    this.pathsOf = db.prepare<[number], { path: string }>('SELECT path FROM photo_paths WHERE photo_id = ? ORDER BY seen_at DESC, path');
    this.hasPathStatement = db.prepare<[number, string], { one: number }>('SELECT 1 AS one FROM photo_paths WHERE photo_id = ? AND path = ?');
  }

  idBySha256(sha256: string): number | null {
    return this.idBySha.get(sha256)?.id ?? null;
  }

  /** Inserts a photo; the caller runs this inside the import's per-file transaction. */
  insert(photo: NewPhoto): number {
    return Number(this.insertPhoto.run({ ...photo, capturedAtSource: photo.capturedAtSource ?? null, addedAt: new Date().toISOString(), occurrenceId: occurrenceIdOf(photo.sha256) }).lastInsertRowid);
  }

  /** Gives photos stored before occurrence ids existed theirs (once, after the upgrade); returns how many. */
  assignMissingOccurrenceIds(): number {
    const missing = this.db.prepare<[], { id: number; sha256: string }>('SELECT id, sha256 FROM photos WHERE occurrence_id IS NULL').all();
    if (missing.length === 0) return 0;
    const update = this.db.prepare('UPDATE photos SET occurrence_id = ? WHERE id = ? AND occurrence_id IS NULL');
    writeTransaction(this.db, () => {
      for (const photo of missing) update.run(occurrenceIdOf(photo.sha256), photo.id);
    });
    return missing.length;
  }

  hasPath(photoId: number, path: string): boolean {
    return this.hasPathStatement.get(photoId, path) !== undefined;
  }

  recordPath(photoId: number, path: string, importId: number | null): void {
    this.insertPath.run(photoId, path, importId, new Date().toISOString());
  }

  paths(photoId: number): string[] {
    return this.pathsOf.all(photoId).map((row) => row.path);
  }

  get(id: number): PhotoSummary | null {
    const record = this.db.prepare<[number], PhotoSummaryRecord>(`${SUMMARY_SELECT} WHERE ph.id = ?`).get(id);
    return record ? toSummary(record) : null;
  }

  query(query: PhotoQuery = {}): PhotoSummary[] {
    const { sql, params } = listSql(query);
    return this.db.prepare<[Record<string, unknown>], PhotoSummaryRecord>(sql).all(params).map(toSummary);
  }

  /** EXPLAIN QUERY PLAN of the grid's hot queries (a test checks that they use indexes); parent 0 is the outer query. */
  queryPlan(query: PhotoQuery, kind: 'list' | 'count'): Array<{ detail: string; parent: number }> {
    const { sql, params } = kind === 'list' ? listSql(query) : countSql(query);
    return this.db
      .prepare<[Record<string, unknown>], { detail: string; parent: number }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(params)
      .map(({ detail, parent }) => ({ detail, parent }));
  }

  /** Streams every matching photo without holding them all in memory (exports of big libraries). */
  *iterate(query: PhotoQuery = {}): Generator<PhotoSummary> {
    const { where, params } = buildFilter(query);
    const sql = `${SUMMARY_SELECT} ${where} ORDER BY ${orderOf(query)}`;
    for (const record of this.db.prepare<[Record<string, unknown>], PhotoSummaryRecord>(sql).iterate(params)) {
      yield toSummary(record);
    }
  }

  /** A photo's 0-based place in the query's order, or null when the query leaves it out. */
  positionOf(query: PhotoQuery, photoId: number): number | null {
    const { where, params } = buildFilter(query);
    const sql = `SELECT idx FROM (SELECT ph.id AS photo_id, row_number() OVER (ORDER BY ${orderOf(query)}) - 1 AS idx
                 ${SUMMARY_FROM} ${where}) WHERE photo_id = @photoId`;
    return this.db.prepare<[Record<string, unknown>], { idx: number }>(sql).get({ ...params, photoId })?.idx ?? null;
  }

  count(query: PhotoQuery = {}): number {
    const { sql, params } = countSql(query);
    return this.db.prepare<[Record<string, unknown>], { n: number }>(sql).get(params)!.n;
  }

  /** Distinct "make model" strings, for the camera filter. */
  cameras(): string[] {
    return this.db
      .prepare<[], { camera: string }>(
        `SELECT DISTINCT trim(coalesce(camera_make, '') || ' ' || coalesce(camera_model, '')) AS camera
         FROM photos WHERE camera_make IS NOT NULL OR camera_model IS NOT NULL ORDER BY camera`,
      )
      .all()
      .map((row) => row.camera);
  }
}
