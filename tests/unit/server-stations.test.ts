import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallName } from '../../main/api/contract.js';
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
});
