import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallName, CallOutcome, CallResult } from '../../main/api/contract.js';
import type { NativeDialogs } from '../../main/api/handlers.js';
import { openStation } from '../../main/api/station.js';
import { readTextFileAsync } from '../../main/core/geo/read-text-file.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { CONTENT_SECURITY_POLICY } from '../../main/server/security.js';
import { type RunningServer, startServer } from '../../main/server/server.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { chooseInDialog, downloadOverHttp, uploadOverHttp } from '../helpers/input-files.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The attacks of issue 18, each reproduced against the real transports: a page holding the
 * token (a leaked URL, a script in the page) must not make the station write or read files of
 * its choosing, nor learn a file's content from an error; the session must not be readable or
 * replaceable from another localhost port; redirects stay on this server; every response
 * carries the protective headers; slow clients are cut off. The attacks refused before this
 * issue (Host, Origin, static paths, media ids, API validation) are in server-security.test.ts.
 */

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const canMakeFifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0;

describe('browser transport: the page never names a file on the station', () => {
  const dir = makeTempDir();
  const rendererDir = path.join(dir, 'renderer');
  const secret = 'root:*:20202:0:99999:7:::';
  let server: RunningServer;
  let photoId = 0;
  const auth = () => ({ 'x-invasives-token': server.token });

  async function call<K extends CallName>(name: K, args: unknown): Promise<CallOutcome<K>> {
    const response = await request(server.port, { method: 'POST', path: `/api/${name}`, headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(args ?? {}) });
    assert.equal(response.status, 200, response.body);
    return JSON.parse(response.body) as CallOutcome<K>;
  }
  async function value<K extends CallName>(name: K, args: unknown): Promise<CallResult<K>> {
    const outcome = await call(name, args);
    assert.ok(outcome.ok, outcome.ok ? '' : `${name}: ${outcome.error.code} ${outcome.error.message}`);
    return outcome.value;
  }

  before(async () => {
    fs.mkdirSync(rendererDir, { recursive: true });
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>station</title>');
    server = await startServer({ databasePath: path.join(dir, 'library.sqlite'), rendererDir, token: 'test-token-0123456789abcdef' });
    await writeCameraCard(path.join(dir, 'card'), 1);
    await importFolder(server.station.library, path.join(dir, 'card'), { settings: server.station.settings });
    photoId = server.station.library.photos.query()[0]!.id;
    // A species that would run a command where the file is sourced by a shell.
    server.station.library.reviews.record({ photoId, decision: 'corrected', species: `$(touch ${path.join(dir, 'pwned')})`, note: null });
  });
  after(() => server?.close());

  test('an export cannot be aimed at a path (e.g. over ~/.bashrc): the call takes no path, nothing outside the library is written', async () => {
    const bashrc = path.join(dir, 'home', '.bashrc');
    fs.mkdirSync(path.dirname(bashrc), { recursive: true });
    fs.writeFileSync(bashrc, 'export PS1=ok\n');
    for (const name of ['export:csv', 'export:geojson'] as const) {
      const outcome = await call(name, { filter: {}, outPath: bashrc });
      assert.equal(outcome.ok ? null : outcome.error.code, 'BAD_ARGUMENTS', `${name} refuses a path`);
    }
    assert.equal(fs.readFileSync(bashrc, 'utf8'), 'export PS1=ok\n', 'the file is untouched');
    assert.equal(fs.existsSync(path.join(dir, 'pwned')), false);
  });

  test('an export is a download: attachment with a safe name, quoted CSV text, served once, from a private folder', async () => {
    const exported = await value('export:csv', { filter: {} });
    assert.match(exported.file.name, /^invasives-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.doesNotMatch(JSON.stringify(exported), new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the result names no server path');
    const transfers = path.join(dir, 'library.sqlite.transfers');
    if (process.platform !== 'win32') assert.equal(fs.statSync(transfers).mode & 0o077, 0, 'the transfers folder is private (0700)');
    const download = await downloadOverHttp(server, exported.file);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-disposition'), `attachment; filename="${exported.file.name}"`);
    assert.equal(download.headers.get('cache-control'), 'no-store');
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(download.text.includes(`"$(touch ${path.join(dir, 'pwned')})"`), 'the shell-like species is a quoted field');
    assert.equal((await downloadOverHttp(server, exported.file)).status, 404, 'each export is downloaded once');
    const guessed = await request(server.port, { path: '/download/out-AAAAAAAAAAAAAAAAAAAAAA', headers: auth() });
    assert.equal(guessed.status, 404);
    const traversal = await request(server.port, { path: '/download/..%2F..%2Flibrary.sqlite', headers: auth() });
    assert.equal(traversal.status, 404);
  });

  test('zones:load cannot read a path: paths and unknown or foreign handles are refused without reading anything', async () => {
    const shadow = path.join(dir, 'shadow');
    fs.writeFileSync(shadow, `${secret}\n`);
    const byPath = await call('zones:load', { path: shadow, kind: 'zone' });
    assert.equal(byPath.ok ? null : byPath.error.code, 'BAD_ARGUMENTS');
    const guessed = await call('zones:load', { file: 'in-AAAAAAAAAAAAAAAAAAAAAA', kind: 'zone' });
    assert.equal(guessed.ok ? null : guessed.error.code, 'NOT_FOUND');
    const packUpload = await uploadOverHttp(server, 'model-pack', shadow);
    const foreign = await call('zones:load', { file: packUpload.handle, kind: 'zone' });
    assert.equal(foreign.ok ? null : foreign.error.code, 'NOT_FOUND', 'a model-pack upload is not a zones file');
    for (const outcome of [byPath, guessed, foreign]) assert.ok(!JSON.stringify(outcome).includes('root:'));
  });

  test('a file that is not GeoJSON is refused with the problem, never its content', async () => {
    const shadow = path.join(dir, 'shadow.geojson');
    fs.writeFileSync(shadow, `${secret}\n`);
    const notJson = await call('zones:load', { file: (await uploadOverHttp(server, 'zones', shadow)).handle, kind: 'zone' });
    assert.equal(notJson.ok ? null : notJson.error.code, 'GEOJSON_INVALID');
    const strings = path.join(dir, 'config.json');
    fs.writeFileSync(strings, JSON.stringify({ type: 'api-key-s3cr3t', features: [{ geometry: { type: 'Polygon', coordinates: [['password-hunter2']] }, properties: { name: 'hunter2' } }] }));
    const stringValues = await call('zones:load', { file: (await uploadOverHttp(server, 'zones', strings)).handle, kind: 'zone' });
    const strings2 = path.join(dir, 'config2.json');
    fs.writeFileSync(strings2, JSON.stringify({ type: 'FeatureCollection', features: [{ geometry: { type: 'Polygon', coordinates: [[['password-hunter2', 1], [0, 0], [1, 1], [0, 0]]] } }] }));
    const positions = await call('zones:load', { file: (await uploadOverHttp(server, 'zones', strings2)).handle, kind: 'zone' });
    for (const outcome of [notJson, stringValues, positions]) {
      assert.equal(outcome.ok, false);
      const text = JSON.stringify(outcome);
      for (const leaked of ['root:', 's3cr3t', 'hunter2']) assert.ok(!text.includes(leaked), `"${leaked}" is not echoed: ${text}`);
    }
  });

  test('uploads are capped in size and count, named safely, and need the session', async () => {
    const tooBig = await request(server.port, {
      method: 'POST',
      path: '/upload/zones',
      headers: { ...auth(), 'content-type': 'application/octet-stream', 'x-file-name': 'big.geojson' },
      body: Buffer.alloc(64 * 1024 * 1024 + 1, 0x20),
    }).catch((error: NodeJS.ErrnoException) => ({ status: error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 413 : 0, body: '', headers: {} }));
    assert.equal(tooBig.status, 413, 'a zones upload over 64 MiB is refused');
    const first = await uploadOverHttp(server, 'zones', path.join(dir, 'shadow'));
    const second = await request(server.port, {
      method: 'POST',
      path: '/upload/zones',
      headers: { ...auth(), 'content-type': 'application/octet-stream', 'x-file-name': 'other.geojson', 'x-upload-handle': first.handle },
      body: '{}',
    });
    assert.equal(second.status, 413, 'a zones upload is one file');
    for (const name of ['../../escaped.txt', '..%2Fescaped.txt', '/etc/cron.d/x', 'a/../../escaped.txt']) {
      const response = await request(server.port, {
        method: 'POST',
        path: '/upload/model-pack',
        headers: { ...auth(), 'content-type': 'application/octet-stream', 'x-file-name': name.includes('%') ? name : encodeURIComponent(name) },
        body: 'x',
      });
      if (name === '/etc/cron.d/x') {
        // A leading slash is dropped: the file lands inside the upload folder, nowhere else.
        assert.equal(response.status, 200);
        assert.equal(fs.existsSync('/etc/cron.d/x'), false);
      } else {
        assert.equal(response.status, 400, `${name} is refused`);
      }
    }
    assert.equal(fs.existsSync(path.join(dir, 'escaped.txt')), false);
    assert.equal(fs.existsSync(path.resolve(dir, '..', 'escaped.txt')), false);
    assert.equal((await request(server.port, { method: 'POST', path: '/upload/photo-folder', headers: { ...auth(), 'x-file-name': 'a' }, body: 'x' })).status, 404);
    assert.equal((await request(server.port, { method: 'POST', path: '/upload/zones', headers: { 'x-file-name': 'a' }, body: 'x' })).status, 401);
  });

  test('reads of a FIFO, a device, /proc or an oversized file are refused at once, and the server keeps answering', { skip: canMakeFifo ? false : 'mkfifo is not available here' }, async () => {
    const fifo = path.join(dir, 'pipe.geojson');
    spawnSync('mkfifo', [fifo]);
    const station = server.station;
    const started = Date.now();
    const [fromFifo, stats] = await Promise.all([
      station.dispatch('zones:load', { file: chooseInDialog(station, fifo, 'zones').handle, kind: 'zone' }),
      value('stats:get', undefined),
    ]);
    assert.equal(fromFifo.ok ? null : fromFifo.error.code, 'FILE_UNREADABLE');
    assert.match(fromFifo.ok ? '' : fromFifo.error.message, /named pipe/);
    assert.equal(stats.photos, 1, 'the server answered while the FIFO was refused');
    assert.ok(Date.now() - started < 20_000, 'nothing waited for a writer');
    for (const [file, pattern] of [['/dev/zero', /device|system file/], ['/proc/self/environ', /system file/], [dir, /folder/]] as const) {
      await assert.rejects(readTextFileAsync(file), (error: Error & { code?: string }) => pattern.test(error.message) && !error.message.includes('PATH='));
    }
    const huge = path.join(dir, 'huge.geojson');
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 65 * 1024 * 1024);
    await assert.rejects(readTextFileAsync(huge), (error: Error & { code?: string }) => error.code === 'FILE_TOO_LARGE');
  });

  test('a typed import folder is read-only input, and never a system folder (/proc, /sys, /dev)', async () => {
    for (const folder of ['/proc', '/proc/self', '/sys/kernel', '/dev']) {
      const outcome = await call('import:start', { rootPath: folder });
      assert.equal(outcome.ok ? null : outcome.error.code, 'NOT_A_FOLDER', folder);
    }
    const status = await value('import:status', undefined);
    assert.equal(status.running, null, 'nothing started');
    const calibrate = await call('models:calibrate', { modelId: 1, fromFolder: '/proc/self' });
    assert.equal(calibrate.ok ? null : calibrate.error.code, 'NOT_A_FOLDER', 'nor a folder to calibrate from');
  });

  test('the first URL is exchanged for a session cookie with a random per-run name, HttpOnly, SameSite=Strict, not the token', async () => {
    const response = await request(server.port, { path: `/?token=${server.token}` });
    assert.equal(response.status, 303);
    const cookie = response.headers['set-cookie']![0]!;
    const [pair] = cookie.split(';');
    const [name, session] = pair!.split('=');
    assert.equal(name, server.sessionCookieName);
    assert.match(name!, /^invasives_session_[0-9a-f]{24}$/, 'the name carries a random suffix');
    assert.ok(!name!.includes(String(server.port)), 'the name is not derived from the port');
    assert.notEqual(session, server.token, 'the cookie holds a session credential, not the token');
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const withSession = await request(server.port, { method: 'POST', path: '/api/stats:get', headers: { cookie: pair!, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(withSession.status, 200, 'the session cookie opens the API');
    const other = await startServer({ databasePath: path.join(dir, 'other.sqlite'), rendererDir });
    try {
      assert.notEqual(other.sessionCookieName, server.sessionCookieName, 'each run names its cookie anew');
      const shadow = await request(server.port, { path: '/', headers: { cookie: `invasives_token_${server.port}=${server.token}; ${server.sessionCookieName}=forged` } });
      assert.equal(shadow.status, 401, 'a cookie planted by another local page (old name, or the right name with a guessed value) is refused');
    } finally {
      await other.close();
    }
  });

  test('requests that a browser marks as coming from another site or another localhost port are refused, even with the session', async () => {
    const response = await request(server.port, { path: `/?token=${server.token}` });
    const pair = response.headers['set-cookie']![0]!.split(';')[0]!;
    for (const site of ['same-site', 'cross-site']) {
      const refused = await request(server.port, { method: 'POST', path: '/api/stats:get', headers: { cookie: pair, 'sec-fetch-site': site, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(refused.status, 403, site);
    }
    const own = await request(server.port, { method: 'POST', path: '/api/stats:get', headers: { cookie: pair, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(own.status, 200);
  });

  test('the --open URL works once (its token is visible to ps), the printed URL stays usable', async () => {
    const once = server.singleUseUrl();
    const target = new URL(once);
    assert.equal((await request(server.port, { path: `${target.pathname}${target.search}` })).status, 303);
    assert.equal((await request(server.port, { path: `${target.pathname}${target.search}` })).status, 401, 'used once');
    const printed = new URL(server.url);
    assert.equal((await request(server.port, { path: `${printed.pathname}${printed.search}` })).status, 303);
    assert.equal((await request(server.port, { path: `${printed.pathname}${printed.search}` })).status, 303);
  });

  test('the token exchange redirects to this server only (no open redirect through //, /./, backslashes)', async () => {
    for (const attempt of ['/.//evil.com/', '//evil.com/', '/%2F%2Fevil.com/', '/\\evil.com/', '/./\\/evil.com', '/a//evil.com']) {
      const response = await request(server.port, { path: `${attempt}?token=${server.token}` });
      assert.equal(response.status, 303, attempt);
      const location = response.headers.location!;
      assert.match(location, /^\/(?![/\\])/, `${attempt} → ${location}`);
      assert.equal(new URL(location, server.origin).origin, server.origin, `${attempt} → ${location} stays on this server`);
    }
    assert.equal((await request(server.port, { path: `/review?token=${server.token}` })).headers.location, '/review');
    const inSession = await request(server.port, { path: `/.//evil.com/?token=${server.token}`, headers: auth() });
    assert.equal(inSession.status, 303, 'a token in the address is taken out even within a session');
    assert.equal(inSession.headers.location, '/');
  });

  test('every response carries nosniff, the CSP, no-referrer; those holding data are no-store', async () => {
    const exported = await value('export:geojson', { filter: {} });
    const responses: [string, RawResponse, boolean][] = [
      ['401', await request(server.port, { path: '/' }), true],
      ['403 host', await request(server.port, { path: '/', headers: { ...auth(), host: 'evil.example' } }), true],
      ['404 api', await request(server.port, { path: '/api/nothing', headers: auth() }), true],
      ['api', await request(server.port, { method: 'POST', path: '/api/stats:get', headers: { ...auth(), 'content-type': 'application/json' }, body: '{}' }), true],
      ['media', await request(server.port, { path: `/media/thumb/${photoId}`, headers: auth() }), true],
      ['media 404', await request(server.port, { path: '/media/photo/999999', headers: auth() }), true],
      ['download', await request(server.port, { path: `/download/${exported.file.id}`, headers: auth() }), true],
      ['page', await request(server.port, { path: '/', headers: auth() }), true],
      ['redirect', await request(server.port, { path: `/?token=${server.token}` }), true],
      ['tile 404', await request(server.port, { path: '/tiles/999/0/0/0', headers: auth() }), false],
    ];
    for (const [what, response, holdsData] of responses) {
      assert.equal(response.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(response.headers['content-security-policy'], CONTENT_SECURITY_POLICY, what);
      assert.equal(response.headers['referrer-policy'], 'no-referrer', what);
      if (holdsData) assert.equal(response.headers['cache-control'], 'no-store', what);
    }
  });
});

describe('browser transport: slow clients are cut off', () => {
  const dir = makeTempDir();
  let server: RunningServer;
  before(async () => {
    server = await startServer({ databasePath: path.join(dir, 'library.sqlite'), rendererDir: dir, timeouts: { headersMs: 300, requestMs: 600, checkIntervalMs: 100 } });
  });
  after(() => server?.close());

  test('a client that never finishes its headers (slowloris) is disconnected', async () => {
    const closed = await new Promise<string>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: `));
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('close', () => resolve(received.split('\r\n')[0] ?? 'closed'));
      setTimeout(() => {
        socket.destroy();
        resolve('still open');
      }, 10_000).unref();
    });
    assert.notEqual(closed, 'still open');
    assert.match(closed, /^(HTTP\/1\.1 408 .*|)$/, "answered 408 or closed");
  });
});

describe('Electron transport: paths come from native dialogs only, as opaque handles', () => {
  const dir = makeTempDir();
  const chosen: { input: string | null; save: string | null } = { input: null, save: null };
  const dialogs: NativeDialogs = {
    chooseInput: async () => chosen.input,
    chooseSaveDestination: async () => chosen.save,
  };
  const station = openStation({ databasePath: path.join(dir, 'library.sqlite'), dialogs, typedImportFolders: false });
  after(() => station.close());

  test('a file chosen in the open dialog reaches the page as a handle and a name, never its path', async () => {
    const zones = path.join(dir, 'secret-folder', 'zones.geojson');
    fs.mkdirSync(path.dirname(zones), { recursive: true });
    fs.writeFileSync(zones, JSON.stringify({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }));
    chosen.input = zones;
    const picked = await station.dispatch('files:pick', { purpose: 'zones' });
    assert.ok(picked.ok && picked.value);
    assert.equal(picked.value.name, 'zones.geojson');
    assert.ok(!JSON.stringify(picked).includes('secret-folder'), 'the page never sees the path');
    const loaded = await station.dispatch('zones:load', { file: picked.value.handle, kind: 'park' });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
    chosen.input = null;
    const cancelled = await station.dispatch('files:pick', { purpose: 'zones' });
    assert.deepEqual(cancelled, { ok: true, value: null });
  });

  test('an export is saved only where the save dialog pointed, atomically; a cancelled dialog writes nothing', async () => {
    const exported = await station.dispatch('export:csv', { filter: {} });
    assert.ok(exported.ok);
    chosen.save = null;
    assert.deepEqual(await station.dispatch('files:save', { fileId: exported.value.file.id }), { ok: true, value: { saved: false } });
    const destination = path.join(dir, 'chosen', 'survey.csv');
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.writeFileSync(destination, 'old\n');
    chosen.save = destination;
    assert.deepEqual(await station.dispatch('files:save', { fileId: exported.value.file.id }), { ok: true, value: { saved: true } });
    assert.match(fs.readFileSync(destination, 'utf8'), /^"photo_id","path"/);
    assert.deepEqual(fs.readdirSync(path.dirname(destination)), ['survey.csv'], 'no partial file is left beside it');
    const again = await station.dispatch('files:save', { fileId: exported.value.file.id });
    assert.equal(again.ok ? null : again.error.code, 'NOT_FOUND', 'each export is saved once');
  });

  test('the window cannot type a folder to import; it chooses one in the dialog', async () => {
    const typed = await station.dispatch('import:start', { rootPath: dir });
    assert.equal(typed.ok ? null : typed.error.code, 'INVALID_ARGUMENT');
    const typedCalibration = await station.dispatch('models:calibrate', { modelId: 1, fromFolder: dir });
    assert.equal(typedCalibration.ok ? null : typedCalibration.error.code, 'INVALID_ARGUMENT', 'nor a folder to calibrate from');
    const card = path.join(dir, 'card');
    await writeCameraCard(card, 1);
    chosen.input = card;
    const folder = await station.dispatch('import:pickFolder', undefined);
    assert.ok(folder.ok && folder.value);
    const finished = new Promise<void>((resolve) => {
      const off = station.events.subscribe((name) => {
        if (name === 'import:finished') {
          off();
          resolve();
        }
      });
    });
    const started = await station.dispatch('import:start', { folder: folder.value.handle });
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    await finished;
    assert.equal(station.library.photos.count({}), 1);
  });
});
