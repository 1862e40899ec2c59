import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { EventMap, EventName } from '../../main/api/contract.js';
import { openStation } from '../../main/api/station.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A process id that was real and is gone (a finished child). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** Jobs recorded in the library, and what a backend started after a crash does with those left running. */
describe('job records', () => {
  const dir = makeTempDir();
  const station = openStation({ databasePath: path.join(dir, 'library.sqlite') });
  after(() => station.close());

  function collect(): { name: EventName; payload: unknown }[] {
    const seen: { name: EventName; payload: unknown }[] = [];
    station.events.subscribe((name, payload) => seen.push({ name, payload }));
    return seen;
  }

  test('a model pack that fails to compile leaves a failed record with its reason', async () => {
    const bad = path.join(dir, 'not-a-pack.tar.gz');
    fs.writeFileSync(bad, 'this is not an archive');
    const file = station.transfers.registerChosen(bad, 'model-pack', { isDirectory: false, bytes: 22 });
    const outcome = await station.dispatch('models:add', { file: file.handle });
    assert.equal(outcome.ok, false);
    const [record] = station.library.jobRecords.latest(1);
    assert.equal(record!.kind, 'compile');
    assert.equal(record!.target, 'not-a-pack.tar.gz');
    assert.equal(record!.state, 'failed');
    assert.equal(record!.failureCode, outcome.ok ? null : outcome.error.code);
    assert.ok(record!.endedAt);
  });

  test('training and compilation left running by a process that is gone are reported failed with their reason', async () => {
    const gone = deadPid();
    const training = station.library.jobRecords.start('train', null, gone);
    const compiling = station.library.jobRecords.start('compile', 'invasoras.tar.gz', gone);
    const seen = collect();
    const reported = await station.resumeInterruptedJobs();
    assert.deepEqual(reported.map((job) => [job.kind, job.resumed]), [['train', false], ['compile', false]]);
    assert.equal(station.library.jobRecords.get(training)!.state, 'failed');
    assert.equal(station.library.jobRecords.get(training)!.failureReason, "The station's backend stopped while training; start it again.");
    assert.equal(station.library.jobRecords.get(compiling)!.failureReason, 'The station\'s backend stopped while compiling the model pack "invasoras.tar.gz"; add it again.');
    const finished = seen.find((event) => event.name === 'training:finished')!.payload as EventMap['training:finished'];
    assert.deepEqual(finished.error, { code: 'BACKEND_STOPPED', message: "The station's backend stopped while training; start it again." });
    const status = await station.dispatch('import:status', undefined);
    assert.ok(status.ok);
    assert.equal(status.value.interrupted?.kind, 'compile');
    assert.match(status.value.interrupted!.reason, /add it again/);
    assert.deepEqual(await station.resumeInterruptedJobs(), [], 'reported once');
  });

  test('an import left running by a process that is gone is resumed; its folder gone, it is reported', async () => {
    const missing = path.join(dir, 'card-taken-out');
    const record = station.library.jobRecords.start('import', missing, deadPid());
    const seen = collect();
    const [reported] = await station.resumeInterruptedJobs();
    assert.equal(reported!.resumed, false);
    assert.match(reported!.reason, /stopped during the import of ".*card-taken-out".*could not be resumed.*does not exist/);
    assert.equal(station.library.jobRecords.get(record)!.state, 'failed');
    const finished = seen.find((event) => event.name === 'import:finished')!.payload as EventMap['import:finished'];
    assert.equal(finished.error?.code, 'BACKEND_STOPPED');
  });

  test('a merge left running by a process that is gone is reported failed: nothing of it was stored', async () => {
    const record = station.library.jobRecords.start('merge', 'north-station.bundle', deadPid());
    const seen = collect();
    const [reported] = await station.resumeInterruptedJobs();
    assert.equal(reported!.kind, 'merge');
    assert.equal(station.library.jobRecords.get(record)!.state, 'failed');
    const finished = seen.find((event) => event.name === 'stations:mergeFinished')!.payload as EventMap['stations:mergeFinished'];
    assert.equal(finished.file, 'north-station.bundle');
    assert.match(finished.error!.message, /stopped while merging "north-station.bundle"; nothing of it was stored.*merge it again/);
  });

  test('records of a process that still runs are left alone', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const record = station.library.jobRecords.start('train', null, other.pid!);
      assert.deepEqual(await station.resumeInterruptedJobs(), []);
      assert.equal(station.library.jobRecords.get(record)!.state, 'running');
      station.library.jobRecords.end(record, 'cancelled');
    } finally {
      other.kill();
    }
  });
});
