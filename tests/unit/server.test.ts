import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { thumbnailCacheDir } from '../../main/core/settings.js';
import { CONTENT_SECURITY_POLICY } from '../../main/server/security.js';
import { type RunningServer, startServer } from '../../main/server/server.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with full control of the headers (fetch will not let a test forge Host). */
function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('browser transport server', () => {
  const dir = makeTempDir();
  const rendererDir = path.join(dir, 'renderer');
  const databasePath = path.join(dir, 'library.sqlite');
  let server: RunningServer;
  let photoIds: number[] = [];
  const auth = () => ({ 'x-invasives-token': server.token });
  const call = (name: string, args: unknown, headers: Record<string, string> = auth()) =>
    request(server.port, { method: 'POST', path: `/api/${name}`, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(args) });

  before(async () => {
    fs.mkdirSync(rendererDir);
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>station</title>');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer');
    server = await startServer({ databasePath, rendererDir });
    const card = path.join(dir, 'card');
    await writeCameraCard(card, 2);
    await importFolder(server.station.library, card, { settings: server.station.settings });
    photoIds = server.station.library.photos.query({ order: 'added' }).map((photo) => photo.id);
  });
  after(() => server?.close());

  test('listens on loopback and refuses any other host address', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    await assert.rejects(startServer({ databasePath: path.join(dir, 'other.sqlite'), host: '0.0.0.0' as '127.0.0.1' }), /127\.0\.0\.1 only/);
  });

  test('a request without the token is refused with 401', async () => {
    assert.equal((await request(server.port, { path: '/', headers: { host: `127.0.0.1:${server.port}` } })).status, 401);
    assert.equal((await call('stats:get', {}, {})).status, 401);
  });

  test('the token in the first URL is swapped for an HttpOnly cookie and removed from the address', async () => {
    const response = await request(server.port, { path: `/?token=${server.token}` });
    assert.equal(response.status, 303);
    assert.equal(response.headers.location, '/');
    const cookie = response.headers['set-cookie']![0]!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const page = await request(server.port, { path: '/', headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.match(page.body.toString(), /station/);
  });

  test('a foreign Host header is refused even with the token (DNS rebinding)', async () => {
    const response = await request(server.port, { path: '/', headers: { ...auth(), host: `evil.example:${server.port}` } });
    assert.equal(response.status, 403);
  });

  test('a call from another origin is refused even with the token', async () => {
    assert.equal((await call('stats:get', {}, { ...auth(), origin: 'http://evil.example' })).status, 403);
    assert.equal((await call('stats:get', {}, { ...auth(), origin: `http://localhost:${server.port}` })).status, 200);
  });

  test('calls must be JSON (no simple cross-site form posts)', async () => {
    const response = await request(server.port, { method: 'POST', path: '/api/stats:get', headers: { ...auth(), 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(response.status, 415);
  });

  test('a call returns the contract envelope', async () => {
    const ok = JSON.parse((await call('photos:count', { filter: { hasGps: true } })).body.toString());
    assert.deepEqual(ok, { ok: true, value: 2 });
    const bad = JSON.parse((await call('photos:list', { limit: 0 })).body.toString());
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, 'BAD_ARGUMENTS');
  });

  test('static files cannot be read outside the renderer folder', async () => {
    const response = await request(server.port, { path: '/%2e%2e/secret.txt', headers: auth() });
    assert.equal(response.status, 404);
    assert.doesNotMatch(response.body.toString(), /outside the renderer/);
    assert.equal((await request(server.port, { path: '/%E0%A4%A', headers: auth() })).status, 404, 'a malformed escape is a 404, not a crash');
  });

  test('thumbnails are served by photo id and made on demand when the cache lacks them', async () => {
    const photo = server.station.library.photos.get(photoIds[0]!)!;
    const cached = path.join(thumbnailCacheDir(server.station.library.databasePath), `${photo.sha256}.jpg`);
    fs.rmSync(cached, { force: true });
    const response = await request(server.port, { path: `/media/thumb/${photo.id}`, headers: auth() });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'image/jpeg');
    const meta = await sharp(response.body).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.ok(fs.existsSync(cached), 'the thumbnail made on demand is cached');
  });

  test('the full photo is served by id; unknown ids and non-numeric ids are 404', async () => {
    const response = await request(server.port, { path: `/media/photo/${photoIds[1]}`, headers: auth() });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, fs.readFileSync(server.station.library.photos.get(photoIds[1]!)!.path));
    assert.equal((await request(server.port, { path: '/media/photo/99999', headers: auth() })).status, 404);
    assert.equal((await request(server.port, { path: '/media/photo/..%2F..%2Fetc%2Fpasswd', headers: auth() })).status, 404);
  });

  test('events reach an open Server-Sent Events stream', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: auth() }, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream');
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('event: library:changed')) {
            req.destroy();
            resolve(text);
          } else if (text.includes(': connected')) {
            void call('reviews:bulk', { photoIds, decision: 'unsure' });
          }
        });
      });
      req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
    });
    const text = await received;
    assert.match(text, /data: \{"reason":"bulk review"\}/);
    assert.equal(server.station.library.stats().byStatus.unsure, 2);
  });
});
