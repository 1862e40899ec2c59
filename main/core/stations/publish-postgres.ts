import { createHash } from 'node:crypto';
import pg from 'pg';
import { StationError, errorMessage } from '../errors.js';
import type { EventRow, Library } from '../library/index.js';
import { readStationSettings } from '../station-settings.js';

/**
 * `invasives publish postgresql://…`: sends the library to headquarters' PostgreSQL + PostGIS
 * (the server the park's GIS staff run; QGIS reads its tables directly). Everything is an upsert
 * keyed by a global id (events by event id, photos by content hash, zones and alerts by their
 * natural keys, event-sourced records by entity id), so publishing again, from this or another
 * station, never duplicates anything, and a publish cut off half way is finished by the next.
 * Tables live in the schema "invasives"; geometries are EPSG:4326. The PostGIS extension must
 * already exist in the database (its administrator creates it; the station does not).
 */
export interface PublishSummary {
  target: string;
  events: number;
  photos: number;
  photosWithPoint: number;
  zones: number;
  alerts: number;
  records: number;
}

export interface PublishOptions {
  batchSize?: number;
  onProgress?: (stage: string, done: number) => void;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unreadable URL)';
  }
}

const SCHEMA = `
  CREATE SCHEMA IF NOT EXISTS invasives;
  CREATE TABLE IF NOT EXISTS invasives.stations (
    station_id text PRIMARY KEY, station_name text, last_published_at timestamptz NOT NULL);
  CREATE TABLE IF NOT EXISTS invasives.events (
    event_id text PRIMARY KEY, origin_station text NOT NULL, entity_type text NOT NULL, entity_id text NOT NULL,
    action text NOT NULL, payload jsonb NOT NULL, ranger text, reason text, occurred_at text NOT NULL);
  CREATE INDEX IF NOT EXISTS events_by_entity ON invasives.events (entity_type, entity_id);
  CREATE TABLE IF NOT EXISTS invasives.photos (
    sha256 text PRIMARY KEY, captured_at text, species text, status text, predicted_label text, predicted_score double precision,
    reviewer text, review_station text, position_source text, published_by text NOT NULL, geom geometry(Point, 4326));
  CREATE INDEX IF NOT EXISTS photos_geom ON invasives.photos USING gist (geom);
  CREATE TABLE IF NOT EXISTS invasives.zones (
    zone_key text PRIMARY KEY, kind text NOT NULL, name text NOT NULL, geom geometry(Geometry, 4326));
  CREATE INDEX IF NOT EXISTS zones_geom ON invasives.zones USING gist (geom);
  CREATE TABLE IF NOT EXISTS invasives.alerts (
    alert_key text PRIMARY KEY, kind text NOT NULL, species text NOT NULL, place_label text NOT NULL, state text NOT NULL,
    evidence text NOT NULL, raised_at text NOT NULL, updated_at text NOT NULL, photo_count integer NOT NULL, geom geometry(MultiPoint, 4326));
  CREATE INDEX IF NOT EXISTS alerts_geom ON invasives.alerts USING gist (geom);
  CREATE TABLE IF NOT EXISTS invasives.records (
    entity_type text NOT NULL, entity_id text NOT NULL, state jsonb NOT NULL, last_event_at text NOT NULL,
    geom geometry(Geometry, 4326), PRIMARY KEY (entity_type, entity_id));
  CREATE INDEX IF NOT EXISTS records_geom ON invasives.records USING gist (geom);`;

function unreachable(url: string, error: unknown): StationError {
  return new StationError(
    'PUBLISH_FAILED',
    `Cannot publish to ${redactUrl(url)}: ${errorMessage(error)}. Nothing here was changed; what was sent is kept there, and 'invasives publish' again finishes it once the server is reachable.`,
    { cause: error, details: { target: redactUrl(url) } },
  );
}

/** A record's state folded from its events: later payload fields replace earlier ones. */
function foldState(history: readonly EventRow[]): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const event of history) Object.assign(state, event.payload, { lastAction: event.action });
  return state;
}

/** A GeoJSON geometry for a folded record, when its events gave one (a `geometry`, or latitude/longitude). */
function geometryOf(state: Record<string, unknown>): string | null {
  const geometry = state.geometry as { type?: unknown } | undefined;
  if (geometry && typeof geometry === 'object' && typeof geometry.type === 'string') return JSON.stringify(geometry);
  // A site's extent (main/core/sites): a point with a radius, or a polygon ring list.
  const extent = state.extent as { type?: unknown; latitude?: unknown; longitude?: unknown; coordinates?: unknown } | undefined;
  if (extent && extent.type === 'point' && typeof extent.latitude === 'number' && typeof extent.longitude === 'number') {
    return JSON.stringify({ type: 'Point', coordinates: [extent.longitude, extent.latitude] });
  }
  if (extent && extent.type === 'polygon' && Array.isArray(extent.coordinates)) return JSON.stringify({ type: 'Polygon', coordinates: extent.coordinates });
  const { latitude, longitude } = state as { latitude?: unknown; longitude?: unknown };
  if (typeof latitude === 'number' && typeof longitude === 'number') return JSON.stringify({ type: 'Point', coordinates: [longitude, latitude] });
  return null;
}

