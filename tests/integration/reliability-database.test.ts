import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StationError } from '../../main/core/errors.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { SCHEMA_VERSION } from '../../main/core/library/migrations.js';
import { resolveSettings, thumbnailCacheDir } from '../../main/core/settings.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { REPO_ROOT, startCli, waitForExit } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The library database under concurrent processes and a full disk: a second import of the
 * same folder is refused, other work proceeds safely in WAL, processes opening a new library
 * together all get it (or a clear "in use"), and a full disk stops the import cleanly with
 * everything stored before intact.
 */

const dir = makeTempDir();

test('while `invasives import` runs in another process: the same folder is refused, another folder and readers proceed safely', async () => {
  const cardA = path.join(dir, 'card-a');
  const cardB = path.join(dir, 'card-b');
  await writeCameraCard(cardA, 40, { width: 640, height: 480 });
  const cardBFiles = await writeCameraCard(cardB, 8, { width: 320, height: 240, latitude: -10 });
  const databasePath = path.join(dir, 'shared', 'library.sqlite');
  Library.open(databasePath).close(); // created before the race, so both processes only migrate nothing

  const child = startCli(['import', cardA, '--db', databasePath, '--no-classify', '--json']);
  const exited = waitForExit(child);
  let childDone = false;
  void exited.then(() => (childDone = true));
  const library = Library.open(databasePath);
  const settings = resolveSettings({ databasePath });
  while (!childDone && (library.imports.list()[0]?.filesDone ?? 0) < 1) await sleep(20);
  assert.equal(childDone, false, 'the other process is still importing');

  await assert.rejects(
    importFolder(library, cardA, { settings }),
    (error: unknown) => error instanceof StationError && error.code === 'IMPORT_RUNNING' && error.message.includes(cardA),
  );

  // A reader (the review UI) and a second writer (another folder) while the CLI writes.
  let reads = 0;
  let reading = true;
  const reader = (async () => {
    while (reading) {
      library.photos.query({ limit: 50 });
      library.stats();
      reads++;
      await sleep(2);
    }
  })();
  const other = await importFolder(library, cardB, { settings });
  const cli = await exited;
  reading = false;
  await reader;

  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).summary.photosNew, 40);
  assert.equal(other.summary.state, 'completed');
  assert.equal(other.summary.photosNew, cardBFiles.length);
  assert.ok(reads > 0);
  assert.equal(library.photos.count(), 48);
  assert.equal(library.integrityCheck(), 'ok');
  library.close();
});

/** Starts `count` processes that each open `databasePath` as soon as `goFile` appears; their exit results. */
async function openTogether(databasePath: string, goFile: string, count: number) {
  const libraryModule = pathToFileURL(path.join(REPO_ROOT, 'main/core/library/index.ts')).href;
  const script = `
    import fs from 'node:fs';
    const { Library } = await import(${JSON.stringify(libraryModule)});
    fs.writeFileSync(${JSON.stringify(goFile)} + '.ready-' + process.pid, '');
    const waitUntil = Date.now() + 30000;
    while (!fs.existsSync(${JSON.stringify(goFile)}) && Date.now() < waitUntil) {}
    try {
      Library.open(${JSON.stringify(databasePath)}).close();
      console.log('opened');
    } catch (error) {
      console.log(error.code ?? 'NO_CODE', error.message);
    }`;
  const children = Array.from({ length: count }, () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    return waitForExit(spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  });
  // Once every process is loaded and spinning on the go file, they open within a millisecond or so.
  const ready = () => fs.readdirSync(path.dirname(goFile)).filter((name) => name.startsWith(`${path.basename(goFile)}.ready-`)).length;
  const deadline = Date.now() + 30_000;
  while (ready() < count && Date.now() < deadline) await sleep(20);
  fs.writeFileSync(goFile, '');
  return Promise.all(children);
}

test('processes opening a new library at the same moment each get it, or a clear "in use"; never a half-made schema', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 2; round++) {
    const roundDir = path.join(dir, `together-${round}`);
    fs.mkdirSync(roundDir);
    const databasePath = path.join(roundDir, 'library.sqlite');
    for (const result of await openTogether(databasePath, path.join(roundDir, 'go'), 4)) {
      assert.equal(result.code, 0, result.stderr);
      const outcome = result.stdout.trim();
      outcomes.push(outcome.split(' ')[0]!);
      // Before the fix, most of these said "table models already exists" (two processes migrating at once).
      assert.ok(outcome === 'opened' || outcome.startsWith('DATABASE_IN_USE '), `opened, or DATABASE_IN_USE with a message: ${outcome}`);
    }
    const db = new Database(databasePath, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  }
  console.log(`# ${outcomes.length} simultaneous first opens: ${outcomes.filter((o) => o === 'opened').length} opened, ${outcomes.filter((o) => o !== 'opened').length} DATABASE_IN_USE`);
  assert.ok(outcomes.includes('opened'));
});

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;

test('a full disk stops the import with DATABASE_FULL naming the library; what was stored stays intact and the import resumes', { skip: isRoot ? false : 'needs root to mount a small tmpfs as the full disk' }, async (t) => {
  const card = path.join(dir, 'card-full');
  await writeCameraCard(card, 40, { width: 640, height: 480 });
  const disk = path.join(dir, 'small-disk');
  fs.mkdirSync(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', disk], { stdio: 'ignore' });
  } catch {
    t.skip('mount -t tmpfs is not permitted here');
    return;
  }
  try {
    const databasePath = path.join(disk, 'library.sqlite');
    const library = Library.open(databasePath);
    const settings = resolveSettings({ databasePath });
    // Shrink the disk to what the new library uses plus room for a dozen photos' rows and thumbnails.
    const usedKiB = Number(execFileSync('df', ['--output=used', '-k', disk]).toString().trim().split(/\s+/).at(-1));
    execFileSync('mount', ['-o', `remount,size=${usedKiB + 500}k`, disk]);
    await assert.rejects(
      importFolder(library, card, { settings }),
      (error: unknown) => error instanceof StationError && error.code === 'DATABASE_FULL' && error.message.includes(databasePath),
    );
    const stored = library.photos.query().map((photo) => ({ id: photo.id, sha256: photo.sha256, path: photo.path }));
    assert.ok(stored.length > 0 && stored.length < 40, `some photos were stored before the disk filled (${stored.length})`);
    library.close();

    const reopened = Library.open(databasePath);
    assert.equal(reopened.integrityCheck(), 'ok');
    const [interrupted] = reopened.imports.list();
    assert.notEqual(interrupted!.state, 'completed');
    assert.equal(interrupted!.filesFailed, 0, 'no file was marked failed because of the full disk');
    assert.deepEqual(reopened.photos.query().map((photo) => ({ id: photo.id, sha256: photo.sha256, path: photo.path })), stored, 'everything stored before is intact');
    for (const photo of stored) assert.ok(fs.existsSync(path.join(thumbnailCacheDir(databasePath), `${photo.sha256}.jpg`)), 'with its thumbnail');

    execFileSync('mount', ['-o', 'remount,size=64m', disk]); // space freed
    const { summary, resumed } = await importFolder(reopened, card, { settings });
    assert.equal(resumed, true);
    assert.equal(summary.id, interrupted!.id);
    assert.equal(summary.state, 'completed');
    assert.equal(summary.photosNew, 40);
    assert.equal(reopened.photos.count(), 40, 'nothing doubled');
    assert.equal(reopened.integrityCheck(), 'ok');
    reopened.close();
  } finally {
    execFileSync('umount', ['--lazy', disk]);
  }
});
