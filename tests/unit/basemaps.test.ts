import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { BasemapLibrary } from '../../main/core/basemaps/basemap-library.js';
import { Library } from '../../main/core/library/index.js';
import { basemapStoreDir } from '../../main/core/settings.js';
import { type Bounds, latToTileY, lonToTileX, writeRasterMbtiles, writeRasterPmtiles } from '../fixtures/make-basemaps.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
/** A small park in Iowa. */
const PARK: Bounds = [-93.66, 41.98, -93.62, 42.01];
const GREEN: [number, number, number] = [40, 160, 60];
const ORANGE: [number, number, number] = [230, 120, 20];

async function centrePixel(png: Buffer): Promise<number[]> {
  const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (128 * 256 + 128) * 3;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

function openLibrary(name: string) {
  const library = Library.open(path.join(dir, name, 'library.sqlite'));
  return { library, basemaps: new BasemapLibrary(library) };
}

test('a raster MBTiles and a raster PMTiles are checked, copied beside the library and serve their tiles by z/x/y', async () => {
  fs.mkdirSync(path.join(dir, 'lib1'), { recursive: true });
  const mbtiles = path.join(dir, 'park.mbtiles');
  const pmtiles = path.join(dir, 'park.pmtiles');
  await writeRasterMbtiles(mbtiles, { bounds: PARK, minZoom: 0, maxZoom: 14, colour: GREEN });
  await writeRasterPmtiles(pmtiles, { bounds: PARK, minZoom: 0, maxZoom: 14, colour: ORANGE });
  const { library, basemaps } = openLibrary('lib1');
  try {
    const a = await basemaps.add(mbtiles);
    const b = await basemaps.add(pmtiles, 'Orange park');
    assert.deepEqual([a.format, a.tileType, a.minZoom, a.maxZoom], ['mbtiles', 'png', 0, 14]);
    assert.deepEqual([b.format, b.tileType, b.name], ['pmtiles', 'png', 'Orange park']);
    assert.deepEqual(a.bounds, PARK);
    b.bounds.forEach((value, i) => assert.ok(Math.abs(value - PARK[i]!) < 1e-6));
    assert.ok(fs.existsSync(path.join(basemapStoreDir(library.databasePath), a.fileName)));
    assert.equal((await basemaps.add(mbtiles)).id, a.id, 'the same file added twice is stored once');

    const z = 14;
    const x = lonToTileX(-93.64, z);
    const y = latToTileY(42.0, z);
    const tileA = await basemaps.readTile(a.id, z, x, y);
    const tileB = await basemaps.readTile(b.id, z, x, y);
    assert.equal(tileA?.contentType, 'image/png');
    assert.deepEqual(await centrePixel(tileA!.bytes), GREEN);
    assert.deepEqual(await centrePixel(tileB!.bytes), ORANGE);
    assert.equal(await basemaps.readTile(a.id, z, 0, 0), null, 'no tile outside the park');
    assert.equal(await basemaps.readTile(a.id, 3, 99, 0), null, 'no tile beyond the grid');
    assert.deepEqual((await basemaps.list()).map((row) => row.available), [true, true]);

    await basemaps.remove(b.id);
    assert.equal(fs.existsSync(path.join(basemapStoreDir(library.databasePath), b.fileName)), false);
    await assert.rejects(basemaps.readTile(b.id, z, x, y), rejectsWith('NOT_FOUND', /Basemap/));
    await basemaps.close();
  } finally {
    library.close();
  }
});

test('a PMTiles archive gzipped throughout (directory, metadata, tiles), as Protomaps extracts are, serves plain tiles', async () => {
  fs.mkdirSync(path.join(dir, 'lib4'), { recursive: true });
  const file = path.join(dir, 'gzipped.pmtiles');
  await writeRasterPmtiles(file, { bounds: PARK, minZoom: 0, maxZoom: 14, colour: GREEN, gzip: true, name: 'Gzipped park' });
  const { library, basemaps } = openLibrary('lib4');
  try {
    const row = await basemaps.add(file);
    assert.equal(row.name, 'Gzipped park', 'the gzipped metadata is read');
    const tile = await basemaps.readTile(row.id, 14, lonToTileX(-93.64, 14), latToTileY(42.0, 14));
    assert.deepEqual(await centrePixel(tile!.bytes), GREEN);
    await basemaps.close();
  } finally {
    library.close();
  }
});

test('bad basemap files are refused with a message naming the file and the problem; nothing is stored', async () => {
  fs.mkdirSync(path.join(dir, 'lib2'), { recursive: true });
  const { library, basemaps } = openLibrary('lib2');
  try {
    const text = path.join(dir, 'notes.mbtiles');
    fs.writeFileSync(text, 'these are not tiles\n');
    await assert.rejects(basemaps.add(text), rejectsWith('BASEMAP_INVALID', /notes\.mbtiles.*neither MBTiles nor PMTiles/));

    const empty = path.join(dir, 'empty.pmtiles');
    fs.writeFileSync(empty, '');
    await assert.rejects(basemaps.add(empty), rejectsWith('BASEMAP_INVALID', /empty/));

    const otherSqlite = path.join(dir, 'other.sqlite');
    new Database(otherSqlite).exec('CREATE TABLE t (a)').close();
    await assert.rejects(basemaps.add(otherSqlite), rejectsWith('BASEMAP_INVALID', /not MBTiles/));

    const corrupt = path.join(dir, 'corrupt.mbtiles');
    await writeRasterMbtiles(corrupt, { bounds: PARK, minZoom: 0, maxZoom: 3, colour: GREEN });
    const bytes = fs.readFileSync(corrupt);
    bytes.fill(0xab, 100);
    fs.writeFileSync(corrupt, bytes);
    await assert.rejects(basemaps.add(corrupt), rejectsWith('BASEMAP_INVALID', /corrupt\.mbtiles/));

    const truncatedPm = path.join(dir, 'truncated.pmtiles');
    await writeRasterPmtiles(truncatedPm, { bounds: PARK, minZoom: 0, maxZoom: 3, colour: GREEN });
    fs.truncateSync(truncatedPm, 60);
    await assert.rejects(basemaps.add(truncatedPm), rejectsWith('BASEMAP_INVALID', /truncated\.pmtiles.*not a readable PMTiles/));

    const utm = path.join(dir, 'utm.mbtiles');
    await writeRasterMbtiles(utm, { bounds: PARK, minZoom: 0, maxZoom: 3, colour: GREEN, metadata: { srs: 'EPSG:32615' } });
    await assert.rejects(basemaps.add(utm), rejectsWith('BASEMAP_INVALID', /EPSG:32615.*Web Mercator/));
    const utmPm = path.join(dir, 'utm.pmtiles');
    await writeRasterPmtiles(utmPm, { bounds: PARK, minZoom: 0, maxZoom: 3, colour: GREEN, metadata: { crs: 'EPSG:32615' } });
    await assert.rejects(basemaps.add(utmPm), rejectsWith('BASEMAP_INVALID', /EPSG:32615.*Web Mercator/));

    const unbounded = path.join(dir, 'unbounded.mbtiles');
    await writeRasterMbtiles(unbounded, { bounds: PARK, minZoom: 0, maxZoom: 3, colour: GREEN, omitBounds: true });
    await assert.rejects(basemaps.add(unbounded), rejectsWith('BASEMAP_INVALID', /no usable bounds/));
    const unboundedPm = path.join(dir, 'unbounded.pmtiles');
    await writeRasterPmtiles(unboundedPm, { bounds: PARK, minZoom: 0, maxZoom: 3, colour: GREEN, omitBounds: true });
    await assert.rejects(basemaps.add(unboundedPm), rejectsWith('BASEMAP_INVALID', /no usable bounds/));

    await assert.rejects(basemaps.add(path.join(dir, 'missing.pmtiles')), rejectsWith('FILE_UNREADABLE', /does not exist/));
    assert.deepEqual(library.basemaps.list(), []);
  } finally {
    library.close();
  }
});

test('a basemap whose file is gone after a restart is listed as unavailable with what to do', async () => {
  fs.mkdirSync(path.join(dir, 'lib3'), { recursive: true });
  const file = path.join(dir, 'gone.pmtiles');
  await writeRasterPmtiles(file, { bounds: PARK, minZoom: 0, maxZoom: 4, colour: GREEN });
  let first = openLibrary('lib3');
  const row = await first.basemaps.add(file);
  await first.basemaps.close();
  first.library.close();
  fs.rmSync(path.join(basemapStoreDir(first.library.databasePath), row.fileName));

  first = openLibrary('lib3');
  try {
    const [listed] = await first.basemaps.list();
    assert.equal(listed?.available, false);
    assert.match(listed!.problem!, /gone.*basemap add/);
    await assert.rejects(first.basemaps.readTile(row.id, 4, 3, 5), rejectsWith('FILE_UNREADABLE', /gone/));
  } finally {
    first.library.close();
  }
});
