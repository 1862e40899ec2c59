import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { readZip } from '../helpers/read-zip.js';
import { cliOnLibrary } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const db = path.join(dir, 'library.sqlite');
const LABELS = ['daisy', 'Ailanthus altissima'];

const cli = cliOnLibrary(db);

before(async () => {
  const card = path.join(dir, 'card');
  await writeCard(card, {
    'DCIM/tree.JPG': { seed: 1, latitude: 46.7, longitude: 10.2, capturedAt: '2026-06-01T10:00:00', offset: '+02:00', make: 'Canon' },
    'DCIM/daisy.JPG': { seed: 2, latitude: 46.71, longitude: 10.21, capturedAt: '2026-06-02T10:00:00', offset: '+02:00' },
  });
  const library = Library.open(db);
  try {
    await importFolder(library, card, { settings: resolveSettings({ databasePath: db }) });
    const model = library.models.add({ name: 'm', version: '1', contentHash: 'e'.repeat(64), format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
    library.models.setActive(model.id);
    for (const photo of library.photos.query()) {
      const p = photo.path.endsWith('daisy.JPG') ? [0.9, 0.1] : [0.1, 0.9];
      library.predictions.save({ photoId: photo.id, modelId: model.id, labels: LABELS, probabilities: Float32Array.from(p), topK: 2 });
    }
  } finally {
    library.close();
  }
});

test('dataset set, taxa load and export --format dwca --with-photos, with clear refusals of bad input', async () => {
  const refused = await cli(['dataset', 'set', '--licence', 'CC-BY-SA-4.0'], 2);
  assert.match(refused.stderr, /not one GBIF accepts/);
  await cli(['dataset', 'set', '--title', 'Park 2026', '--publisher', 'Park', '--licence', 'CC0-1.0']);

  fs.writeFileSync(path.join(dir, 'bad.csv'), 'class,scientificName,kingdom,taxonRank\ndaisy,Bellis perennis,Plantae,species\ntulips,Tulipa,Plantae,genus\n');
  const badTaxa = await cli(['taxa', 'load', path.join(dir, 'bad.csv')], 3);
  assert.match(badTaxa.stderr, /"tulips".*Nothing was loaded/);

  const unwritable = await cli(['export', '--format', 'dwca', '--out', path.join(dir, 'missing', 'a.zip')], 3);
  assert.match(unwritable.stderr, /missing does not exist/);

  const before = await cli(['export', '--format', 'dwca', '--out', path.join(dir, 'a.zip')]);
  assert.match(before.stderr, /Exported 1 occurrences, 0 media as dwca/);
  assert.match(before.stderr, /Left out 1 observation\(s\) of class "daisy".*taxa load/);

  fs.writeFileSync(path.join(dir, 'taxa.csv'), 'class,scientificName,kingdom,taxonRank\ndaisy,Bellis perennis,Plantae,species\n');
  await cli(['taxa', 'load', path.join(dir, 'taxa.csv')]);
  const exported = await cli(['export', '--format', 'dwca', '--out', path.join(dir, 'b.zip'), '--with-photos', '--json']);
  const summary = JSON.parse(exported.stderr.trim().split('\n').pop()!) as { written: number; media: number };
  assert.deepEqual([summary.written, summary.media], [2, 2]);
  const entries = await readZip(path.join(dir, 'b.zip'));
  assert.equal([...entries.keys()].filter((name) => name.startsWith('media/')).length, 2);
  assert.match(entries.get('occurrence.txt')!.toString('utf8'), /Bellis perennis\tPlantae\tspecies/);
  assert.match(entries.get('eml.xml')!.toString('utf8'), /publicdomain\/zero\/1\.0/);
});

test('export never replaces an existing --out file without --force; an empty archive is refused saying why; an empty CSV warns', async () => {
  const taken = path.join(dir, 'a.zip');
  const earlier = fs.readFileSync(taken);
  const refused = await cli(['export', '--format', 'dwca', '--out', taken], 3);
  assert.match(refused.stderr, /a\.zip already exists; nothing was written\. Choose another --out name, or pass --force to replace it/);
  assert.deepEqual(fs.readFileSync(taken), earlier, 'the earlier archive is untouched');

  const replaced = await cli(['export', '--format', 'dwca', '--out', taken, '--force']);
  assert.match(replaced.stderr, /Exported 2 occurrences, 0 media as dwca/);
  assert.match((await readZip(taken)).get('occurrence.txt')!.toString('utf8'), /Bellis perennis/);

  const emptyArchive = path.join(dir, 'confirmed.zip');
  const empty = await cli(['export', '--format', 'dwca', '--confirmed-only', '--out', emptyArchive], 3);
  assert.match(empty.stderr, /confirmed\.zip would hold no occurrences, so it was not written: of the library's 2 observations, 2 are not confirmed by a ranger, and only confirmed ones were asked for/);
  assert.equal(fs.existsSync(emptyArchive), false);
  const emptyCsv = await cli(['export', '--format', 'dwc', '--confirmed-only', '--out', path.join(dir, 'confirmed.csv')]);
  assert.match(emptyCsv.stderr, /Warning: the file holds no occurrences: of the library's 2 observations, 2 are not confirmed by a ranger/);

  const none = await cli(['export', '--format', 'csv', '--species', 'Nothing here', '--out', path.join(dir, 'none.csv')]);
  assert.match(none.stderr, /Exported 0 photos as csv.*\nWarning: the file holds no photos: no photo matched --species "Nothing here"\./);
});

test('export --excel writes CSV with a UTF-8 BOM; dates shows capture-time sources', async () => {
  const out = path.join(dir, 'photos.csv');
  await cli(['export', '--format', 'csv', '--excel', '--out', out]);
  const bytes = fs.readFileSync(out);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(bytes.toString('utf8'), /captured_at_source/);
  const dates = await cli(['dates', '--json']);
  assert.deepEqual(JSON.parse(dates.stdout), { bySource: { 'exif:DateTimeOriginal': 2 }, waitingForReread: 0 });
});
