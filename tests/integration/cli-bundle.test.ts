import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Library } from '../../main/core/library/index.js';
import type { PlacementConflict, ReviewConflict } from '../../main/core/stations/conflicts.js';
import { addPhoto, addPrediction } from '../helpers/station-library.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

test('invasives bundle export / import / conflicts / resolve and invasives merge, on the command line', async () => {
  const dir = makeTempDir();
  const aPath = path.join(dir, 'a.sqlite');
  const bPath = path.join(dir, 'b.sqlite');
  const a = Library.open(aPath);
  const one = await addPhoto(a, 'one');
  addPrediction(a, one.id);
  a.reviews.record({ photoId: one.id, decision: 'unsure', reviewer: 'Ana' });
  a.close();
  Library.open(bPath).close();

  const out = path.join(dir, 'a-for-b.bundle');
  const exported = await runCli(['bundle', 'export', '--out', out, '--full', '--db', aPath]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /Wrote .*a-for-b\.bundle \(everything\): 1 events, .*1 photo.*1 thumbnails/);
  const imported = await runCli(['bundle', 'import', out, '--db', bPath]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /events: 1 new/);
  assert.match(imported.stdout, /model "Test model model-1 1" is not installed here: its predictions are kept/);
  const twice = await runCli(['bundle', 'import', out, '--db', bPath, '--json']);
  assert.equal(JSON.parse(twice.stdout).eventsNew, 0);

  // Different decisions at the two stations, then merged from the library file.
  const b = Library.open(bPath);
  const onB = b.stationSync.photoId(one.sha256)!;
  b.reviews.record({ photoId: onB, decision: 'rejected', reviewer: 'Ben' });
  b.positions.set(onB, { latitude: 46.9, longitude: 10.4, source: 'manual', uncertaintyMetres: 50, by: 'Ben' });
  b.close();
  const a2 = Library.open(aPath);
  a2.reviews.record({ photoId: one.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'Ana' });
  a2.positions.set(one.id, { latitude: 46.65, longitude: 10.15, source: 'manual', uncertaintyMetres: 10, by: 'Ana' });
  a2.close();
  const merged = await runCli(['merge', aPath, '--db', bPath]);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /1 photo\(s\) were decided differently at two stations/);
  const conflicts = await runCli(['bundle', 'conflicts', '--db', bPath]);
  assert.match(conflicts.stdout, /confirmed Ailanthus altissima by Ana/);
  assert.match(conflicts.stdout, /rejected by Ben/);
  assert.match(conflicts.stdout, /46\.9, 10\.4 ±50 m by Ben/);
  // --json carries both kinds, like the text: { reviews: [...], placements: [...] }.
  const listed = await runCli(['bundle', 'conflicts', '--json', '--db', bPath]);
  assert.equal(listed.code, 0, listed.stderr);
  const json = JSON.parse(listed.stdout) as { reviews: ReviewConflict[]; placements: PlacementConflict[] };
  assert.deepEqual(Object.keys(json), ['reviews', 'placements']);
  assert.deepEqual(json.reviews.map((conflict) => [conflict.photoId, conflict.decisions.map((d) => `${d.decision} ${d.ranger}`).sort()]), [[onB, ['confirmed Ana', 'rejected Ben']]]);
  assert.deepEqual(json.placements.map((conflict) => [conflict.photoId, conflict.placements.map((p) => [p.ranger, p.latitude, p.longitude, p.uncertaintyMetres]).sort()]), [
    [onB, [['Ana', 46.65, 10.15, 10], ['Ben', 46.9, 10.4, 50]]],
  ]);
  const resolved = await runCli(['bundle', 'resolve', String(onB), '--decision', 'confirmed', '--species', 'Ailanthus altissima', '--ranger', 'Ben', '--db', bPath]);
  assert.equal(resolved.code, 0, resolved.stderr);
  const none = await runCli(['bundle', 'conflicts', '--db', bPath]);
  assert.match(none.stdout, /No conflicting decisions/);
  const status = await runCli(['bundle', 'status', '--db', bPath]);
  assert.match(status.stdout, /received library .*a\.sqlite/);

  // A damaged bundle: refused with a clear message, exit code of bad input.
  const damaged = path.join(dir, 'damaged.bundle');
  fs.writeFileSync(damaged, fs.readFileSync(out).subarray(0, 3000));
  const refused = await runCli(['bundle', 'import', damaged, '--db', bPath]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /not a complete station bundle/);
});
