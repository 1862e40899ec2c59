import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { seededRandom } from '../../main/core/seeded-random.js';
import { resolveSettings } from '../../main/core/settings.js';
import { type CliResult, REPO_ROOT, runCli, waitForExit } from '../helpers/run-cli.js';

/**
 * Crash safety. `invasives import` (classifying with a real model) is killed with SIGKILL at
 * random moments, many times over, while a second connection records reviews as a ranger
 * would in the UI. After every kill the database must pass `PRAGMA integrity_check` and hold
 * only whole files (photo + path + prediction + finished import_files row, or nothing);
 * re-running finishes with exactly the card's photos, one prediction each, and every review.
 * `invasives export` killed while writing must leave the previous file or the whole new one.
 */

const PHOTOS = 36;
const MIN_KILLS = 20;
/**
 * Round 1 classifies (the kills also hit inference and prediction writes); later rounds store
 * photos only, whose processes start in a third of the time, to reach MIN_KILLS sooner.
 */
const CLASSIFIED_KILLS = 6;
const MAX_ROUNDS = 12; // photos-only imports got faster (one decode per photo): a round can end after fewer kills

interface Consistency {
  integrity: string;
  photos: number;
  newFiles: number;
  doneFiles: number;
  paths: number;
  predictions: number;
  photosWithoutPrediction: number;
  doneFilesWithoutPhoto: number;
  reviews: number;
}

/** Reads the state a killed import left, through a fresh read-only connection. */
function inspect(databasePath: string): Consistency {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => (db.prepare(sql).pluck().get() as number | string | undefined) ?? 0;
    return {
      integrity: String(one('PRAGMA integrity_check')),
      photos: Number(one('SELECT count(*) FROM photos')),
      newFiles: Number(one(`SELECT count(*) FROM import_files WHERE state = 'done' AND outcome = 'new'`)),
      doneFiles: Number(one(`SELECT count(*) FROM import_files WHERE state = 'done'`)),
      paths: Number(one('SELECT count(*) FROM photo_paths')),
      predictions: Number(one('SELECT count(*) FROM predictions')),
      photosWithoutPrediction: Number(one('SELECT count(*) FROM photos ph WHERE NOT EXISTS (SELECT 1 FROM predictions p WHERE p.photo_id = ph.id)')),
      doneFilesWithoutPhoto: Number(one(`SELECT count(*) FROM import_files f WHERE f.state = 'done' AND NOT EXISTS (SELECT 1 FROM photos ph WHERE ph.id = f.photo_id)`)),
      reviews: Number(one('SELECT count(*) FROM reviews')),
    };
  } finally {
    db.close();
  }
}

