import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { CallName, OutputFile } from '../../main/api/contract.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import type { RunningServer } from '../../main/server/server.js';
import { writeCard } from '../fixtures/make-card.js';
import { callOverHttp, startServerInDir } from '../helpers/api-over-http.js';
import { readZip } from '../helpers/read-zip.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** export:dwca through the real HTTP transport, like the other exports. */
const dir = makeTempDir();
let server: RunningServer;

const call = <K extends CallName>(name: K, args: unknown) => callOverHttp(server, name, args);

before(async () => {
  server = await startServerInDir(dir);
  const card = path.join(dir, 'card');
  await writeCard(card, { 'DCIM/IMG_0001.JPG': { seed: 1, latitude: 46.7, longitude: 10.2, capturedAt: '2026-05-01T09:00:00', offset: '+02:00' } });
  const library = server.station.library;
  await importFolder(library, card, { settings: server.station.settings });
  const labels = ['Ailanthus altissima', 'Robinia pseudoacacia'];
  const model = library.models.add({ name: 'm', version: '1', contentHash: 'a'.repeat(64), format: 'onnx', sourcePath: dir, labels, preprocessing: {} });
  library.predictions.save({ photoId: library.photos.query()[0]!.id, modelId: model.id, labels, probabilities: Float32Array.from([0.8, 0.2]), topK: 2 });
});
after(() => server?.close());

/** Downloads an export as the browser does, into a file (the archive is binary). */
async function download(file: OutputFile, to: string): Promise<void> {
  const response = await fetch(`${server.origin}/download/${file.id}`, { headers: { 'x-invasives-token': server.token } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/zip');
  fs.writeFileSync(to, Buffer.from(await response.arrayBuffer()));
}

test('export:dwca is delivered like the other exports (a download with a safe name) and takes no path', async () => {
  const written = await call('export:dwca', { withPhotos: true });
  assert.ok(written.ok, JSON.stringify(written));
  assert.equal(written.value.count, 1);
  assert.equal(written.value.leftOut, 0);
  assert.match(written.value.file.name, /^invasives-\d{4}-\d{2}-\d{2}-dwca\.zip$/);
  const out = path.join(dir, 'dwca.zip');
  await download(written.value.file, out);
  const entries = await readZip(out);
  assert.ok(entries.has('meta.xml') && entries.has('eml.xml') && entries.has('occurrence.txt') && entries.has('multimedia.txt'));
  assert.equal([...entries.keys()].filter((name) => name.startsWith('media/')).length, 1);

  const aimed = await call('export:dwca', { outPath: path.join(dir, 'elsewhere.zip') });
  assert.ok(!aimed.ok && aimed.error.code === 'BAD_ARGUMENTS', 'a path is refused');
  assert.ok(!fs.existsSync(path.join(dir, 'elsewhere.zip')));
});

test('dataset:get and dataset:set read and change what eml.xml says; bad values are refused and nothing changes', async () => {
  const set = await call('dataset:set', { title: 'Parc 2026', licence: 'CC0-1.0', contactEmail: 'ranger@example.org' });
  assert.ok(set.ok, JSON.stringify(set));
  assert.equal(set.value.title, 'Parc 2026');
  assert.equal(set.value.licence, 'CC0-1.0');
  const refused = await call('dataset:set', { licence: 'All rights reserved', title: 'Changed' });
  assert.ok(!refused.ok && refused.error.code === 'INVALID_ARGUMENT' && /not one GBIF accepts/.test(refused.error.message));
  const unknownKey = await call('dataset:set', { owner: 'me' });
  assert.ok(!unknownKey.ok && unknownKey.error.code === 'BAD_ARGUMENTS');
  const now = await call('dataset:get', {});
  assert.ok(now.ok);
  assert.equal(now.value.title, 'Parc 2026', 'a refused change changes nothing');
  const out = path.join(dir, 'titled.zip');
  const exported = await call('export:dwca', {});
  assert.ok(exported.ok);
  await download(exported.value.file, out);
  assert.match((await readZip(out)).get('eml.xml')!.toString('utf8'), /<title xml:lang="en">Parc 2026<\/title>[\s\S]*publicdomain\/zero/);
});
