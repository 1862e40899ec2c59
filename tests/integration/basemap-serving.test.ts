import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { Library } from '../../main/core/library/index.js';
import { basemapStoreDir, resolveSettings } from '../../main/core/settings.js';
import { darwinCoreRecords } from '../../main/core/geo/export-darwin-core.js';
import { type RunningServer, startServer } from '../../main/server/server.js';
import { latToTileY, lonToTileX, writeRasterMbtiles, writeRasterPmtiles } from '../fixtures/make-basemaps.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const db = path.join(dir, 'library.sqlite');
const PARK: [number, number, number, number] = [-93.66, 41.98, -93.62, 42.01];
let server: RunningServer;

before(async () => {
  await writeRasterMbtiles(path.join(dir, 'park.mbtiles'), { bounds: PARK, minZoom: 0, maxZoom: 12, colour: [40, 160, 60] });
  await writeRasterPmtiles(path.join(dir, 'park.pmtiles'), { bounds: PARK, minZoom: 0, maxZoom: 12, colour: [230, 120, 20] });
  fs.writeFileSync(path.join(dir, 'photo.pmtiles'), 'not a basemap');
});
after(() => server?.close());

test('`invasives basemap add/list/remove` keeps the park basemaps with the library; a bad file is refused by name', async () => {
  const add = await runCli(['basemap', 'add', path.join(dir, 'park.mbtiles'), '--name', 'Park orthophoto', '--db', db, '--create']);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /Basemap 1 "Park orthophoto": mbtiles, png tiles, zoom 0-12/);
  const addPm = await runCli(['basemap', 'add', path.join(dir, 'park.pmtiles'), '--json', '--db', db]);
  assert.equal(addPm.code, 0, addPm.stderr);
  assert.equal((JSON.parse(addPm.stdout) as { format: string }).format, 'pmtiles');
  const bad = await runCli(['basemap', 'add', path.join(dir, 'photo.pmtiles'), '--db', db]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /photo\.pmtiles.*neither MBTiles nor PMTiles/);
  const list = await runCli(['basemap', 'list', '--db', db]);
  assert.match(list.stdout, /1 {2}Park orthophoto {2}mbtiles png/);
  assert.match(list.stdout, /2 {2}Test park \(raster PMTiles\) {2}pmtiles png/);
  assert.equal(fs.readdirSync(basemapStoreDir(db)).length, 2);
});

test('the loopback server serves tiles by basemap id under the same token rules as the API', async () => {
  server = await startServer({ databasePath: db });
  const base = `http://127.0.0.1:${server.port}`;
  const z = 12;
  const tilePath = `/tiles/1/${z}/${lonToTileX(-93.64, z)}/${latToTileY(42.0, z)}`;
  assert.equal((await fetch(base + tilePath)).status, 401, 'no token, no tile');
  const headers = { 'x-invasives-token': server.token };
  const tile = await fetch(base + tilePath, { headers });
  assert.equal(tile.status, 200);
  assert.equal(tile.headers.get('content-type'), 'image/png');
  const { data } = await sharp(Buffer.from(await tile.arrayBuffer())).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data.subarray((128 * 256 + 128) * 3, (128 * 256 + 128) * 3 + 3)], [40, 160, 60]);
  assert.equal((await fetch(`${base}/tiles/1/${z}/0/0`, { headers })).status, 204, 'outside the park: no content');
  assert.equal((await fetch(`${base}/tiles/99/1/0/0`, { headers })).status, 404, 'unknown basemap');
  assert.equal((await fetch(`${base}/tiles/1/..%2F..%2Fetc/passwd`, { headers })).status, 404, 'a path is never a basemap');
  assert.equal((await fetch(`${base}/tiles/1/1/0/0`, { headers: { ...headers, origin: 'http://evil.example' } })).status, 403);

  const listed = (await (await fetch(`${base}/api/basemaps:list`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' })).json()) as {
    ok: boolean;
    value: { id: number; available: boolean }[];
  };
  assert.deepEqual(listed.value.map((row) => [row.id, row.available]), [[1, true], [2, true]]);
  const removed = await fetch(`${base}/api/basemaps:remove`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"basemapId":2}' });
  assert.equal(((await removed.json()) as { ok: boolean }).ok, true);
  assert.equal((await fetch(`${base}/tiles/2/0/0/0`, { headers })).status, 404);
});

test('a placement stores its uncertainty and the Darwin Core export carries it as coordinateUncertaintyInMeters', () => {
  const library = Library.open(path.join(dir, 'dwc.sqlite'));
  try {
    const model = library.models.add({ name: 'm', version: '1', contentHash: 'e'.repeat(64), format: 'onnx', sourcePath: dir, labels: ['Ailanthus altissima', 'Carpobrotus edulis'], preprocessing: {} });
    const ids = [1, 2].map((n) => {
      const id = library.photos.insert({
        sha256: String(n).repeat(64), byteSize: 10, importId: null, format: 'jpeg', width: 10, height: 10, orientation: 1,
        capturedAt: `2026-06-0${n}T10:00:00`, latitude: null, longitude: null, altitude: null, cameraMake: null, cameraModel: null, exifWarning: null,
      });
      library.photos.recordPath(id, `/card/${n}.jpg`, null);
      library.predictions.save({ photoId: id, modelId: model.id, labels: ['Ailanthus altissima', 'Carpobrotus edulis'], probabilities: Float32Array.from([0.9, 0.1]), topK: 2 });
      return id;
    });
    library.positions.set(ids[0]!, { latitude: 42.0, longitude: -93.64, source: 'manual', uncertaintyMetres: 7.5 });
    library.positions.set(ids[1]!, { latitude: 41.99, longitude: -93.63, source: 'manual' });
    assert.equal(library.photos.get(ids[0]!)?.positionUncertaintyMetres, 7.5);
    const records = darwinCoreRecords(library, resolveSettings({ databasePath: dir }).geo);
    const byDate = new Map(records.map((record) => [record.eventDate, record.coordinateUncertaintyInMeters]));
    assert.equal(byDate.get('2026-06-01T10:00:00'), 8, 'the zoom\'s uncertainty, rounded up');
    assert.equal(byDate.get('2026-06-02T10:00:00'), resolveSettings().geo.positionUncertaintyMetres.manual, 'no stored uncertainty: the manual default');
  } finally {
    library.close();
  }
});
