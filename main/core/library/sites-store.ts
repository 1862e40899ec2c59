import type { Db } from './database.js';

/** One site's projection row: the columns lists and due queries need, and the whole fold as JSON. */
export interface SiteProjection {
  id: string;
  originStation: string;
  species: string;
  state: string;
  centroidLatitude: number;
  centroidLongitude: number;
  minLatitude: number;
  minLongitude: number;
  maxLatitude: number;
  maxLongitude: number;
  areaSquareMetres: number;
  firstRecordOn: string;
  lastTreatedOn: string | null;
  nextDueOn: string | null;
  stateJson: string;
}

export interface ChildProjection {
  id: string;
  siteId: string;
  originStation: string;
  /** treated_on or visited_on */
  date: string;
  /** a treatment's method, a visit's outcome */
  kind: string;
  recordJson: string;
}

interface SiteRecord {
  id: string;
  state_json: string;
}

/**
 * sites, treatments, visits (projections folded from the event log: replaced whole, never
 * edited in place) and site_photos (which local photos lie inside each site's extent + buffer).
 */
export class SitesStore {
  private readonly upsertSite;
  private readonly deleteChildren;
  private readonly insertTreatment;
  private readonly insertVisit;
  private readonly byId;
  private readonly clearLinks;
  private readonly insertLink;
  private readonly linksOf;

  constructor(private readonly db: Db) {
    this.upsertSite = db.prepare(`
      INSERT INTO sites (id, origin_station, species, state, centroid_latitude, centroid_longitude, min_latitude, min_longitude, max_latitude, max_longitude,
                         area_m2, first_record_on, last_treated_on, next_due_on, state_json, updated_at)
      VALUES (@id, @originStation, @species, @state, @centroidLatitude, @centroidLongitude, @minLatitude, @minLongitude, @maxLatitude, @maxLongitude,
              @areaSquareMetres, @firstRecordOn, @lastTreatedOn, @nextDueOn, @stateJson, @now)
      ON CONFLICT (id) DO UPDATE SET origin_station = excluded.origin_station, species = excluded.species, state = excluded.state,
        centroid_latitude = excluded.centroid_latitude, centroid_longitude = excluded.centroid_longitude,
        min_latitude = excluded.min_latitude, min_longitude = excluded.min_longitude, max_latitude = excluded.max_latitude, max_longitude = excluded.max_longitude,
        area_m2 = excluded.area_m2, first_record_on = excluded.first_record_on, last_treated_on = excluded.last_treated_on,
        next_due_on = excluded.next_due_on, state_json = excluded.state_json, updated_at = excluded.updated_at`);
    this.deleteChildren = {
      treatments: db.prepare('DELETE FROM treatments WHERE site_id = ?'),
      visits: db.prepare('DELETE FROM visits WHERE site_id = ?'),
    };
    this.insertTreatment = db.prepare(
      'INSERT OR REPLACE INTO treatments (id, site_id, origin_station, treated_on, method, record_json) VALUES (@id, @siteId, @originStation, @date, @kind, @recordJson)',
    );
    this.insertVisit = db.prepare(
      'INSERT OR REPLACE INTO visits (id, site_id, origin_station, visited_on, outcome, record_json) VALUES (@id, @siteId, @originStation, @date, @kind, @recordJson)',
    );
    this.byId = db.prepare<[string], SiteRecord>('SELECT id, state_json FROM sites WHERE id = ?');
    this.clearLinks = db.prepare('DELETE FROM site_photos WHERE site_id = ?');
    this.insertLink = db.prepare('INSERT OR IGNORE INTO site_photos (site_id, photo_id) VALUES (?, ?)');
    this.linksOf = db.prepare<[string], { photo_id: number }>('SELECT photo_id FROM site_photos WHERE site_id = ? ORDER BY photo_id');
  }

  /** Replaces one site's projection (its row, its treatments and visits). */
  replace(site: SiteProjection, treatments: readonly ChildProjection[], visits: readonly ChildProjection[]): void {
    this.upsertSite.run({ ...site, now: new Date().toISOString() });
    this.deleteChildren.treatments.run(site.id);
    this.deleteChildren.visits.run(site.id);
    for (const treatment of treatments) this.insertTreatment.run(treatment);
    for (const visit of visits) this.insertVisit.run(visit);
  }

  /** The stored fold of one site (JSON), or null. */
  stateJson(id: string): string | null {
    return this.byId.get(id)?.state_json ?? null;
  }

  /** Every site's fold as JSON, by species then first record. */
  all(): { id: string; stateJson: string }[] {
    return this.db
      .prepare<[], SiteRecord>('SELECT id, state_json FROM sites ORDER BY species, first_record_on, id')
      .all()
      .map((record) => ({ id: record.id, stateJson: record.state_json }));
  }

  /** Ids whose id starts with `prefix` (ranger-typed short ids). */
  idsStartingWith(prefix: string): string[] {
    return this.db
      .prepare<[string], { id: string }>("SELECT id FROM sites WHERE id LIKE ? ESCAPE '\\' ORDER BY id")
      .all(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      .map((row) => row.id);
  }

  /** Replaces the photos linked to one site. */
  setPhotos(siteId: string, photoIds: readonly number[]): void {
    this.clearLinks.run(siteId);
    for (const photoId of photoIds) this.insertLink.run(siteId, photoId);
  }

  photosOf(siteId: string): number[] {
    return this.linksOf.all(siteId).map((row) => row.photo_id);
  }
}
