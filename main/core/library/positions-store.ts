import { StationError } from '../errors.js';
import type { Db } from './database.js';
import type { EventLog } from './event-log.js';
import { writeTransaction } from './write-transaction.js';
import { PLACEMENT_ENTITY, foldPlacements } from './placement-events.js';
import { supersedesNow } from './superseding-events.js';

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

/**
 * photo_positions: positions that did not come from EXIF (EXIF stays in photos). Each row is the
 * projection of the photo's 'placement' events (see placement-events.ts): setting or clearing a
 * position appends an event, and a merge re-folds the photo.
 */
export class PositionsStore {
  private readonly upsert;
  private readonly byPhoto;
  private readonly remove;
  private readonly photoExists;
  private readonly photoHash;
  private readonly photoByHash;

  constructor(
    private readonly db: Db,
    private readonly events: EventLog,
  ) {
    this.upsert = db.prepare(`
      INSERT INTO photo_positions (photo_id, latitude, longitude, source, detail, uncertainty_m, set_at)
      VALUES (@photoId, @latitude, @longitude, @source, @detail, @uncertaintyMetres, @setAt)
      ON CONFLICT (photo_id) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude,
        source = excluded.source, detail = excluded.detail, uncertainty_m = excluded.uncertainty_m, set_at = excluded.set_at`);
    this.byPhoto = db.prepare<[number], PositionRecord>('SELECT * FROM photo_positions WHERE photo_id = ?');
    this.remove = db.prepare('DELETE FROM photo_positions WHERE photo_id = ?');
    this.photoExists = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM photos WHERE id = ?');
    this.photoHash = db.prepare<[number], { sha256: string }>('SELECT sha256 FROM photos WHERE id = ?');
    this.photoByHash = db.prepare<[string], { id: number }>('SELECT id FROM photos WHERE sha256 = ?');
  }

  /** Stores (or replaces) a photo's GPX or manual position; `by`: the ranger who placed it, `station`: the station's name. */
  set(
    photoId: number,
    position: { latitude: number; longitude: number; source: StoredPositionSource; detail?: string | null; uncertaintyMetres?: number | null; by?: string | null; station?: string | null },
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
    const payload = { latitude, longitude, source: position.source, detail: position.detail ?? null, uncertaintyMetres, station: position.station ?? null };
    return writeTransaction(this.db, () => {
      this.change(photoId, 'placed', payload, position.by ?? null);
      return this.get(photoId)!;
    });
  }

  /** Appends the placement event (superseding every standing one: it also settles a conflict) and projects it. */
  private change(photoId: number, action: 'placed' | 'cleared', payload: Record<string, unknown>, ranger: string | null): void {
    const sha256 = this.photoHash.get(photoId)!.sha256;
    const supersedes = supersedesNow(this.events.history(PLACEMENT_ENTITY, sha256));
    this.events.append({ entityType: PLACEMENT_ENTITY, entityId: sha256, action, payload: { ...payload, supersedes }, ranger: ranger?.trim() || null });
    this.refold(sha256);
  }

  /** Recomputes a photo's position from its placement events (after a merge brought new ones). */
  refold(photoSha256: string): void {
    const photo = this.photoByHash.get(photoSha256);
    if (!photo) return;
    const { current } = foldPlacements(this.events.history(PLACEMENT_ENTITY, photoSha256));
    if (!current || current.action !== 'placed') {
      this.remove.run(photo.id);
      return;
    }
    const p = current.payload;
    this.upsert.run({
      photoId: photo.id,
      latitude: p.latitude,
      longitude: p.longitude,
      source: p.source,
      detail: (p.detail as string | null) ?? null,
      uncertaintyMetres: (p.uncertaintyMetres as number | null) ?? null,
      setAt: current.occurredAt,
    });
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
  clear(photoId: number, by: string | null = null): boolean {
    if (!this.byPhoto.get(photoId)) return false;
    writeTransaction(this.db, () => this.change(photoId, 'cleared', {}, by));
    return true;
  }
}
