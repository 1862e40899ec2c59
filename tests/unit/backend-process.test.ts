import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BackendState, CallName, CallOutcome, CallResult, EventMap, EventName, InputPurpose } from '../../main/api/contract.js';
import { BackendHost } from '../../main/backend/backend-host.js';
import { forkBackend } from '../../main/backend/child-process-launcher.js';
import { writeDemoModelPack } from '../../main/core/demo/demo-model.js';
import { writeDemoCard } from '../../main/core/demo/sample-card.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { addModelToLibrary, openLibraryModel } from '../../main/core/vision/open-classifier.js';
import { writeCameraCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The backend entry (main/backend/entry.ts) as a real Node child process speaking the message
 * protocol, hosted by BackendHost exactly as `invasives serve` and Electron's main process host
 * it: a real library in a temporary folder, real imports and training, and the process killed
 * with SIGKILL in the middle of them.
 */
describe('the station in a backend process', { timeout: 300_000 }, () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');
  const secondCard = path.join(dir, 'second-card');
  const SECOND_CARD_PHOTOS = 48;
  let truth: Record<string, string> = {};
  /** What the fake native dialog answers next (a path, or 'kill': the backend dies while the dialog is open). */
  let nextDialogAnswer: string | 'kill' | null = null;
  const dialogsAsked: { purpose: InputPurpose; folder: boolean }[] = [];
  const seen: { name: EventName; payload: unknown }[] = [];
  let host: BackendHost;

  before(async () => {
    // The library as a station leaves it: a model, photos imported and classified, reviews (training needs them).
    const settings = resolveSettings({ databasePath });
    const library = Library.open(databasePath);
    try {
      const pack = await writeDemoModelPack(path.join(dir, 'demo-model'));
      const card = await writeDemoCard(path.join(dir, 'card'), 24);
      truth = card.truth;
      const model = await addModelToLibrary(library, pack, { settings, activate: true });
      const classifier = await openLibraryModel(model, settings);
      await importFolder(library, card.folder, { settings, classifier }).finally(() => classifier.close());
    } finally {
      library.close();
    }
    await writeCameraCard(secondCard, SECOND_CARD_PHOTOS);

    host = new BackendHost({
      launch: forkBackend(),
      station: { databasePath, typedImportFolders: false },
      dialogs: {
        async chooseInput(purpose, folder) {
          dialogsAsked.push({ purpose, folder });
          const answer = nextDialogAnswer;
          nextDialogAnswer = null;
          if (answer === 'kill') {
            host.killBackend();
            return new Promise<string | null>(() => undefined);
          }
          return answer;
        },
        async chooseSaveDestination() {
          return null;
        },
      },
    });
    host.subscribe((name, payload) => seen.push({ name, payload }));
    await host.start();
  });
  after(() => host?.close());

  async function value<K extends CallName>(name: K, args?: unknown): Promise<CallResult<K>> {
    const outcome = await host.dispatch(name, args);
    assert.ok(outcome.ok, outcome.ok ? '' : `${name}: ${outcome.error.code} ${outcome.error.message}`);
    return outcome.value as CallResult<K>;
  }

  function nextEvent<E extends EventName>(name: E, accept: (payload: EventMap[E]) => boolean = () => true): Promise<EventMap[E]> {
    return new Promise((resolve) => {
      const unsubscribe = host.subscribe((eventName, payload) => {
        if (eventName !== name || !accept(payload as EventMap[E])) return;
        unsubscribe();
        resolve(payload as EventMap[E]);
      });
    });
  }

  function openLibrary<T>(read: (library: Library) => T): T {
    const library = Library.open(databasePath, { readOnly: true });
    try {
      return read(library);
    } finally {
      library.close();
    }
  }

  test('the backend runs in another process, and answers the contract\'s calls with its validation', async () => {
    assert.ok(host.pid && host.pid !== process.pid);
    const stats = await value('stats:get');
    assert.equal(stats.photos, 24);
    const bad = await host.dispatch('photos:get', { id: 'one' });
    assert.equal(bad.ok ? null : bad.error.code, 'BAD_ARGUMENTS');
    const unknown = await host.dispatch('photos:steal', {});
    assert.equal(unknown.ok ? null : unknown.error.code, 'UNKNOWN_CALL');
  });

  test('photo and thumbnail bytes cross the process boundary as bytes', async () => {
    const [photo] = (await value('photos:list', { filter: {}, limit: 1 })).photos;
    assert.ok(photo);
    const thumb = await host.media('thumb', String(photo.id));
    assert.equal(thumb.status, 200);
    assert.equal(thumb.contentType, 'image/jpeg');
    assert.deepEqual([...thumb.body.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
    const full = await host.media('photo', String(photo.id));
    assert.equal(full.status, 200);
    assert.ok(full.body.length > thumb.body.length);
    assert.equal((await host.media('photo', '999999')).status, 404);
    assert.equal((await host.tile('/tiles/1/0/0/0')).status, 404, 'an unknown basemap');
  });

  test('a native dialog asked by the backend is run by the host and its answer goes back', async () => {
    nextDialogAnswer = null;
    assert.equal(await value('files:pick', { purpose: 'gpx', folder: false }), null, 'cancelled dialog');
    assert.deepEqual(dialogsAsked.at(-1), { purpose: 'gpx', folder: false });
    nextDialogAnswer = secondCard;
    const chosen = await value('import:pickFolder');
    assert.ok(chosen);
    assert.equal(chosen.name, 'second-card');
    assert.deepEqual(dialogsAsked.at(-1), { purpose: 'photo-folder', folder: true });
    assert.ok(!('path' in chosen), 'the window never sees the path');
    pickedFolder = chosen.handle;
  });
  let pickedFolder = '';

  test('a call in flight when the backend dies fails with BACKEND_STOPPED, and the host restarts it', async () => {
    const states: BackendState[] = [];
    const off = host.subscribe((name, payload) => name === 'backend:state' && states.push(payload as BackendState));
    const before = host.pid;
    const ready = nextEvent('backend:state', (state) => state.state === 'ready');
    nextDialogAnswer = 'kill';
    const outcome: CallOutcome<CallName> = await host.dispatch('files:pick', { purpose: 'zones', folder: false });
    assert.equal(outcome.ok ? null : outcome.error.code, 'BACKEND_STOPPED');
    assert.match(outcome.ok ? '' : outcome.error.message, /stopped \(killed by SIGKILL\).*try again/);
    await ready;
    off();
    assert.deepEqual(states.map((state) => state.state), ['restarting', 'ready']);
    assert.match(states[0]!.message, /ended \(killed by SIGKILL\).*nothing stored is lost/);
    assert.notEqual(host.pid, before);
    assert.equal((await value('stats:get')).photos, 24, 'the library is intact');
  });

  test('an import killed in the middle resumes by itself after the restart and completes', async () => {
    // The dialog's handle was held by the backend that died: the window chooses the folder again.
    assert.equal((await host.dispatch('import:start', { folder: pickedFolder })).ok, false);
    nextDialogAnswer = secondCard;
    const chosen = await value('import:pickFolder');
    // Killed at the first progress of the import (progress events are throttled, so on a fast
    // machine the import may report no step between its first and its last); should it end
    // before any step is reported, the test fails here instead of waiting forever.
    const killedMidway = new Promise<void>((resolve, reject) => {
      const off = host.subscribe((name, payload) => {
        if (name === 'import:finished') {
          off();
          reject(new Error('the import finished before any progress event let the test kill the backend'));
          return;
        }
        const progress = payload as EventMap['import:progress'];
        if (name !== 'import:progress' || progress.filesTotal === 0 || progress.filesDone >= progress.filesTotal) return;
        off();
        host.killBackend();
        resolve();
      });
    });
    const restarted = nextEvent('backend:state', (state) => state.state === 'ready');
    const completed = nextEvent('import:finished', (finished) => finished.summary !== null);
    await value('import:start', { folder: chosen!.handle });
    await killedMidway;
    const photosAtKill = openLibrary((library) => library.stats().photos);
    assert.ok(photosAtKill < 24 + SECOND_CARD_PHOTOS, `killed before the end (${photosAtKill} photos stored)`);
    await restarted;
    const finished = await completed;
    assert.equal(finished.error, null);
    assert.equal(finished.resumed, true, 'the import went on from where it stopped');
    assert.equal((await value('stats:get')).photos, 24 + SECOND_CARD_PHOTOS);
    const records = openLibrary((library) => library.jobRecords.latest(2));
    const [resumed, interrupted] = records;
    assert.equal(interrupted!.kind, 'import');
    assert.equal(interrupted!.state, 'interrupted');
    assert.equal(interrupted!.resumedBy, resumed!.id);
    assert.match(interrupted!.failureReason!, /stopped during the import of ".*second-card"; the import was resumed/);
    assert.equal(resumed!.state, 'finished');
    assert.equal(openLibrary((library) => library.stats().photos), 24 + SECOND_CARD_PHOTOS);
  });

  test('training killed in the middle shows as failed with its reason after the restart', async () => {
    for (const photo of openLibrary((library) => library.photos.query({}))) {
      const species = truth[path.basename(photo.path)];
      if (species) await value('reviews:record', { photoId: photo.id, decision: 'corrected', species });
    }
    const killedMidway = nextEvent('training:progress').then(() => host.killBackend());
    const reported = nextEvent('training:finished');
    // The first progress comes as the job starts, maybe before the call's answer: the call may be
    // answered or fail with BACKEND_STOPPED; either way the job was recorded when it began.
    const start = await host.dispatch('training:start', { seed: 3, epochs: 400 });
    assert.ok(start.ok || start.error.code === 'BACKEND_STOPPED', start.ok ? '' : start.error.message);
    await killedMidway;
    const finished = await reported;
    assert.equal(finished.modelId, null);
    assert.equal(finished.error?.code, 'BACKEND_STOPPED');
    assert.equal(finished.error?.message, "The station's backend stopped while training; start it again.");
    const status = await value('import:status');
    assert.equal(status.running, null);
    assert.deepEqual(status.interrupted && { kind: status.interrupted.kind, resumed: status.interrupted.resumed }, { kind: 'train', resumed: false });
    assert.equal(openLibrary((library) => library.jobRecords.latest(1)[0]!.state), 'failed');
    assert.equal(openLibrary((library) => library.integrityCheck()), 'ok');
  });

  test('shutdown closes the station and ends the process', async () => {
    const states = seen.filter((entry) => entry.name === 'backend:state').map((entry) => (entry.payload as BackendState).state);
    assert.deepEqual(states, ['restarting', 'ready', 'restarting', 'ready', 'restarting', 'ready']);
    await host.close();
    // Closed cleanly: another program may open the library for writing at once.
    const library = Library.open(databasePath);
    library.close();
  });
});
