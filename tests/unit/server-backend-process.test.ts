import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BackendState, ExportResult, InputFile } from '../../main/api/contract.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { CONTENT_SECURITY_POLICY } from '../../main/server/security.js';
import { type RunningBackendServer, startBackendServer } from '../../main/server/server.js';
import sharp from 'sharp';
import { latToTileY, lonToTileX, writeRasterMbtiles } from '../fixtures/make-basemaps.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * `invasives serve` as it runs: the HTTP server is a host that forwards calls, events (SSE),
 * photos, tiles, uploads and downloads to the backend process over the message protocol,
 * with the same token and header rules as ever.
 */
describe('the browser transport hosting the backend process', () => {
  const dir = makeTempDir();
  const rendererDir = path.join(dir, 'renderer');
  const databasePath = path.join(dir, 'library.sqlite');
  let server: RunningBackendServer;
  let photoIds: number[] = [];
  const auth = () => ({ 'x-invasives-token': server.token });
  const call = async (name: string, args: unknown = {}) => {
    const response = await fetch(`${server.origin}/api/${name}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(args) });
    assert.equal(response.status, 200);
    return (await response.json()) as { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
  };

  before(async () => {
    fs.mkdirSync(rendererDir);
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>station</title>');
    const library = Library.open(databasePath);
    try {
      const card = path.join(dir, 'card');
      await writeCameraCard(card, 3);
      await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
      photoIds = library.photos.query({ order: 'added' }).map((photo) => photo.id);
    } finally {
      library.close();
    }
    server = await startBackendServer({ databasePath, rendererDir });
  });
  after(() => server?.close());

  test('the station runs in the backend process, not in the server', async () => {
    assert.ok(server.backend.pid && server.backend.pid !== process.pid);
    assert.equal(!('station' in server), true);
  });

  test('the token is still required, and calls are forwarded with their validation', async () => {
    assert.equal((await fetch(`${server.origin}/api/stats:get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401);
    const stats = await call('stats:get');
    assert.deepEqual(stats.ok && (stats.value as { photos: number }).photos, 3);
    const bad = await call('photos:get', { id: -1 });
    assert.equal(bad.ok ? null : bad.error.code, 'BAD_ARGUMENTS');
  });

  test('photos come through the backend with the same security headers', async () => {
    const response = await fetch(`${server.origin}/media/photo/${photoIds[0]}`, { headers: auth() });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8]);
    assert.equal((await fetch(`${server.origin}/media/thumb/${photoIds[1]}`, { headers: auth() })).status, 200);
    assert.equal((await fetch(`${server.origin}/media/photo/424242`, { headers: auth() })).status, 404);
    assert.equal((await fetch(`${server.origin}/tiles/9/0/0/0`, { headers: auth() })).status, 404);
  });

  test('an upload streams through to the backend and its handle works in a call', async () => {
    const geojson = JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { name: 'North' }, geometry: { type: 'Polygon', coordinates: [[[6.9, 45.9], [7.2, 45.9], [7.2, 46.2], [6.9, 46.2], [6.9, 45.9]]] } }],
    });
    const upload = await fetch(`${server.origin}/upload/zones`, { method: 'POST', headers: { ...auth(), 'x-file-name': 'zones.geojson' }, body: geojson });
    assert.equal(upload.status, 200);
    const file = (await upload.json()) as InputFile;
    assert.equal(file.bytes, Buffer.byteLength(geojson));
    const loaded = await call('zones:load', { file: file.handle, kind: 'zone' });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
    const refused = await fetch(`${server.origin}/upload/zones`, { method: 'POST', headers: { ...auth(), 'x-file-name': '../escape.geojson' }, body: geojson });
    assert.equal(refused.status, 400, 'the backend refuses a name with ".."');
  });

  test('the backend enforces the upload limits while the bytes stream through the host (413)', async () => {
    // Chunked, without Content-Length: only the backend, counting what arrives, can refuse it.
    const status = await new Promise<number>((resolve) => {
      const upload = http.request(
        { host: '127.0.0.1', port: server.port, method: 'POST', path: '/upload/zones', headers: { ...auth(), 'x-file-name': 'big.geojson', 'transfer-encoding': 'chunked' } },
        (response) => {
          response.resume();
          resolve(response.statusCode!);
        },
      );
      upload.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 413 : 0));
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const writeMore = () => {
        while (sent < 65) {
          sent += 1;
          if (!upload.write(chunk)) return void upload.once('drain', writeMore);
        }
        upload.end();
      };
      writeMore();
    });
    assert.equal(status, 413, 'a zones upload over 64 MiB is refused');
    const first = (await (await fetch(`${server.origin}/upload/zones`, { method: 'POST', headers: { ...auth(), 'x-file-name': 'a.geojson' }, body: '{}' })).json()) as InputFile;
    const second = await fetch(`${server.origin}/upload/zones`, { method: 'POST', headers: { ...auth(), 'x-file-name': 'b.geojson', 'x-upload-handle': first.handle }, body: '{}' });
    assert.equal(second.status, 413, 'a zones upload is one file');
  });

  test('a basemap uploaded through the host is served tile by tile from the backend', async () => {
    const file = path.join(dir, 'park.mbtiles');
    await writeRasterMbtiles(file, { bounds: [-93.66, 41.98, -93.62, 42.01], minZoom: 0, maxZoom: 12, colour: [40, 160, 60] });
    const upload = await fetch(`${server.origin}/upload/basemap`, { method: 'POST', headers: { ...auth(), 'x-file-name': 'park.mbtiles' }, body: fs.readFileSync(file) });
    assert.equal(upload.status, 200);
    const added = await call('basemaps:add', { file: ((await upload.json()) as InputFile).handle, name: 'Park' });
    assert.ok(added.ok, added.ok ? '' : added.error.message);
    const basemapId = (added.value as { id: number }).id;
    const tile = await fetch(`${server.origin}/tiles/${basemapId}/12/${lonToTileX(-93.64, 12)}/${latToTileY(42.0, 12)}`, { headers: auth() });
    assert.equal(tile.status, 200);
    assert.equal(tile.headers.get('content-type'), 'image/png');
    const { data } = await sharp(Buffer.from(await tile.arrayBuffer())).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const centre = (128 * 256 + 128) * 3;
    assert.deepEqual([...data.subarray(centre, centre + 3)], [40, 160, 60]);
    assert.equal((await fetch(`${server.origin}/tiles/${basemapId}/12/0/0`, { headers: auth() })).status, 204, 'outside the park: no content');
  });

  test('an export is downloaded once from the backend', async () => {
    const exported = await call('export:csv', { filter: {} });
    assert.ok(exported.ok);
    const { file } = exported.value as ExportResult;
    const download = await fetch(`${server.origin}/download/${file.id}`, { headers: auth() });
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /attachment/);
    assert.equal((await download.text()).trim().split(/\r?\n/).length, 4, 'a header and 3 photos');
    assert.equal((await fetch(`${server.origin}/download/${file.id}`, { headers: auth() })).status, 404, 'each export is downloaded once');
  });

  test('the event stream says when the backend stopped and when it is back; the server keeps answering', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${server.origin}/api/events`, { headers: auth(), signal: controller.signal });
    const reader = stream.body!.getReader();
    const states: BackendState[] = [];
    const readStates = (async () => {
      let text = '';
      while (!states.some((state) => state.state === 'ready')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
        for (const match of text.matchAll(/event: backend:state\ndata: (.*)\n/g)) if (!states.some((s) => JSON.stringify(s) === match[1])) states.push(JSON.parse(match[1]!) as BackendState);
      }
    })();
    const before = server.backend.pid;
    server.backend.killBackend();
    await readStates;
    controller.abort();
    assert.deepEqual(states.map((state) => state.state), ['restarting', 'ready']);
    assert.notEqual(server.backend.pid, before);
    const stats = await call('stats:get');
    assert.deepEqual(stats.ok && (stats.value as { photos: number }).photos, 3);
  });
});