function filesFinished(databasePath: string): number {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT count(*) FROM import_files WHERE state != 'pending'`).pluck().get() as number;
  } finally {
    db.close();
  }
}

/** The ranger at work during the import: confirms every photo that has no review yet. Returns the review ids written. */
function reviewNewPhotos(reviewer: Library, reviewed: Set<number>): number[] {
  const written: number[] = [];
  for (const photo of reviewer.photos.query()) {
    if (reviewed.has(photo.id)) continue;
    const review = reviewer.reviews.record({ photoId: photo.id, decision: photo.id % 3 === 0 ? 'rejected' : 'confirmed', species: photo.id % 3 === 0 ? null : 'Fallopia japonica', reviewer: 'crash-test' });
    reviewed.add(photo.id);
    written.push(review.id);
  }
  return written;
}

/**
 * The process that gets killed: this file run as a plain script, importing with the library's
 * active model. It loads only the import pipeline (about 2 s here, against about 6 s for the
 * whole CLI), so the loop reaches its kill points sooner; the CLI itself does the final runs.
 */
const CHILD_ENV = 'INVASIVES_CRASH_TEST_CHILD';

interface ChildJob {
  databasePath: string;
  card: string;
  classify: boolean;
}

async function importAsChild({ databasePath, card, classify }: ChildJob): Promise<void> {
  const library = Library.open(databasePath);
  const settings = resolveSettings({ databasePath });
  const { openLibraryModel } = await import('../../main/core/vision/open-classifier.js');
  const classifier = classify ? await openLibraryModel(library.models.active()!, settings) : null;
  const result = await importFolder(library, card, { settings, classifier });
  process.stdout.write(`${JSON.stringify(result.summary)}\n`);
  await classifier?.close();
  library.close();
}

function startChildImport(job: ChildJob): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, [CHILD_ENV]: JSON.stringify(job) };
  delete env.NODE_TEST_CONTEXT;
  return spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

const childJob = process.env[CHILD_ENV];
if (childJob) {
  await importAsChild(JSON.parse(childJob) as ChildJob);
} else {
  crashTest();
}

function crashTest(): void {
test(`an import killed with SIGKILL at ${MIN_KILLS}+ random points never loses or doubles photos, predictions or reviews`, async () => {
  const { makeTempDir } = await import('../helpers/temp-dir.js');
  const { writeCameraCard } = await import('../fixtures/make-card.js');
  const { writeDemoModelPack } = await import('../../main/core/demo/demo-model.js');
  const dir = makeTempDir();
  const card = path.join(dir, 'card');
  await writeCameraCard(card, PHOTOS, { width: 480, height: 360 });
  const pack = await writeDemoModelPack(path.join(dir, 'demo-pack'));
  // A library with an active model, copied fresh for each round (the model store stays where it is).
  const template = path.join(dir, 'template', 'library.sqlite');
  const added = await runCli(['models', 'add', pack, '--db', template]);
  assert.equal(added.code, 0, added.stderr);

  const random = seededRandom(20261125);
  let kills = 0;
  let killsMidFile = 0;
  let rounds = 0;
  while (kills < MIN_KILLS && rounds < MAX_ROUNDS) {
    rounds++;
    const classify = rounds === 1;
    const databasePath = path.join(dir, `round-${rounds}`, 'library.sqlite');
    fs.mkdirSync(path.dirname(databasePath), { recursive: true });
    fs.copyFileSync(template, databasePath);
    const reviewer = Library.open(databasePath);
    const reviewed = new Set<number>();
    const reviewIds: number[] = [];

    const roundKills = classify ? CLASSIFIED_KILLS : MIN_KILLS;
    for (let attempt = 0; attempt < 15 && kills < roundKills; attempt++) {
      const child: ChildProcess = startChildImport({ databasePath, card, classify });
      const exited = waitForExit(child);
      let result: CliResult | null = null;
      void exited.then((r) => (result = r));
      // Two kinds of kill point: a random moment from the start (startup, scan, first files), or
      // a random moment just after some file was committed (in the middle of the next ones).
      const fromStart = random() < 0.3;
      const startedAt = Date.now();
      const before = filesFinished(databasePath);
      const deadline = startedAt + (fromStart ? 300 + random() * 2500 : 60_000);
      while (result === null && Date.now() < deadline) {
        if (!fromStart && filesFinished(databasePath) > before) {
          // Photos-only rounds commit a file every few tens of milliseconds: kill sooner after one.
          await sleep(random() * (classify ? 200 : 60));
          break;
        }
        reviewIds.push(...reviewNewPhotos(reviewer, reviewed));
        await sleep(15);
      }
      if (result !== null) break; // the import finished before this kill point: the round is over
      child.kill('SIGKILL');
      const ended = await exited;
      if (ended.signal !== 'SIGKILL') break;
      kills++;
      if (!fromStart) killsMidFile++;

      const state = inspect(databasePath);
      assert.equal(state.integrity, 'ok', `integrity after kill ${kills}`);
      assert.equal(state.photos, state.newFiles, `kill ${kills}: every photo has its finished file and no photo lacks one`);
      assert.equal(state.paths, state.doneFiles, `kill ${kills}: one path per finished file`);
      if (state.doneFiles === PHOTOS) break; // all stored: the kill hit the import's last steps
      assert.equal(state.predictions, classify ? state.photos : 0, `kill ${kills}: one prediction per photo`);
      if (classify) assert.equal(state.photosWithoutPrediction, 0);
      assert.equal(state.doneFilesWithoutPhoto, 0);
      assert.equal(state.reviews, reviewIds.length, `kill ${kills}: every review recorded so far is still there`);
    }

    // Killed after its last commit, the import may already be complete; otherwise the CLI resumes it.
    if (reviewer.imports.list()[0]?.state !== 'completed') {
      const started = reviewer.imports.list().length > 0;
      // The first round finishes through the CLI; later ones through the lighter child, to save startup time.
      const final = classify ? await runCli(['import', card, '--db', databasePath, '--json']) : await waitForExit(startChildImport({ databasePath, card, classify }));
      assert.equal(final.code, 0, final.stderr);
      if (classify) assert.equal(JSON.parse(final.stdout).resumed, started, 'the CLI resumes the killed import');
    }
    const [summary] = reviewer.imports.list();
    assert.equal(summary!.state, 'completed');
    assert.equal(summary!.filesDone, PHOTOS);
    assert.equal(summary!.photosNew, PHOTOS, 'each photo stored once: none doubled, none lost');
    reviewIds.push(...reviewNewPhotos(reviewer, reviewed));

    const state = inspect(databasePath);
    assert.equal(state.integrity, 'ok');
    assert.equal(state.photos, PHOTOS);
    assert.equal(state.predictions, classify ? PHOTOS : 0);
    assert.equal(reviewer.imports.list().length, 1, 'every run resumed the same import');
    const stored = new Set(reviewer.photos.query().flatMap((photo) => reviewer.reviews.historyOf(photo.id).map((review) => review.id)));
    assert.deepEqual([...stored].sort((a, b) => a - b), [...reviewIds].sort((a, b) => a - b), 'every review recorded during the crashes is there, once');
    assert.equal(reviewIds.length, PHOTOS, 'every photo got its one review');
    reviewer.close();
  }
  console.log(`# ${kills} SIGKILLs (${killsMidFile} just after a committed file, ${kills - killsMidFile} at a random time from start) over ${rounds} rounds of ${PHOTOS} photos`);
  assert.ok(kills >= MIN_KILLS, `the import was killed at least ${MIN_KILLS} times (was ${kills} in ${rounds} rounds)`);
});

