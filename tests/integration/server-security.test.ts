import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { type RunningServer, startServer } from '../../main/server/server.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The browser transport seen from an attacker on the same machine or a web page in the
 * ranger's browser: it must listen on loopback only, and refuse requests without the token,
 * from a foreign Origin or Host, and any path that tries to leave the renderer folder or
 * reach a photo other than by its id. tests/unit/server.test.ts covers the happy paths.
 */

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: the path is sent byte for byte (no normalisation), headers as given. */
function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string; setHost?: boolean }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers, setHost: options.setHost ?? true, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends raw bytes and returns the status line: for request targets http.request would refuse to send. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) socket.end();
    });
    socket.on('end', () => resolve(received.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('browser transport: who and what is refused', () => {
  const dir = makeTempDir();
  const rendererDir = path.join(dir, 'renderer');
  const secret = 'SECRET-OUTSIDE-THE-RENDERER';
  let server: RunningServer;
  let photoId = 0;
  const auth = () => ({ 'x-invasives-token': server.token });
  const call = (name: string, args: unknown, headers: Record<string, string>) =>
    request(server.port, { method: 'POST', path: `/api/${name}`, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(args) });

  before(async () => {
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>station</title>');
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'secret.txt'), secret);
    fs.writeFileSync(path.join(dir, 'library-notes.json'), secret);
    server = await startServer({ databasePath: path.join(dir, 'library.sqlite'), rendererDir, token: 'test-token-0123456789abcdef' });
    await writeCameraCard(path.join(dir, 'card'), 1);
    await importFolder(server.station.library, path.join(dir, 'card'), { settings: server.station.settings });
    photoId = server.station.library.photos.query()[0]!.id;
  });
  after(() => server?.close());

  test('it listens on 127.0.0.1 only: not reachable on the machine\'s other addresses', async () => {
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((address) => address && address.family === 'IPv4' && !address.internal)
      .map((address) => address!.address);
    for (const address of others) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = net.connect(server.port, address, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        socket.setTimeout(3000, () => {
          socket.destroy();
          resolve('timed out'); // a firewall dropping the packets: not reachable either
        });
      });
      assert.notEqual(outcome, 'connected', `${address}:${server.port} must not accept connections (${outcome})`);
    }
    console.log(`# checked ${others.length} non-loopback address(es): ${others.join(', ') || 'none on this machine'}`);
    await assert.rejects(startServer({ databasePath: path.join(dir, 'other.sqlite'), host: '::' as '127.0.0.1' }), /127\.0\.0\.1 only/);
  });

  test('requests without the right token are refused (401) on every kind of path', async () => {
    const host = { host: `127.0.0.1:${server.port}` };
    for (const target of ['/', '/index.html', '/assets/app.js', `/media/thumb/${photoId}`, `/media/view/${photoId}`, `/media/photo/${photoId}`, '/api/events']) {
      assert.equal((await request(server.port, { path: target, headers: host })).status, 401, `${target} without a token`);
      assert.equal((await request(server.port, { path: target, headers: { ...host, 'x-invasives-token': 'test-token-0123456789abcdeX' } })).status, 401, `${target} with a wrong token of the same length`);
      assert.equal((await request(server.port, { path: target, headers: { ...host, cookie: 'invasives_token=test-token-0123456789abcdef' } })).status, 401, `${target}: the cookie of another port does not count`);
    }
    assert.equal((await call('stats:get', {}, {})).status, 401);
    assert.equal((await call('stats:get', {}, { 'x-invasives-token': '' })).status, 401);
    // The token in the query string is only a first-page login for GET, never an API credential.
    assert.equal((await request(server.port, { method: 'POST', path: `/api/stats:get?token=${server.token}`, headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401);
    const viaQuery = await request(server.port, { path: `/media/photo/${photoId}?token=${server.token}` });
    assert.equal(viaQuery.status, 303, 'a token in the URL only sets the cookie and redirects');
    assert.doesNotMatch(viaQuery.headers.location ?? '', /token/);
  });

  test('a foreign or missing Host is refused even with the token (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1.evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1', `localhost.:${server.port}`, `[::1]:${server.port}`]) {
      assert.equal((await request(server.port, { path: '/', headers: { ...auth(), host } })).status, 403, `Host: ${host}`);
    }
    const noHost = await request(server.port, { path: '/', headers: auth(), setHost: false });
    assert.ok(noHost.status === 400 || noHost.status === 403, `no Host header at all: refused (Node answers 400 itself), got ${noHost.status}`);
  });

  test('a foreign Origin is refused even with the token (a page in the ranger\'s browser)', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`, `http://127.0.0.1.evil.example:${server.port}`, 'file://']) {
      assert.equal((await call('reviews:bulk', { photoIds: [photoId], decision: 'rejected' }, { ...auth(), origin })).status, 403, `Origin: ${origin}`);
    }
    assert.equal(server.station.library.reviews.current(photoId), null, 'no refused call changed anything');
    assert.equal((await call('stats:get', {}, { ...auth(), origin: `http://127.0.0.1:${server.port}` })).status, 200, 'the app\'s own origin works');
  });

  test('paths escaping the renderer folder are refused: dot segments, encoded, double-encoded, backslashes, absolute', async () => {
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/%252e%252e/secret.txt',
      '/..%5csecret.txt',
      '/assets/..\\..\\secret.txt',
      `/${encodeURIComponent(path.join(dir, 'secret.txt'))}`,
      `//${path.join(dir, 'secret.txt').slice(1)}`,
      '/%2fetc%2fpasswd',
      '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/secret.txt%00.html',
      '/library-notes.json',
    ];
    for (const target of attempts) {
      const response = await request(server.port, { path: target, headers: auth() });
      assert.ok(!response.body.includes(secret) && !response.body.includes('root:x:0:0'), `${target} must not leak a file (status ${response.status})`);
      assert.ok(response.status === 404 || response.status === 400 || (response.status === 200 && response.body.includes('<title>station</title>')), `${target}: 404, or the app page itself (got ${response.status})`);
    }
    // Targets http.request would not send: absolute-form and raw dot segments reach the server byte for byte.
    for (const target of [`http://127.0.0.1:${server.port}/../secret.txt`, '/../../../../../../etc/passwd', `${path.join(dir, 'secret.txt')}`]) {
      const status = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-invasives-token: ${server.token}\r\nConnection: close\r\n\r\n`);
      assert.match(status, /^HTTP\/1\.1 (404|400|200)/, `${target}: ${status}`);
      const body = await request(server.port, { path: target.startsWith('/') ? target : '/', headers: auth() });
      assert.ok(!body.body.includes(secret) && !body.body.includes('root:x:0:0'));
    }
  });

  test('photos are reachable by id only: paths, names and odd numbers in media URLs are 404', async () => {
    const attempts = [
      `/media/photo/${photoId}/../../secret.txt`,
      `/media/photo/${encodeURIComponent(path.join(dir, 'secret.txt'))}`,
      '/media/photo/..%2f..%2fsecret.txt',
      '/media/photo/-1',
      '/media/photo/0',
      '/media/photo/1e3',
      '/media/photo/0x1',
      `/media/photo/${photoId}.0`,
      '/media/photo/99999999999999999999',
      '/media/thumb/%31',
      '/media/other/1',
    ];
    for (const target of attempts) {
      const response = await request(server.port, { path: target, headers: auth() });
      assert.equal(response.status, 404, `${target}`);
      assert.ok(!response.body.includes(secret));
    }
    assert.equal((await request(server.port, { path: `/media/photo/${photoId}`, headers: auth() })).status, 200, 'the photo itself is served by its id');
  });

  test('API names and bodies are checked: unknown calls, wrong methods, non-JSON, oversized bodies', async () => {
    assert.equal((await request(server.port, { path: '/api/stats:get', headers: auth() })).status, 405, 'API calls are POST');
    const escaped = await call('../../secret.txt', {}, auth());
    assert.ok([404, 405].includes(escaped.status) && !escaped.body.includes(secret), `a call name with dot segments is refused (${escaped.status})`);
    const unknown = JSON.parse((await call('system:exec', {}, auth())).body);
    assert.equal(unknown.ok, false, 'an unknown call name is an error envelope, not a crash');
    const bad = JSON.parse((await call('photos:list', { limit: 'all; DROP TABLE photos' }, auth())).body);
    assert.equal(bad.error.code, 'BAD_ARGUMENTS');
    const body = `{"filter":{},"pad":"${'x'.repeat(1_100_000)}"}`;
    const big = await request(server.port, { method: 'POST', path: '/api/photos:list', headers: { ...auth(), 'content-type': 'application/json' }, body }).catch((error: NodeJS.ErrnoException) => ({ status: error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 413 : 0 }));
    assert.equal(big.status, 413, 'a body over 1 MiB is refused');
    const relative = JSON.parse((await call('export:csv', { outPath: '../../escaped.csv' }, auth())).body);
    assert.equal(relative.ok, false, 'an export takes no path at all');
    assert.equal(relative.error.code, 'BAD_ARGUMENTS');
    assert.equal(fs.existsSync(path.resolve('../../escaped.csv')), false);
    assert.equal(server.station.library.integrityCheck(), 'ok');
  });
});
