import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser, Page, Route } from 'playwright-core';
import type { RunningServer } from '../../main/server/server.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { photoDetailProbes } from '../helpers/photo-detail.js';
import { closeStationInBrowser, openStationInBrowser } from '../helpers/station-in-browser.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * How the review screen stays quick, checked for what it does (no timings): a keyboard decision
 * shows the next photo without waiting for the station, decisions made faster than the station
 * answers are all stored in the order made, a decision the station refuses is rolled back and
 * said, one made while the library is busy (a merge) waits and is stored once it is free, the
 * next photo is fetched while the ranger looks at the current one, and a photo's request that
 * the ranger has left behind is aborted.
 */

const LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Carpobrotus edulis', 'Opuntia ficus-indica'];
const PHOTOS = 60;

describe('review speed: optimistic decisions, prefetch and cancellation in the browser', { skip: chromiumSkipReason }, () => {
  const dir = makeTempDir('invasives-e2e-speed-');
  const rendererDir = path.join(dir, 'renderer');
  const databasePath = path.join(dir, 'library.sqlite');
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  /** Photo ids in the needs-review order. */
  let order: number[];

  const { shownId, waitShown, decisionsStored } = photoDetailProbes(() => page);
  const statusOf = (id: number) => server.station.library.photos.get(id)?.status;
  /** Opens a photo by its address within the page, as the app's links do (a goto of the tokened URL would reload the page). */
  const openPhoto = (id: number) => page.evaluate((photoId) => (location.hash = `#/photo/${photoId}`), id);
  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  before(async () => {
    ({ server, browser, page } = await openStationInBrowser({ databasePath, rendererDir, pageOptions: { viewport: { width: 1366, height: 768 } } }));
    const { library } = server.station;
    const model = library.models.add({ name: 'speed', version: '1', contentHash: 'speed', format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
    library.models.setActive(model.id);
    const importId = library.imports.start(dir, null);
    library.transaction(() => {
      for (let i = 0; i < PHOTOS; i++) {
        const id = library.photos.insert({
          sha256: `speed-${i}`, byteSize: 1, importId, format: 'jpeg', width: 4000, height: 3000, orientation: 1,
          capturedAt: `2026-04-01T10:${String(i).padStart(2, '0')}:00`, latitude: -33.9 + i / 1000, longitude: 18.4, altitude: null,
          cameraMake: 'Canon', cameraModel: 'EOS 80D', exifWarning: null,
        });
        const probabilities = new Float32Array(LABELS.length).fill(0.05);
        probabilities[i % LABELS.length] = 0.4 + (i % 13) / 30;
        library.predictions.save({ photoId: id, modelId: model.id, labels: LABELS, probabilities, topK: 3 });
      }
    });
    order = library.photos.query({ order: 'needs-review' }).map((photo) => photo.id);
  });

  after(() => closeStationInBrowser({ server, browser }));

  test('decisions show the next photo before the station answers, and all are stored in the order made', async () => {
    await page.goto(`${server.url}#/review`);
    await page.getByTestId('photo-total').filter({ hasText: `${PHOTOS} photos` }).waitFor();
    // The station asks who is working once per browser session (its field takes the keyboard until answered).
    await page.getByLabel('Ranger name').fill('A. Ranger');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByTestId('ranger-prompt').waitFor({ state: 'detached' });
    await page.getByTestId('photo-grid').focus();
    await page.keyboard.press('Enter');
    await waitShown(order[0]!);
    // The station answers each decision only after 600 ms: the view must not wait for it.
    const held: Route[] = [];
    await page.route('**/api/reviews:record', (route) => void held.push(route));
    await page.keyboard.press('Enter'); // confirm order[0]
    await waitShown(order[1]!);
    await page.keyboard.press('x'); // reject order[1]
    await waitShown(order[2]!);
    await page.keyboard.press('ArrowLeft');
    await waitShown(order[1]!);
    assert.equal(await page.getByTestId('current-status').innerText(), 'rejected', 'the queue shows the decision before it is stored');
    await page.keyboard.press('u'); // order[1] again: unsure, after the rejection
    await waitShown(order[2]!);
    assert.equal(statusOf(order[0]!), 'unreviewed', 'nothing was stored yet');
    await page.getByTestId('decisions-pending').filter({ hasText: 'Saving 3 decisions' }).waitFor();
    // The station answers one at a time: each decision is sent once the one before is stored.
    for (let answered = 0; answered < 3; answered++) {
      while (held.length === 0) await delay(20);
      assert.equal(held.length, 1, 'one decision at a time goes to the station');
      await delay(600);
      await held.shift()!.continue();
    }
    await page.unroute('**/api/reviews:record');
    await decisionsStored();
    assert.equal(statusOf(order[0]!), 'confirmed');
    assert.equal(statusOf(order[1]!), 'unsure', 'the later decision on the same photo wins');
  });

  test('the next photo\'s details are fetched while the ranger looks at the current one', async () => {
    const asked: number[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/photos:get')) asked.push((JSON.parse(request.postData() ?? '{}') as { id: number }).id);
    });
    const current = order[10]!;
    const next = order[11]!;
    await openPhoto(current);
    await waitShown(current);
    for (let i = 0; i < 60 && !asked.includes(next); i++) await delay(50);
    assert.ok(asked.includes(next), `photo ${next} (the next one) was asked for while photo ${current} is shown: ${asked.join(', ')}`);
    await delay(300);
    await page.keyboard.press('ArrowRight');
    await waitShown(next);
    await delay(300);
    assert.equal(asked.filter((id) => id === next).length, 1, 'shown from what was prefetched, not asked again');
  });

  test('a decision the station refuses is rolled back, said, and not offered for undo', async () => {
    const doomed = order[5]!;
    const index = order.indexOf(doomed);
    await openPhoto(doomed);
    await waitShown(doomed);
    // The photo leaves the library behind the view's back (another program removed it).
    const raw = new Database(databasePath);
    raw.prepare('DELETE FROM photos WHERE id = ?').run(doomed);
    raw.close();
    await page.keyboard.press('Enter');
    await waitShown(order[index + 1]!);
    const failure = page.getByTestId('decision-failed');
    await failure.waitFor();
    assert.match(await failure.innerText(), new RegExp(`photo ${doomed} was not stored`));
    await decisionsStored();
    // Z takes back the newest decision that was stored: order[1]'s "unsure", not the refused one.
    await page.keyboard.press('z');
    await waitShown(order[1]!);
    await page.getByTestId('current-status').filter({ hasText: 'rejected' }).waitFor();
    assert.equal(statusOf(order[1]!), 'rejected');
    assert.equal(statusOf(order[index + 1]!), 'unreviewed', 'the photo after the refused one was not decided either');
  });

  test('a decision made while the library is busy waits, said, and is stored once it is free', async () => {
    const target = order[20]!;
    const index = order.indexOf(target);
    await openPhoto(target);
    await waitShown(target);
    // Another connection holds the library's write lock, as a merge of another station's bundle does.
    const other = new Database(databasePath, { timeout: 100 });
    other.exec('BEGIN IMMEDIATE');
    try {
      await page.keyboard.press('x');
      await waitShown(order[index + 1]!);
      await page.getByTestId('decisions-paused').waitFor();
      assert.match(await page.getByTestId('decisions-paused').innerText(), /library is busy.*kept and will be stored/s);
      assert.equal(statusOf(target), 'unreviewed', 'not stored while the library is locked');
      const failures = await page.getByTestId('decision-failed').allInnerTexts();
      assert.ok(!failures.some((text) => text.includes(`photo ${target} was not stored`)), `waiting is not a failure: ${failures.join(' | ')}`);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await decisionsStored();
    assert.equal(await page.getByTestId('decisions-paused').count(), 0, 'the notice goes once the decision is stored');
    assert.equal(statusOf(target), 'rejected', 'stored once the library is free');
  });

  test('a photo\'s request the ranger has left behind is aborted', async () => {
    const slow = order[30]!;
    const after = order[40]!;
    const aborted: string[] = [];
    page.on('requestfailed', (request) => {
      if (request.url().includes('/api/photos:get') && request.postData()?.includes(`"id":${slow}`)) aborted.push(request.failure()?.errorText ?? '');
    });
    // The station is slow to answer for one photo: the ranger does not wait and opens another.
    await page.route('**/api/photos:get', async (route) => {
      if (route.request().postData()?.includes(`"id":${slow}`)) await delay(3000);
      await route.continue().catch(() => undefined);
    });
    const sent = page.waitForRequest((request) => request.url().includes('/api/photos:get') && request.postData()?.includes(`"id":${slow}`) === true);
    await openPhoto(slow);
    await sent;
    await openPhoto(after);
    await waitShown(after);
    for (let i = 0; i < 40 && aborted.length === 0; i++) await delay(50);
    await page.unroute('**/api/photos:get');
    assert.equal(aborted.length, 1, 'the superseded photos:get was aborted');
    assert.match(aborted[0]!, /ABORTED/);
  });
});
