import { StationError } from '../errors.js';
import type { Db } from './database.js';

export type StoredPositionSource = 'gpx' | 'manual';

export interface PhotoPositionRow {
  photoId: number;
  latitude: number;
  longitude: number;
  source: StoredPositionSource;
  /** What set it: the GPX file and the gap to the nearest track point, or who placed it. */
  detail: string | null;
  /** Metres within which the position is known (a placement's map zoom, or as typed); null: the source's default. */
  uncertaintyMetres: number | null;
  setAt: string;
}

interface PositionRecord {
  photo_id: number;
  latitude: number;
  longitude: number;
  source: StoredPositionSource;
  detail: string | null;
  uncertainty_m: number | null;
  set_at: string;
}

/** photo_positions: positions that did not come from EXIF (EXIF stays in photos). */
export class PositionsStore {
  private readonly upsert;
  private readonly byPhoto;
  private readonly remove;
  private readonly photoExists;

  constructor(db: Db) {
    this.upsert = db.prepare(`
      INSERT INTO photo_positions (photo_id, latitude, longitude, source, detail, uncertainty_m, set_at)
      VALUES (@photoId, @latitude, @longitude, @source, @detail, @uncertaintyMetres, @setAt)
      ON CONFLICT (photo_id) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude,
        source = excluded.source, detail = excluded.detail, uncertainty_m = excluded.uncertainty_m, set_at = excluded.set_at`);
    this.byPhoto = db.prepare<[number], PositionRecord>('SELECT * FROM photo_positions WHERE photo_id = ?');
    this.remove = db.prepare('DELETE FROM photo_positions WHERE photo_id = ?');
    this.photoExists = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM photos WHERE id = ?');
  }

  /** Stores (or replaces) a photo's GPX or manual position. */
  set(
    photoId: number,
    position: { latitude: number; longitude: number; source: StoredPositionSource; detail?: string | null; uncertaintyMetres?: number | null },
  ): PhotoPositionRow {
    if (!this.photoExists.get(photoId)) throw new StationError('NOT_FOUND', `Photo ${photoId} is not in the library.`);
    const { latitude, longitude } = position;
    if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90 || !Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
      throw new StationError(
        'INVALID_ARGUMENT',
        `Position ${latitude}, ${longitude} for photo ${photoId} is not a WGS84 latitude (-90..90) and longitude (-180..180).`,
      );
    }
    const uncertaintyMetres = position.uncertaintyMetres ?? null;
    if (uncertaintyMetres !== null && !(Number.isFinite(uncertaintyMetres) && uncertaintyMetres > 0)) {
      throw new StationError('INVALID_ARGUMENT', `Uncertainty ${uncertaintyMetres} m for photo ${photoId} must be a positive number of metres.`);
    }
    this.upsert.run({ photoId, latitude, longitude, source: position.source, detail: position.detail ?? null, uncertaintyMetres, setAt: new Date().toISOString() });
    return this.get(photoId)!;
  }

  get(photoId: number): PhotoPositionRow | null {
    const record = this.byPhoto.get(photoId);
    return record
      ? {
          photoId: record.photo_id,
          latitude: record.latitude,
          longitude: record.longitude,
          source: record.source,
          detail: record.detail,
          uncertaintyMetres: record.uncertainty_m,
          setAt: record.set_at,
        }
      : null;
  }

  /** Forgets a GPX or manual position (the photo falls back to its EXIF position, if any). */
  clear(photoId: number): boolean {
    return this.remove.run(photoId).changes > 0;
  }
}