test('an export killed with SIGKILL while it writes never leaves a half file under the final name', async () => {
  const { makeTempDir } = await import('../helpers/temp-dir.js');
  const { startCli } = await import('../helpers/run-cli.js');
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');
  // A big library, written directly through the Library API: its CSV takes a while to write.
  const PHOTO_ROWS = 20_000;
  const library = Library.open(databasePath);
  const importId = library.imports.start('/card', null);
  library.transaction(() => {
    for (let i = 0; i < PHOTO_ROWS; i++) {
      const id = library.photos.insert({
        sha256: i.toString(16).padStart(64, '0'), byteSize: 1000, importId, format: 'jpeg', width: 4000, height: 3000, orientation: 1,
        capturedAt: '2026-06-01T10:00:00', latitude: 46 + i / 1e5, longitude: 7, altitude: null, cameraMake: 'Canon', cameraModel: 'EOS 80D', exifWarning: null,
      });
      library.photos.recordPath(id, `/card/DCIM/IMG_${i}.JPG`, importId);
    }
  });
  library.imports.finish(importId, 'completed');
  library.close();

  const out = path.join(dir, 'exports', 'photos.csv');
  fs.mkdirSync(path.dirname(out));
  const previous = 'previous export\n';
  fs.writeFileSync(out, previous);
  const partials = () => fs.readdirSync(path.dirname(out)).filter((name) => name.endsWith('.partial'));
  const random = seededRandom(7);
  let killedMidWrite = 0;
  for (let attempt = 0; attempt < 6 && killedMidWrite < 3; attempt++) {
    for (const name of partials()) fs.rmSync(path.join(path.dirname(out), name));
    const child = startCli(['export', '--format', 'csv', '--out', out, '--force', '--db', databasePath]);
    const exited = waitForExit(child);
    let finished = false;
    void exited.then(() => (finished = true));
    // Kill once the temporary file has data in it, a random moment later.
    const hasData = () => partials().some((name) => fs.statSync(path.join(path.dirname(out), name), { throwIfNoEntry: false })?.size);
    while (!finished && !hasData()) await sleep(5);
    if (finished) continue;
    await sleep(random() * 150);
    child.kill('SIGKILL');
    if ((await exited).signal !== 'SIGKILL') continue;
    killedMidWrite++;
    const content = fs.readFileSync(out, 'utf8');
    assert.ok(content === previous || content.split('\n').length === PHOTO_ROWS + 2, `after kill ${killedMidWrite}: the previous file, or the whole new one (${content.length} chars)`);
  }
  assert.ok(killedMidWrite >= 3, `the export was killed while writing its temporary file at least 3 times (${killedMidWrite}); a writer without one is never caught mid-write`);
  const final = await runCli(['export', '--format', 'csv', '--out', out, '--force', '--db', databasePath]);
  assert.equal(final.code, 0, final.stderr);
  assert.equal(fs.readFileSync(out, 'utf8').split('\n').length, PHOTO_ROWS + 2, 'header, one line per photo, final newline');
  console.log(`# export killed mid-write ${killedMidWrite} times: the final name always held a whole file`);
});
}
