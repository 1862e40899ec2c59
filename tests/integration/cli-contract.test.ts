import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { writeCameraCard, writeCard } from '../fixtures/make-card.js';
import { REPO_ROOT, runBin, startBin, waitForExit, type CliResult } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The CLI's contract as a user meets it, through the real launcher bin/invasives.js.
const dir = makeTempDir();
fs.chmodSync(dir, 0o755); // the unprivileged user of the permission tests must reach it
const db = path.join(dir, 'lib', 'library.sqlite');

/** The JSON error object a --json command writes to standard error. */
function jsonError(result: CliResult): { code: string; message: string; details: Record<string, unknown> | null } {
  const line = result.stderr.trim().split('\n').at(-1)!;
  return JSON.parse(line);
}

/** Runs the launcher as an unprivileged user when the tests run as root (root ignores file permissions). */
function runBinUnprivileged(args: string[]): Promise<CliResult> {
  const asRoot = process.getuid?.() === 0;
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/invasives.js'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: dir } } : {}),
  });
  return waitForExit(child);
}

test('a new explicit --db needs --create; the import then works and place takes negative numbers as positionals', async () => {
  const card = path.join(dir, 'card');
  await writeCameraCard(card, 2);
  const refused = await runBin(['import', card, '--db', db, '--no-classify']);
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /library\.sqlite: no library there .*--create/);
  assert.equal(fs.existsSync(path.dirname(db)), false, 'nothing is created for a mistyped path');
  const created = await runBin(['import', card, '--db', db, '--no-classify', '--create']);
  assert.equal(created.code, 0, created.stderr);

  const placed = await runBin(['place', '1', '41.6', '-93.7', '--db', db, '--json']);
  assert.equal(placed.code, 0, placed.stderr);
  const photo = JSON.parse(placed.stdout).photo;
  assert.deepEqual([photo.latitude, photo.longitude], [41.6, -93.7]);
  const south = await runBin(['place', '2', '-33.96', '-.5', '--db', db]);
  assert.equal(south.code, 0, south.stderr);
  assert.match(south.stdout, /placed at -33\.96, -0\.5/);
});

test('with --json an error is one JSON object {code, message, details} on standard error, and the exit code follows its class', async () => {
  const missingFolder = await runBin(['import', path.join(dir, 'nowhere'), '--db', db, '--json']);
  assert.equal(missingFolder.code, 3, 'input errors exit 3');
  assert.equal(missingFolder.stdout, '');
  assert.equal(jsonError(missingFolder).code, 'FOLDER_NOT_FOUND');
  assert.match(jsonError(missingFolder).message, /nowhere/);

  const badOption = await runBin(['export', '--format', 'csv', '--bogus', '--db', db, '--json']);
  assert.equal(badOption.code, 2, 'usage errors exit 2');
  assert.equal(jsonError(badOption).code, 'INVALID_ARGUMENT');

  const noModel = await runBin(['models', 'use', '42', '--db', db, '--json']);
  assert.equal(noModel.code, 5, 'model errors exit 5');
  assert.equal(jsonError(noModel).code, 'MODEL_NOT_FOUND');

  const folderAsDb = await runBin(['stats', '--db', dir, '--json']);
  assert.equal(folderAsDb.code, 4, 'library errors exit 4');
  assert.deepEqual(jsonError(folderAsDb).details, { path: dir });
  assert.doesNotMatch(folderAsDb.stderr, /\n\s+at /, 'no stack trace');
});

