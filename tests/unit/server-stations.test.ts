import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallName, EventMap, EventName } from '../../main/api/contract.js';
import { Library } from '../../main/core/library/index.js';
import { exportBundle } from '../../main/core/stations/export-bundle.js';
import type { RunningServer } from '../../main/server/server.js';
import { callOverHttp, startServerInDir, valueOverHttp } from '../helpers/api-over-http.js';
import { uploadOverHttp } from '../helpers/input-files.js';
import { addPhoto } from '../helpers/station-library.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** The Stations screen's calls through the real HTTP transport: merge a bundle, see it received, resolve a conflict. */
describe('stations calls over HTTP', () => {
  const dir = makeTempDir();
  let server: RunningServer;

  const call = <K extends CallName>(name: K, args: unknown) => callOverHttp(server, name, args);
  const value = <K extends CallName>(name: K, args: unknown) => valueOverHttp(server, name, args);

  before(async () => {
    server = await startServerInDir(dir);
  });
  after(async () => {
    await server.close();
  });

  test('a bundle from another station is merged, listed as received, and a conflict is resolved by keeping one decision', async () => {
    const here = server.station.library;
    const other = Library.open(path.join(dir, 'north.sqlite'));
    const photo = await addPhoto(other, 'shared');
    other.reviews.record({ photoId: photo.id, decision: 'unsure', reviewer: 'Ana' });
    await exportBundle(other, { out: path.join(dir, 'first.bundle'), full: true });
    const first = await value('stations:import', { file: (await uploadOverHttp(server, 'station-bundle', path.join(dir, 'first.bundle'))).handle });
    assert.equal(first.added.photo, 1);
    const localId = here.stationSync.photoId(photo.sha256)!;

    other.reviews.record({ photoId: photo.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'Ana' });
    here.reviews.record({ photoId: localId, decision: 'rejected', reviewer: 'Ben' });
    await exportBundle(other, { out: path.join(dir, 'second.bundle'), full: true });
    other.close();
    const second = await value('stations:import', { file: (await uploadOverHttp(server, 'station-bundle', path.join(dir, 'second.bundle'))).handle });
    assert.equal(second.conflicts.length, 1);

    const overview = await value('stations:overview', {});
    assert.equal(overview.stationId, here.events.stationId);
    assert.deepEqual(overview.bundlesReceived.map((b) => b.file).sort(), ['first.bundle', 'second.bundle']);
    assert.equal(overview.conflicts.length, 1);
    const keep = overview.conflicts[0]!.decisions.find((d) => d.decision === 'confirmed')!;
    await value('reviews:record', { photoId: localId, decision: keep.decision, species: keep.species, ranger: 'Ben' });
    assert.deepEqual((await value('stations:overview', {})).conflicts, []);

    const refused = await call('stations:import', { path: path.join(dir, 'second.bundle') });
    assert.equal(refused.ok, false, 'the page never names a path on the station');
  });

  /** Collects the merge's events from the station's event bus until it announces the outcome. */
  function mergeEvents(): Promise<{ progress: EventMap['stations:mergeProgress'][]; finished: EventMap['stations:mergeFinished'] }> {
    const progress: EventMap['stations:mergeProgress'][] = [];
    return new Promise((resolve) => {
      const unsubscribe = server.station.events.subscribe(<E extends EventName>(name: E, payload: EventMap[E]) => {
        if (name === 'stations:mergeProgress') progress.push(payload as EventMap['stations:mergeProgress']);
        if (name === 'stations:mergeFinished') {
          unsubscribe();
          resolve({ progress, finished: payload as EventMap['stations:mergeFinished'] });
        }
      });
    });
  }

  test('stations:merge answers at once and runs the merge as a job: progress per stage, then the outcome, as events', async () => {
    const south = Library.open(path.join(dir, 'south.sqlite'));
    for (let i = 0; i < 12; i++) await addPhoto(south, `south-${i}`);
    await exportBundle(south, { out: path.join(dir, 'south.bundle'), full: true });
    south.close();
    const events = mergeEvents();
    const started = await value('stations:merge', { file: (await uploadOverHttp(server, 'station-bundle', path.join(dir, 'south.bundle'))).handle });
    assert.equal(started.file, 'south.bundle');
    const { progress, finished } = await events;
    assert.equal(finished.error, null);
    assert.equal(finished.summary!.added.photo, 12);
    assert.equal(finished.summary!.file, 'south.bundle');
    const stages = [...new Set(progress.map((p) => p.stage))];
    assert.deepEqual(stages, ['preparing', 'checking', 'records', 'thumbnails'].filter((stage) => stages.includes(stage as never)));
    assert.ok(stages.includes('records') && stages.includes('thumbnails'), `stages seen: ${stages.join(', ')}`);
    const lastRecords = progress.filter((p) => p.stage === 'records').at(-1)!;
    assert.ok(lastRecords.total >= 12 && lastRecords.done === lastRecords.total, 'the records stage ends at its total');
    assert.equal((await value('import:status', {})).running, null, 'the job is over');
    assert.ok((await value('stations:overview', {})).bundlesReceived.some((b) => b.file === 'south.bundle'));
  });

  test('a damaged file merged as a job ends with the reason, and nothing is merged', async () => {
    const damaged = path.join(dir, 'damaged.bundle');
    fs.writeFileSync(damaged, fs.readFileSync(path.join(dir, 'south.bundle')).subarray(0, 4000));
    const before = server.station.library.stats().photos;
    const events = mergeEvents();
    await value('stations:merge', { file: (await uploadOverHttp(server, 'station-bundle', damaged)).handle });
    const { finished } = await events;
    assert.equal(finished.summary, null);
    assert.equal(finished.error!.code, 'BUNDLE_INVALID');
    assert.match(finished.error!.message, /damaged\.bundle is not a complete station bundle/);
    assert.equal(server.station.library.stats().photos, before);
    const unknown = await call('stations:merge', { file: 'in-unknownhandle000000000' });
    assert.equal(unknown.ok ? null : unknown.error.code, 'NOT_FOUND', 'an unknown file is refused at once');
  });
});
