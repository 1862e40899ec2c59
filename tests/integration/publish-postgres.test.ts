import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { Library } from '../../main/core/library/index.js';
import { publishToPostgres } from '../../main/core/stations/publish-postgres.js';
import { createSite } from '../../main/core/sites/site-service.js';
import { addPhoto } from '../helpers/station-library.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { runCli } from '../helpers/run-cli.js';

/** The test server .ci/start-postgres.sh starts (PostGIS created there by the superuser). */
const URL = process.env.INVASIVES_TEST_POSTGRES_URL ?? 'postgresql://invasives:invasives@127.0.0.1:5432/invasives_test';

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT postgis_version()');
    await client.query('DROP SCHEMA IF EXISTS invasives CASCADE');
    return null;
  } catch (error) {
    return `no PostgreSQL with PostGIS at ${URL} (${(error as Error).message}); .ci/start-postgres.sh starts one`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const skip = await reachable();

async function query<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function station(dir: string, name: string) {
  const library = Library.open(path.join(dir, `${name}.sqlite`));
  const placed = await addPhoto(library, `${name}-placed`, { latitude: 46.1, longitude: 7.1 });
  library.positions.set(placed.id, { latitude: 46.25, longitude: 7.25, source: 'manual' });
  const exif = await addPhoto(library, `${name}-exif`, { latitude: 46.3, longitude: 7.3 });
  library.reviews.record({ photoId: exif.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'Ana', station: name });
  library.zones.replace('zone', [{ kind: 'zone', name: `${name} meadow`, geometry: { type: 'Polygon', coordinates: [[[7, 46], [8, 46], [8, 47], [7, 46]]] }, bbox: [7, 46, 8, 47] } as never], null);
  library.alerts.upsert({ kind: 'new-species', species: 'Ailanthus altissima', placeKey: '', placeLabel: 'the library', confirmed: true, photoIds: [exif.id], detail: {} });
  library.events.append({ entityType: 'site', entityId: `${name}-site`, action: 'created', payload: { species: 'Fallopia japonica', latitude: 46.4, longitude: 7.4 }, ranger: 'Ana' });
  return { library, placed, exif };
}

test('publish sends events, photo points, zones, alerts and sites as PostGIS geometries, idempotently, from several stations', { skip: skip ?? false }, async () => {
  const dir = makeTempDir();
  const north = await station(dir, 'north');
  const first = await publishToPostgres(north.library, URL);
  assert.equal(first.photos, 2);
  const again = await publishToPostgres(north.library, URL);
  assert.deepEqual(again, first);
  const photos = await query<{ sha256: string; x: number; y: number; species: string | null; position_source: string }>(
    'SELECT sha256, ST_X(geom) AS x, ST_Y(geom) AS y, species, position_source FROM invasives.photos ORDER BY position_source',
  );
  assert.deepEqual(photos.map((p) => [p.sha256, p.x, p.y, p.position_source]), [
    [north.exif.sha256, 7.3, 46.3, 'exif'],
    [north.placed.sha256, 7.25, 46.25, 'manual'],
  ]);
  assert.equal(photos.find((p) => p.sha256 === north.exif.sha256)!.species, 'Ailanthus altissima');
  const counts = await query<{ events: string; zones: string; alerts: string }>(
    `SELECT (SELECT count(*) FROM invasives.events) AS events, (SELECT count(*) FROM invasives.zones WHERE ST_GeometryType(geom) = 'ST_Polygon') AS zones,
            (SELECT count(*) FROM invasives.alerts WHERE ST_NumGeometries(geom) = 1) AS alerts`,
  );
  assert.deepEqual(counts[0], { events: String(first.events), zones: '1', alerts: '1' });
  const sites = await query<{ entity_id: string; wkt: string }>("SELECT entity_id, ST_AsText(geom) AS wkt FROM invasives.records WHERE entity_type = 'site' AND entity_id = 'north-site'");
  assert.deepEqual(sites, [{ entity_id: 'north-site', wkt: 'POINT(7.4 46.4)' }]);
  // A site made by the sites module: its extent polygon is the geometry.
  const site = createSite(north.library, { species: 'Impatiens glandulifera', extent: { type: 'polygon', coordinates: [[[10.0598, 46.7098], [10.0602, 46.7098], [10.0602, 46.7102], [10.0598, 46.7102], [10.0598, 46.7098]]] }, name: 'Inn bank' }, { ranger: 'Ana' });
  await publishToPostgres(north.library, URL);
  const polygon = await query<{ kind: string }>(`SELECT ST_GeometryType(geom) AS kind FROM invasives.records WHERE entity_type = 'site' AND entity_id = '${site.id}'`);
  assert.deepEqual(polygon, [{ kind: 'ST_Polygon' }]);

  const south = await station(dir, 'south');
  await publishToPostgres(south.library, URL);
  const all = await query<{ photos: string; sites: string; stations: string }>(
    `SELECT (SELECT count(*) FROM invasives.photos) AS photos, (SELECT count(*) FROM invasives.records WHERE entity_type = 'site') AS sites,
            (SELECT count(*) FROM invasives.stations) AS stations`,
  );
  assert.deepEqual(all[0], { photos: '4', sites: '3', stations: '2' });
  north.library.close();
  south.library.close();
});

test('an unreachable database: a clear message, nothing changed here, and publishing again later finishes', { skip: skip ?? false }, async () => {
  const dir = makeTempDir();
  const east = await station(dir, 'east');
  const before = east.library.stats();
  await assert.rejects(
    publishToPostgres(east.library, 'postgresql://invasives:secret@127.0.0.1:1/invasives_test'),
    rejectsWith('PUBLISH_FAILED', /Cannot publish to postgresql:\/\/invasives:\*\*\*@127\.0\.0\.1:1\/invasives_test: .*publish' again/),
  );
  assert.deepEqual(east.library.stats(), before);
  const later = await publishToPostgres(east.library, URL);
  assert.equal(later.photos, 2);
  const rows = await query<{ n: string }>(`SELECT count(*) AS n FROM invasives.photos WHERE published_by = '${east.library.events.stationId}'`);
  assert.equal(rows[0]!.n, '2');
  east.library.close();
});

test('invasives publish on the command line names the target without its password', { skip: skip ?? false }, async () => {
  const dir = makeTempDir();
  const west = await station(dir, 'west');
  west.library.close();
  const result = await runCli(['publish', URL, '--db', path.join(dir, 'west.sqlite')]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Published to postgresql:\/\/invasives:\*\*\*@127\.0\.0\.1:5432\/invasives_test: \d+ events, 2 photos \(2 with a point\)/);
});