test('--db naming a folder, a path under /proc or /sys, or a missing folder: one line naming the path and what to do, nothing created', async () => {
  const cases: [string[], RegExp][] = [
    [['stats', '--db', dir], /is a folder, not a library file; give a file in it/],
    [['stats', '--db', '/proc/invasives/library.sqlite', '--create'], /inside a system folder/],
    [['import', dir, '--db', '/sys/library.sqlite', '--create'], /inside a system folder/],
    [['stats', '--db', path.join(dir, 'tpyo', 'library.sqlite')], /its folder .*tpyo does not exist either.*--create/],
  ];
  for (const [args, message] of cases) {
    const result = await runBin(args);
    assert.equal(result.code, 4, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  }
  assert.equal(fs.existsSync(path.join(dir, 'tpyo')), false);
  assert.equal(fs.existsSync(path.join(dir, 'library.sqlite')), false);
});

test('a library in a read-only folder: read-only commands work, commands that write are refused by name, nothing changes', async () => {
  const roDir = path.join(dir, 'readonly');
  fs.mkdirSync(roDir);
  fs.chmodSync(roDir, 0o755);
  const roDb = path.join(roDir, 'library.sqlite');
  const made = await runBin(['stats', '--db', roDb, '--create']);
  assert.equal(made.code, 0, made.stderr);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${roDb}${suffix}`, { force: true });
  fs.chmodSync(roDb, 0o444);
  fs.chmodSync(roDir, 0o555);
  const before = fs.readFileSync(roDb);
  try {
    const stats = await runBinUnprivileged(['stats', '--db', roDb, '--json']);
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).photos, 0);
    const exported = await runBinUnprivileged(['export', '--format', 'geojson', '--db', roDb]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(exported.stdout).type, 'FeatureCollection');
    for (const readOnly of [['alerts', 'list'], ['zones', 'list'], ['models', 'list']]) {
      const result = await runBinUnprivileged([...readOnly, '--db', roDb, '--json']);
      assert.equal(result.code, 0, `${readOnly.join(' ')}: ${result.stderr}`);
    }
    const write = await runBinUnprivileged(['place', '1', '1', '1', '--db', roDb]);
    assert.equal(write.code, 4, write.stderr);
    assert.match(write.stderr, /read-only.*fix the permissions or copy the library somewhere writable/);
    const create = await runBinUnprivileged(['stats', '--db', path.join(roDir, 'other.sqlite'), '--create']);
    assert.equal(create.code, 4);
    assert.match(create.stderr, /cannot be created: the folder .*readonly is not writable/);
  } finally {
    fs.chmodSync(roDir, 0o755);
  }
  assert.deepEqual(fs.readFileSync(roDb), before, 'the library file is unchanged');
  assert.deepEqual(fs.readdirSync(roDir), ['library.sqlite'], 'nothing created beside it');
});

test('gpx prints a summary: placed, and not placed counted by reason with gaps in human units', async () => {
  const gpxDb = path.join(dir, 'gpx', 'library.sqlite');
  const card = path.join(dir, 'gpx-card');
  await writeCard(card, {
    'in-track.JPG': { seed: 1, capturedAt: '2026-06-01T10:01:00', offset: '+02:00' },
    'in-track-2.JPG': { seed: 2, capturedAt: '2026-06-01T10:01:30', offset: '+02:00' },
    'in-gap.JPG': { seed: 3, capturedAt: '2026-06-01T10:30:00', offset: '+02:00' },
    'before.JPG': { seed: 4, capturedAt: '2026-06-01T06:00:00', offset: '+02:00' },
    'no-offset.JPG': { seed: 5, capturedAt: '2026-06-01T10:01:00' },
  });
  assert.equal((await runBin(['import', card, '--db', gpxDb, '--create', '--no-classify'])).code, 0);
  fs.writeFileSync(
    path.join(dir, 'track.gpx'),
    `<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="46.7600" lon="10.2600"><time>2026-06-01T08:00:00Z</time></trkpt>
<trkpt lat="46.7610" lon="10.2610"><time>2026-06-01T08:02:00Z</time></trkpt>
<trkpt lat="46.7620" lon="10.2620"><time>2026-06-01T09:10:00Z</time></trkpt></trkseg></trk></gpx>`,
  );
  const result = await runBin(['gpx', path.join(dir, 'track.gpx'), '--db', gpxDb]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Placed: 2 photo\(s\)\. Already had a position: 0\. Not placed: 3\./);
  assert.match(result.stdout, /1 in a gap of the track \(the GPS had no fix\) \(68 min\): photo \d+/);
  assert.match(result.stdout, /1 taken before the track starts \(4 h\): photo \d+/);
  assert.match(result.stdout, /1 capture time without a UTC offset/);
  assert.doesNotMatch(result.stdout, /not placed:/, 'no line per photo');
});

test('SIGINT sent to the launcher process stops an import as Ctrl-C does: finished files kept, exit 130, resumable', async () => {
  const card = path.join(dir, 'big-card');
  const total = 40;
  await writeCameraCard(card, total, { width: 1600, height: 1200 });
  const sigDb = path.join(dir, 'sigint', 'library.sqlite');
  const child = startBin(['import', card, '--db', sigDb, '--create', '--no-classify']);
  const exited = waitForExit(child);
  let finished = false;
  void exited.then(() => (finished = true));
  const filesDone = () => {
    if (!fs.existsSync(sigDb)) return 0;
    const reader = new Database(sigDb, { readonly: true, fileMustExist: true });
    try {
      return (reader.prepare(`SELECT count(*) AS n FROM import_files WHERE state != 'pending'`).get() as { n: number }).n;
    } catch {
      return 0;
    } finally {
      reader.close();
    }
  };
  while (!finished && filesDone() < 3) await sleep(10);
  assert.equal(finished, false, 'the import was still running when interrupted');
  process.kill(child.pid!, 'SIGINT');
  const result = await exited;
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /Stopping after the photos in progress/);
  assert.ok(filesDone() < total, 'it stopped before the end');
  const resumed = await runBin(['import', card, '--db', sigDb, '--no-classify', '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(JSON.parse(resumed.stdout).summary.filesDone, total);
});