async function inBatches<T>(client: pg.Client, items: Iterable<T>, size: number, write: (batch: T[]) => Promise<void>, progress?: (done: number) => void): Promise<number> {
  let batch: T[] = [];
  let done = 0;
  const flush = async () => {
    if (!batch.length) return;
    await client.query('BEGIN');
    try {
      await write(batch);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    done += batch.length;
    progress?.(done);
    batch = [];
  };
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) await flush();
  }
  await flush();
  return done;
}

export async function publishToPostgres(library: Library, url: string, options: PublishOptions = {}): Promise<PublishSummary> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new StationError('INVALID_ARGUMENT', `"${redactUrl(url)}" is not a PostgreSQL URL; give postgresql://USER:PASSWORD@HOST:PORT/DATABASE.`);
  }
  const size = options.batchSize ?? 500;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw unreachable(url, error);
  }
  const summary: PublishSummary = { target: redactUrl(url), events: 0, photos: 0, photosWithPoint: 0, zones: 0, alerts: 0, records: 0 };
  try {
    try {
      await client.query('SELECT postgis_version()');
    } catch (error) {
      throw new StationError('PUBLISH_FAILED', `The database ${redactUrl(url)} has no PostGIS (${errorMessage(error)}); ask its administrator to run CREATE EXTENSION postgis there. Nothing was sent.`, { cause: error });
    }
    await client.query(SCHEMA);
    const stationId = library.events.stationId;

    // Events, in local storage order (paged, so a large log is never all in memory).
    function* allEvents(): Generator<EventRow> {
      for (let seq = 0; ; ) {
        const page = library.events.after(seq);
        if (!page.length) return;
        yield* page;
        seq = page[page.length - 1]!.seq;
      }
    }
    summary.events = await inBatches(client, allEvents(), size, async (batch) => {
      await client.query(
        `INSERT INTO invasives.events (event_id, origin_station, entity_type, entity_id, action, payload, ranger, reason, occurred_at)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(event_id text, origin_station text, entity_type text, entity_id text, action text, payload jsonb, ranger text, reason text, occurred_at text)
         ON CONFLICT (event_id) DO NOTHING`,
        [JSON.stringify(batch.map((e) => ({ event_id: e.eventId, origin_station: e.originStation, entity_type: e.entityType, entity_id: e.entityId, action: e.action, payload: e.payload, ranger: e.ranger, reason: e.reason, occurred_at: e.occurredAt })))],
      );
    }, (done) => options.onProgress?.('events', done));

    // Photos as points: a ranger's placement or GPX match first, else EXIF.
    function* photoRows() {
      for (const photo of library.photos.iterate({})) {
        const placed = library.positions.get(photo.id);
        const latitude = placed?.latitude ?? photo.latitude;
        const longitude = placed?.longitude ?? photo.longitude;
        if (latitude !== null && longitude !== null) summary.photosWithPoint++;
        yield {
          sha256: photo.sha256,
          captured_at: photo.capturedAt,
          species: photo.species ?? null,
          status: photo.status,
          predicted_label: photo.prediction?.label ?? null,
          predicted_score: photo.prediction?.score ?? null,
          reviewer: photo.review?.reviewer ?? null,
          review_station: photo.review?.station ?? null,
          position_source: placed ? placed.source : latitude !== null ? 'exif' : null,
          published_by: stationId,
          latitude,
          longitude,
        };
      }
    }
    summary.photos = await inBatches(client, photoRows(), size, async (batch) => {
      await client.query(
        `INSERT INTO invasives.photos (sha256, captured_at, species, status, predicted_label, predicted_score, reviewer, review_station, position_source, published_by, geom)
         SELECT sha256, captured_at, species, status, predicted_label, predicted_score, reviewer, review_station, position_source, published_by,
                CASE WHEN latitude IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(longitude, latitude), 4326) END
         FROM jsonb_to_recordset($1::jsonb) AS p(sha256 text, captured_at text, species text, status text, predicted_label text, predicted_score double precision,
              reviewer text, review_station text, position_source text, published_by text, latitude double precision, longitude double precision)
         ON CONFLICT (sha256) DO UPDATE SET captured_at = excluded.captured_at, species = excluded.species, status = excluded.status,
              predicted_label = excluded.predicted_label, predicted_score = excluded.predicted_score, reviewer = excluded.reviewer,
              review_station = excluded.review_station, position_source = excluded.position_source, published_by = excluded.published_by, geom = excluded.geom`,
        [JSON.stringify(batch)],
      );
    }, (done) => options.onProgress?.('photos', done));

    const zones = library.zones.list().map((zone) => ({
      zone_key: createHash('sha256').update(`${zone.kind}\u0000${zone.name}\u0000${JSON.stringify(zone.geometry)}`).digest('hex'),
      kind: zone.kind,
      name: zone.name,
      geometry: JSON.stringify(zone.geometry),
    }));
    summary.zones = await inBatches(client, zones, size, async (batch) => {
      await client.query(
        `INSERT INTO invasives.zones (zone_key, kind, name, geom)
         SELECT zone_key, kind, name, ST_SetSRID(ST_GeomFromGeoJSON(geometry), 4326) FROM jsonb_to_recordset($1::jsonb) AS z(zone_key text, kind text, name text, geometry text)
         ON CONFLICT (zone_key) DO UPDATE SET kind = excluded.kind, name = excluded.name, geom = excluded.geom`,
        [JSON.stringify(batch)],
      );
    });

    const alerts = library.alerts.list().map((alert) => {
      const points = alert.photoIds
        .map((photoId) => {
          const placed = library.positions.get(photoId);
          const photo = placed ? null : library.photos.get(photoId);
          const latitude = placed?.latitude ?? photo?.latitude ?? null;
          const longitude = placed?.longitude ?? photo?.longitude ?? null;
          return latitude === null || longitude === null ? null : [longitude, latitude];
        })
        .filter((point): point is number[] => point !== null);
      return {
        alert_key: `${alert.kind}|${alert.species}|${alert.placeKey}`,
        kind: alert.kind,
        species: alert.species,
        place_label: alert.placeLabel,
        state: alert.state,
        evidence: alert.evidence,
        raised_at: alert.raisedAt,
        updated_at: alert.updatedAt,
        photo_count: alert.photoIds.length,
        geometry: points.length ? JSON.stringify({ type: 'MultiPoint', coordinates: points }) : null,
      };
    });
    summary.alerts = await inBatches(client, alerts, size, async (batch) => {
      await client.query(
        `INSERT INTO invasives.alerts (alert_key, kind, species, place_label, state, evidence, raised_at, updated_at, photo_count, geom)
         SELECT alert_key, kind, species, place_label, state, evidence, raised_at, updated_at, photo_count,
                CASE WHEN geometry IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON(geometry), 4326) END
         FROM jsonb_to_recordset($1::jsonb) AS a(alert_key text, kind text, species text, place_label text, state text, evidence text, raised_at text, updated_at text, photo_count integer, geometry text)
         ON CONFLICT (alert_key) DO UPDATE SET place_label = excluded.place_label, state = excluded.state, evidence = excluded.evidence,
              updated_at = excluded.updated_at, photo_count = excluded.photo_count, geom = excluded.geom`,
        [JSON.stringify(batch)],
      );
    });

    // Event-sourced records (sites, treatments, submissions…): their folded state, with a geometry when they have one.
    const byEntity = new Map<string, EventRow[]>();
    for (const event of allEvents()) {
      if (event.entityType === 'review') continue; // reviews are published as the photos' status
      const key = `${event.entityType}\u0000${event.entityId}`;
      let list = byEntity.get(key);
      if (!list) byEntity.set(key, (list = []));
      list.push(event);
    }
    const records = [...byEntity.values()].map((history) => {
      const sorted = [...history].sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.eventId < b.eventId ? -1 : 1));
      const state = foldState(sorted);
      return { entity_type: sorted[0]!.entityType, entity_id: sorted[0]!.entityId, state, last_event_at: sorted[sorted.length - 1]!.occurredAt, geometry: geometryOf(state) };
    });
    summary.records = await inBatches(client, records, size, async (batch) => {
      await client.query(
        `INSERT INTO invasives.records (entity_type, entity_id, state, last_event_at, geom)
         SELECT entity_type, entity_id, state, last_event_at, CASE WHEN geometry IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON(geometry), 4326) END
         FROM jsonb_to_recordset($1::jsonb) AS r(entity_type text, entity_id text, state jsonb, last_event_at text, geometry text)
         ON CONFLICT (entity_type, entity_id) DO UPDATE SET state = excluded.state, last_event_at = excluded.last_event_at, geom = excluded.geom
           WHERE invasives.records.last_event_at <= excluded.last_event_at`,
        [JSON.stringify(batch)],
      );
    });

    await client.query(
      `INSERT INTO invasives.stations (station_id, station_name, last_published_at) VALUES ($1, $2, now())
       ON CONFLICT (station_id) DO UPDATE SET station_name = excluded.station_name, last_published_at = excluded.last_published_at`,
      [stationId, readStationSettings(library).stationName],
    );
    return summary;
  } catch (error) {
    if (error instanceof StationError) throw error;
    throw unreachable(url, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
