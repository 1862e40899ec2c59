import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { startServer } from '../../main/server/server.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/**
 * Load on the browser transport: at least 10,000 requests over about a minute, from this
 * process to a server in another process on 127.0.0.1 only, in a bounded loop that stops by
 * itself. A realistic mix (pages, API reads, a few review writes, thumbnails, full photos,
 * refused requests); no request may fail, and the server's heap after GC must not grow.
 * INVASIVES_LOAD_SECONDS shortens or lengthens the run (default 60).
 */

const CHILD_ENV = 'INVASIVES_LOAD_TEST_SERVER';
const TOKEN = 'load-test-token-0123456789';
const MIN_REQUESTS = 10_000;
const SECONDS = Number(process.env.INVASIVES_LOAD_SECONDS ?? 60);
const CONCURRENCY = 8;
const SAMPLE_MS = 1000;

interface MemorySample {
  at: number;
  rss: number;
  heapUsed: number;
}

// ---- the server process: this file run as a script ----
const serverJob = process.env[CHILD_ENV];
if (serverJob) {
  const { databasePath, rendererDir } = JSON.parse(serverJob) as { databasePath: string; rendererDir: string };
  const server = await startServer({ databasePath, rendererDir, token: TOKEN, onInternalError: (call, error) => console.error(call, error) });
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = () => {
    gc?.(); // heap after a full collection: what is really kept
    const memory = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ memory: { at: Date.now(), rss: memory.rss, heapUsed: memory.heapUsed } })}\n`);
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  // The test ends the server by closing its standard input.
  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(sampler);
    sample();
    void server.close().then(() => process.exit(0));
  });
} else {
  loadTest();
}

function loadTest(): void {
  test(`the server answers ${MIN_REQUESTS}+ requests over ${SECONDS} s on loopback without an error and with bounded memory`, async () => {
    const { makeTempDir } = await import('../helpers/temp-dir.js');
    const { writeCameraCard } = await import('../fixtures/make-card.js');
    const dir = makeTempDir();
    const rendererDir = path.join(dir, 'renderer');
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>station</title><script src="/assets/app.js"></script>');
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), `console.log(${JSON.stringify('x'.repeat(20_000))})`);
    const databasePath = path.join(dir, 'library.sqlite');
    await writeCameraCard(path.join(dir, 'card'), 12, { width: 1024, height: 768 });
    const library = Library.open(databasePath);
    await importFolder(library, path.join(dir, 'card'), { settings: resolveSettings({ databasePath }) });
    const photoIds = library.photos.query().map((photo) => photo.id);
    library.close();

    const env: NodeJS.ProcessEnv = { ...process.env, [CHILD_ENV]: JSON.stringify({ databasePath, rendererDir }) };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
    const samples: MemorySample[] = [];
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const message = JSON.parse(line) as { port?: number; memory?: MemorySample };
        if (message.port) resolve(message.port);
        if (message.memory) samples.push(message.memory);
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const headers = { host: `127.0.0.1:${port}`, 'x-invasives-token': TOKEN };
    type Check = (status: number, body: Buffer) => boolean;
    const send = (method: string, target: string, extraHeaders: Record<string, string>, body?: string) =>
      new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path: target, agent, headers: extraHeaders }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    const api = (name: string, args: unknown) => send('POST', `/api/${name}`, { ...headers, 'content-type': 'application/json' }, JSON.stringify(args));
    const okEnvelope: Check = (status, body) => status === 200 && JSON.parse(body.toString()).ok === true;
    const isJpeg: Check = (status, body) => status === 200 && body[0] === 0xff && body[1] === 0xd8;

    // One request of the mix, by its number: mostly reads, a review write in 20, a refused request in 20.
    const mix: ((n: number) => [Promise<{ status: number; body: Buffer }>, Check])[] = [
      () => [api('photos:list', { limit: 50 }), okEnvelope],
      () => [api('stats:get', {}), okEnvelope],
      (n) => [send('GET', `/media/thumb/${photoIds[n % photoIds.length]}`, headers), isJpeg],
      (n) => [api('photos:get', { id: photoIds[n % photoIds.length] }), okEnvelope],
      () => [send('GET', '/', headers), (status, body) => status === 200 && body.includes('<title>station</title>')],
      () => [send('GET', '/assets/app.js', headers), (status, body) => status === 200 && body.length > 20_000],
      () => [api('photos:count', { filter: { hasGps: true } }), (status, body) => status === 200 && JSON.parse(body.toString()).value === photoIds.length],
      () => [api('species:list', {}), okEnvelope],
      (n) => [send('GET', `/media/photo/${photoIds[n % photoIds.length]}`, headers), isJpeg],
      () => [api('map:points', {}), okEnvelope],
    ];
    const pick = (n: number): [Promise<{ status: number; body: Buffer }>, Check] => {
      if (n % 20 === 7) return [api('reviews:record', { photoId: photoIds[n % photoIds.length], decision: 'unsure', note: `load ${n}` }), okEnvelope];
      if (n % 20 === 13) return [send('GET', '/', { host: headers.host }), (status) => status === 401];
      return mix[n % mix.length]!(n);
    };

    const startedAt = Date.now();
    const hardStop = startedAt + SECONDS * 2000;
    let sent = 0;
    let done = 0;
    const failures: string[] = [];
    const worker = async () => {
      // Bounded: stops once the time is up and the minimum is reached, or at twice the time whatever happens.
      while ((Date.now() - startedAt < SECONDS * 1000 || done < MIN_REQUESTS) && Date.now() < hardStop && failures.length < 20) {
        const n = sent++;
        const [response, check] = pick(n);
        try {
          const { status, body } = await response;
          if (!check(status, body)) failures.push(`request ${n}: status ${status} ${body.subarray(0, 200).toString()}`);
        } catch (error) {
          failures.push(`request ${n}: ${(error as Error).message}`);
        }
        done++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = (Date.now() - startedAt) / 1000;
    agent.destroy();
    child.stdin!.end();
    assert.equal(await exited, 0, 'the server closes cleanly after the load');

    const during = samples.filter((sample) => sample.at >= startedAt && sample.at <= startedAt + elapsed * 1000);
    const mib = (bytes: number) => bytes / 2 ** 20;
    const third = Math.max(1, Math.floor(during.length / 3));
    const early = during.slice(0, third);
    const late = during.slice(-third);
    const maxOf = (list: MemorySample[], key: 'rss' | 'heapUsed') => Math.max(...list.map((sample) => sample[key]));
    console.log(
      `# ${done} requests in ${elapsed.toFixed(1)} s (${(done / elapsed).toFixed(0)}/s, ${CONCURRENCY} connections), ${failures.length} failures; ` +
        `server heap after GC ${mib(maxOf(early, 'heapUsed')).toFixed(1)} → ${mib(maxOf(late, 'heapUsed')).toFixed(1)} MiB, RSS ${mib(maxOf(early, 'rss')).toFixed(0)} → ${mib(maxOf(late, 'rss')).toFixed(0)} MiB (${during.length} samples)`,
    );
    assert.deepEqual(failures, []);
    assert.ok(done >= MIN_REQUESTS, `at least ${MIN_REQUESTS} requests (${done})`);
    assert.ok(during.length >= 3, 'the server reported its memory during the run');
    assert.ok(maxOf(late, 'heapUsed') < maxOf(early, 'heapUsed') + 16 * 2 ** 20, 'the heap after GC does not grow over the run (no leak per request)');
    assert.ok(maxOf(late, 'rss') < maxOf(early, 'rss') + 96 * 2 ** 20, 'resident memory stays bounded');
  });
}
