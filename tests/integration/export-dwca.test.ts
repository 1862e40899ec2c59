import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import exifr from 'exifr';
import sharp from 'sharp';
import { updateDatasetMetadata } from '../../main/core/geo/dataset-metadata.js';
import { writeDarwinCoreCsv } from '../../main/core/geo/export-darwin-core.js';
import { MULTIMEDIA_ROW_TYPE, OCCURRENCE_ROW_TYPE, writeDarwinCoreArchive } from '../../main/core/geo/export-dwca.js';
import { loadTaxonMapping } from '../../main/core/geo/taxa.js';
import { refreshObservationGroups } from '../../main/core/geo/observations.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { intake } from '../../main/core/intake/intake.js';
import { Library } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { withXmpSegment, xmpPacket } from '../fixtures/embed-metadata.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeJpegWithExif } from '../fixtures/make-photo.js';
import { readZip } from '../helpers/read-zip.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { checkEmlXml, checkMetaXml } from '../helpers/xml-schemas.js';

const BALSAM = 'Impatiens glandulifera';
const ROSES = 'roses';
const LABELS = [BALSAM, ROSES];
const geo = DEFAULT_SETTINGS.geo;
const dir = makeTempDir();
const databasePath = path.join(dir, 'library.sqlite');
let library: Library;
let ids: Record<string, number>;

/** Parses a tab-separated archive file with a header line into records. */
function readTsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.split('\n').filter((line) => line.length > 0);
  const names = header!.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((value, index) => [names[index]!, value])));
}

before(async () => {
  const card = path.join(dir, 'card');
  await writeCard(card, {
    // Swiss National Park, far from any border: CH. A burst of two photos of one plant.
    'DCIM/burst-1.JPG': { seed: 1, latitude: 46.7, longitude: 10.2, capturedAt: '2026-06-01T10:00:00', offset: '+02:00', make: 'Canon', model: 'EOS 80D' },
    'DCIM/burst-2.JPG': { seed: 2, latitude: 46.70002, longitude: 10.20001, capturedAt: '2026-06-01T10:00:20', offset: '+02:00', make: 'Canon', model: 'EOS 80D' },
    // 500 m from the Italian border at Müstair/Val Müstair: no country code.
    'DCIM/border.JPG': { seed: 3, latitude: 46.6245, longitude: 10.4505, capturedAt: '2026-06-02T09:00:00', offset: '+02:00' },
    // A flower-model class that is no scientific name.
    'DCIM/rose.JPG': { seed: 4, latitude: 46.71, longitude: 10.21, capturedAt: '2026-06-03T09:00:00', offset: '+02:00' },
    // Stored 96x64 with EXIF orientation 6: upright it is 64x96.
    'DCIM/rotated.JPG': { seed: 6, width: 96, height: 64, orientation: 6, latitude: 46.68, longitude: 10.18, capturedAt: '2026-06-05T09:00:00', offset: '+02:00' },
  });
  // A phone photo whose only date is in XMP.
  fs.writeFileSync(path.join(card, 'DCIM/phone.jpg'), withXmpSegment(await makeJpegWithExif({ seed: 5, latitude: 46.69, longitude: 10.19, make: 'Phone' }), xmpPacket({ 'xmp:CreateDate': '2026-06-04T11:00:00+02:00' })));
  library = Library.open(databasePath);
  await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
  ids = Object.fromEntries(library.photos.query().map((photo) => [path.basename(photo.path), photo.id]));
  const model = library.models.add({ name: 'Park model', version: '1', contentHash: 'e'.repeat(64), format: 'onnx', sourcePath: dir, labels: LABELS, preprocessing: {} });
  library.models.setActive(model.id);
  const probabilities: Record<string, number[]> = { 'burst-1.JPG': [0.9, 0.1], 'burst-2.JPG': [0.8, 0.2], 'border.JPG': [0.7, 0.3], 'rose.JPG': [0.1, 0.9], 'phone.jpg': [0.95, 0.05], 'rotated.JPG': [0.9, 0.1] };
  for (const [name, p] of Object.entries(probabilities)) {
    library.predictions.save({ photoId: ids[name]!, modelId: model.id, labels: LABELS, probabilities: Float32Array.from(p), topK: 2 });
  }
  library.reviews.record({ photoId: ids['phone.jpg']!, decision: 'confirmed', species: BALSAM, reviewer: 'A. Ranger' });
  refreshObservationGroups(library, geo);
  updateDatasetMetadata(library, {
    title: 'Invasive plants of the Parc Naziunal 2026',
    publisher: 'Parc Naziunal Svizzer',
    contactName: 'Anna Ranger',
    contactEmail: 'ranger@example.org',
    licence: 'CC-BY-NC-4.0',
    geographicDescription: 'Swiss National Park, Graubünden',
  });
});

test('the archive holds meta.xml, eml.xml, occurrence.txt and multimedia.txt, and both XML files pass the published schemas', async () => {
  const out = path.join(dir, 'dwca.zip');
  const result = await writeDarwinCoreArchive(library, geo, out);
  const entries = await readZip(out);
  assert.deepEqual([...entries.keys()].sort(), ['eml.xml', 'meta.xml', 'multimedia.txt', 'occurrence.txt']);
  const meta = entries.get('meta.xml')!.toString('utf8');
  const eml = entries.get('eml.xml')!.toString('utf8');
  assert.deepEqual(await checkMetaXml(meta), { valid: true, errors: [] });
  assert.deepEqual(await checkEmlXml(eml), { valid: true, errors: [] });
  assert.match(meta, new RegExp(`rowType="${OCCURRENCE_ROW_TYPE}"`));
  assert.match(meta, new RegExp(`rowType="${MULTIMEDIA_ROW_TYPE}"`));
  // meta.xml's fields match occurrence.txt's header, column by column.
  const header = entries.get('occurrence.txt')!.toString('utf8').split('\n')[0]!.split('\t');
  const coreTerms = [...meta.split('</core>')[0]!.matchAll(/<field index="(\d+)" term="([^"]+)"/g)].map((match) => match[2]!.split('/').pop());
  assert.deepEqual(coreTerms, header);
  assert.match(eml, /<title xml:lang="en">Invasive plants of the Parc Naziunal 2026<\/title>/);
  assert.match(eml, /<organizationName>Parc Naziunal Svizzer<\/organizationName>/);
  assert.match(eml, /<electronicMailAddress>ranger@example.org<\/electronicMailAddress>/);
  assert.match(eml, /by-nc\/4\.0/);
  assert.match(eml, /<beginDate><calendarDate>2026-06-01<\/calendarDate><\/beginDate>/);
  assert.match(eml, /<endDate><calendarDate>2026-06-05<\/calendarDate><\/endDate>/);
  assert.match(eml, /<geographicDescription>Swiss National Park, Graubünden<\/geographicDescription>/);
  assert.equal(result.written, 4, 'the burst is one occurrence; roses has no scientific name');
  assert.deepEqual(result.withoutTaxon, { [ROSES]: 1 });
});

test('occurrences: stable UUID ids, eventDate with offset, WGS84 with uncertainty, countryCode (empty near a border), taxon, licence', async () => {
  const out = path.join(dir, 'dwca.zip');
  await writeDarwinCoreArchive(library, geo, out);
  const rows = readTsv((await readZip(out)).get('occurrence.txt')!.toString('utf8'));
  const byDate = Object.fromEntries(rows.map((row) => [row.eventDate!.slice(0, 10), row]));
  const burst = byDate['2026-06-01']!;
  assert.equal(burst.occurrenceID, library.photos.get(ids['burst-1.JPG']!)!.occurrenceId, 'named by the first photo of the burst');
  assert.match(burst.occurrenceID!, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(burst.eventDate, '2026-06-01T10:00:00+02:00');
  assert.equal(burst.basisOfRecord, 'MachineObservation');
  assert.equal(burst.scientificName, BALSAM);
  assert.equal(burst.kingdom, 'Plantae');
  assert.equal(burst.taxonRank, 'species');
  assert.equal(burst.countryCode, 'CH');
  assert.equal(burst.geodeticDatum, 'EPSG:4326');
  assert.equal(burst.coordinateUncertaintyInMeters, String(geo.positionUncertaintyMetres.exif));
  assert.equal(burst.license, 'http://creativecommons.org/licenses/by-nc/4.0/legalcode');
  assert.equal(burst.associatedMedia, '', 'no media: neither --with-photos nor a base URL');
  assert.equal(byDate['2026-06-02']!.countryCode, '', 'within a few km of the Italian border');
  const phone = byDate['2026-06-04']!;
  assert.equal(phone.eventDate, '2026-06-04T11:00:00+02:00', 'the XMP-only date is the eventDate');
  assert.equal(phone.basisOfRecord, 'HumanObservation');
  assert.equal(phone.identificationVerificationStatus, 'verified by a ranger from the photos');
  for (const row of rows) assert.doesNotMatch(Object.values(row).join('\t'), /\/card\/|DCIM/, 'no local path leaves the station');
});

test('occurrence ids do not change when bursts regroup', async () => {
  const out = path.join(dir, 'dwca.zip');
  await writeDarwinCoreArchive(library, geo, out);
  const before = readTsv((await readZip(out)).get('occurrence.txt')!.toString('utf8')).map((row) => row.occurrenceID).sort();
  // Regrouped with a 1-second burst window: the burst splits in two; its first photo keeps the id.
  refreshObservationGroups(library, { ...geo, burstSeconds: 1, burstEmbeddingSimilarity: 2 });
  await writeDarwinCoreArchive(library, { ...geo, burstSeconds: 1, burstEmbeddingSimilarity: 2 }, out);
  const after = readTsv((await readZip(out)).get('occurrence.txt')!.toString('utf8')).map((row) => row.occurrenceID);
  for (const id of before) assert.ok(after.includes(id), `occurrence ${id} keeps its id`);
  assert.ok(after.includes(library.photos.get(ids['burst-2.JPG']!)!.occurrenceId), 'the split-off photo gets its own stored id');
  refreshObservationGroups(library, geo);
});

test('a taxon mapping gives classes that are not scientific names their taxon; unknown classes are refused and nothing is loaded', async () => {
  const bad = path.join(dir, 'bad-taxa.csv');
  fs.writeFileSync(bad, `class,scientificName,kingdom,taxonRank\n${ROSES},Rosa,Plantae,genus\nsunflowers,Helianthus annuus,Plantae,species\n`);
  assert.throws(() => loadTaxonMapping(library, bad), rejectsWith('TAXON_MAPPING_INVALID', /1 class is not in model Park model 1: "sunflowers" \(nor a species name a ranger gave\).*Nothing was loaded/));
  assert.deepEqual(library.taxa.list(), [], 'the valid row of a refused file is not stored either');

  const good = path.join(dir, 'taxa.csv');
  fs.writeFileSync(good, `class,scientificName,kingdom,taxonRank,vernacularName\n${ROSES},Rosa,Plantae,genus,rose\n`);
  assert.equal(loadTaxonMapping(library, good).loaded, 1);
  const out = path.join(dir, 'dwca.zip');
  const result = await writeDarwinCoreArchive(library, geo, out);
  assert.deepEqual(result.withoutTaxon, {});
  const rose = readTsv((await readZip(out)).get('occurrence.txt')!.toString('utf8')).find((row) => row.scientificName === 'Rosa')!;
  assert.equal(rose.taxonRank, 'genus');
  assert.equal(rose.vernacularName, 'rose');
});

test('--with-photos puts stripped, upright photos in the archive and multimedia rows point at them', async () => {
  const out = path.join(dir, 'with-photos.zip');
  const result = await writeDarwinCoreArchive(library, geo, out, { withPhotos: true });
  const entries = await readZip(out);
  const media = readTsv(entries.get('multimedia.txt')!.toString('utf8'));
  assert.equal(media.length, result.media);
  assert.ok(media.length >= 4);
  for (const row of media) {
    assert.match(row.identifier!, /^media\/[0-9a-f-]{36}\.jpg$/);
    const jpeg = entries.get(row.identifier!);
    assert.ok(jpeg, `${row.identifier} is inside the archive`);
    const tags = await exifr.parse(jpeg!, { tiff: true, xmp: true, iptc: true, gps: true });
    assert.equal(tags?.Make, undefined, 'camera make stripped');
    assert.equal(tags?.latitude, undefined, 'GPS stripped');
    assert.equal(row.type, 'StillImage');
    assert.equal(row.format, 'image/jpeg');
    assert.equal(row.license, 'http://creativecommons.org/licenses/by-nc/4.0/legalcode');
  }
  const rotatedId = library.photos.get(ids['rotated.JPG']!)!.occurrenceId;
  const rotated = await sharp(entries.get(`media/${rotatedId}.jpg`)!).metadata();
  assert.deepEqual([rotated.width, rotated.height, rotated.orientation], [64, 96, undefined], 'turned upright, no orientation tag left');
  const occurrences = readTsv(entries.get('occurrence.txt')!.toString('utf8'));
  const occurrenceIds = new Set(occurrences.map((row) => row.occurrenceID));
  for (const row of media) assert.ok(occurrenceIds.has(row.occurrenceID), 'each media row belongs to an occurrence');
  assert.deepEqual(await checkMetaXml(entries.get('meta.xml')!.toString('utf8')), { valid: true, errors: [] });
});

test('with a media base URL, multimedia rows point at it, never at a local path', async () => {
  updateDatasetMetadata(library, { mediaBaseUrl: 'https://photos.example.org/park/' });
  try {
    const out = path.join(dir, 'base-url.zip');
    await writeDarwinCoreArchive(library, geo, out);
    const media = readTsv((await readZip(out)).get('multimedia.txt')!.toString('utf8'));
    assert.ok(media.length >= 4);
    for (const row of media) assert.match(row.identifier!, /^https:\/\/photos\.example\.org\/park\/media\/[0-9a-f-]{36}\.jpg$/);
  } finally {
    updateDatasetMetadata(library, { mediaBaseUrl: null });
  }
});

test('an unwritable archive path is refused clearly, before any work, and nothing is left behind', async () => {
  await assert.rejects(writeDarwinCoreArchive(library, geo, path.join(dir, 'no-such-folder', 'dwca.zip')), rejectsWith('EXPORT_FAILED', /no-such-folder does not exist/));
  fs.mkdirSync(path.join(dir, 'taken.zip'));
  await assert.rejects(writeDarwinCoreArchive(library, geo, path.join(dir, 'taken.zip')), rejectsWith('EXPORT_FAILED', /a folder has that name/));
  if (process.getuid?.() !== 0) {
    const readOnly = path.join(dir, 'read-only');
    fs.mkdirSync(readOnly, { mode: 0o555 });
    await assert.rejects(writeDarwinCoreArchive(library, geo, path.join(readOnly, 'dwca.zip')), rejectsWith('EXPORT_FAILED', /is not writable/));
  }
  assert.deepEqual(fs.readdirSync(dir).filter((name) => name.includes('.partial')), []);
  assert.equal(library.photos.count(), 6, 'the library is untouched');
});

test('an archive that would hold no occurrences is refused, saying why, and nothing is written', async () => {
  const empty = Library.open(path.join(dir, 'empty.sqlite'));
  try {
    for (const withPhotos of [false, true]) {
      const out = path.join(dir, `empty-${withPhotos}.zip`);
      await assert.rejects(writeDarwinCoreArchive(empty, geo, out, { withPhotos }), rejectsWith('EXPORT_FAILED', /empty-(true|false)\.zip would hold no occurrences, so it was not written: the library has no observations yet/));
      assert.equal(fs.existsSync(out), false);
    }
  } finally {
    empty.close();
  }
  assert.deepEqual(fs.readdirSync(dir).filter((name) => name.includes('.partial')), []);
});

test('bad dataset settings are refused with what to do', () => {
  assert.throws(() => updateDatasetMetadata(library, { licence: 'CC-BY-SA-4.0' }), /not one GBIF accepts: use CC0-1.0, CC-BY-4.0, CC-BY-NC-4.0/);
  assert.throws(() => updateDatasetMetadata(library, { mediaBaseUrl: '/home/ranger/photos' }), /not an http\(s\) URL/);
});

test('the Darwin Core CSV uses the dataset licence and media base URL too, and --excel adds a BOM', async () => {
  updateDatasetMetadata(library, { mediaBaseUrl: 'https://photos.example.org/park' });
  try {
    const out = path.join(dir, 'occurrences.csv');
    await writeDarwinCoreCsv(library, geo, out, { excel: true });
    const bytes = fs.readFileSync(out);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const rows = parse(bytes.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
    const burst = rows.find((row) => row.eventDate === '2026-06-01T10:00:00+02:00')!;
    assert.equal(burst.license, 'http://creativecommons.org/licenses/by-nc/4.0/legalcode');
    assert.equal(burst.associatedMedia!.split(' | ').length, 2);
    for (const media of burst.associatedMedia!.split(' | ')) assert.match(media, /^https:\/\/photos\.example\.org\/park\/media\/[0-9a-f-]{36}\.jpg$/);
  } finally {
    updateDatasetMetadata(library, { mediaBaseUrl: null });
  }
});

test('--with-photos never takes a different file found at a photo\'s path (a reused card): it is left out and named', async () => {
  const borderPath = library.photos.get(ids['border.JPG']!)!.path;
  const original = fs.readFileSync(borderPath);
  fs.writeFileSync(borderPath, await makeJpegWithExif({ seed: 99 }));
  try {
    const out = path.join(dir, 'reused-card.zip');
    const result = await writeDarwinCoreArchive(library, geo, out, { withPhotos: true });
    assert.match(result.photosMissing[borderPath] ?? '', /now holds a different file/);
    const entries = await readZip(out);
    const borderId = library.photos.get(ids['border.JPG']!)!.occurrenceId;
    assert.ok(!entries.has(`media/${borderId}.jpg`));
    assert.doesNotMatch(entries.get('multimedia.txt')!.toString('utf8'), new RegExp(borderId));
  } finally {
    fs.writeFileSync(borderPath, original);
  }
});

test('listed invasives get establishmentMeans "introduced" and degreeOfEstablishment "invasive"; other species neither', async () => {
  const out = path.join(dir, 'listed.zip');
  await writeDarwinCoreArchive(library, { ...geo, invasiveSpecies: [BALSAM] }, out);
  const rows = readTsv((await readZip(out)).get('occurrence.txt')!.toString('utf8'));
  for (const row of rows) {
    const listed = row.scientificName === BALSAM;
    assert.equal(row.establishmentMeans, listed ? 'introduced' : '', row.scientificName);
    assert.equal(row.degreeOfEstablishment, listed ? 'invasive' : '', row.scientificName);
  }
  assert.ok(rows.some((row) => row.scientificName !== BALSAM), 'an unlisted species is in the archive');
  const hooked = await writeDarwinCoreArchive(library, geo, out, { isListedInvasive: (name) => name === 'Rosa' });
  assert.ok(hooked.written > 0);
  const rose = readTsv((await readZip(out)).get('occurrence.txt')!.toString('utf8')).find((row) => row.scientificName === 'Rosa')!;
  assert.equal(rose.degreeOfEstablishment, 'invasive', 'the watch-list hook decides when given');
});

test('a species name a ranger typed in a correction can be mapped too (runs last: it adds a review)', async () => {
  library.reviews.record({ photoId: ids['rose.JPG']!, decision: 'corrected', species: 'wild rose', reviewer: 'A. Ranger' });
  const out = path.join(dir, 'corrected.zip');
  assert.deepEqual((await writeDarwinCoreArchive(library, geo, out)).withoutTaxon, { 'wild rose': 1 });
  const taxa = path.join(dir, 'ranger-taxa.csv');
  fs.writeFileSync(taxa, 'class,scientificName,kingdom,taxonRank\nwild rose,Rosa canina,Plantae,species\n');
  assert.equal(loadTaxonMapping(library, taxa).loaded, 1);
  await writeDarwinCoreArchive(library, geo, out);
  const row = readTsv((await readZip(out)).get('occurrence.txt')!.toString('utf8')).find((candidate) => candidate.scientificName === 'Rosa canina')!;
  assert.equal(row.basisOfRecord, 'HumanObservation');
});

test('the park\'s watch list marks its species introduced / invasive in the archive', async () => {
  library.speciesList.save([{ species: BALSAM, watchList: true, priority: 1, minScore: null, alertsOn: true, canOccur: true, note: null }], 'A. Ranger');
  const out = path.join(dir, 'watch-list.zip');
  await writeDarwinCoreArchive(library, geo, out);
  const rows = readTsv((await readZip(out)).get('occurrence.txt')!.toString('utf8'));
  const balsam = rows.filter((row) => row.scientificName === BALSAM);
  assert.ok(balsam.length > 0);
  for (const row of balsam) assert.deepEqual([row.establishmentMeans, row.degreeOfEstablishment], ['introduced', 'invasive']);
  for (const row of rows.filter((candidate) => candidate.scientificName !== BALSAM)) assert.equal(row.degreeOfEstablishment, '');
});

test('eml.xml carries the most restrictive licence among the records: a visitor\'s CC-BY photo makes a CC0 dataset CC-BY', async () => {
  const own = path.join(dir, 'licence-card');
  await writeCard(own, { 'DCIM/own.JPG': { seed: 31, latitude: 46.7, longitude: 10.2, capturedAt: '2026-06-01T10:00:00', offset: '+02:00' } });
  const licenceDb = path.join(dir, 'licence', 'library.sqlite');
  fs.mkdirSync(path.dirname(licenceDb), { recursive: true });
  const open = Library.open(licenceDb);
  const settings = resolveSettings({ databasePath: licenceDb });
  try {
    await importFolder(open, own, { settings });
    updateDatasetMetadata(open, { licence: 'CC0-1.0', mediaBaseUrl: 'https://example.org/park' });
    for (const photo of open.photos.query()) open.reviews.record({ photoId: photo.id, decision: 'confirmed', species: BALSAM, reviewer: 'A. Ranger' });
    const licenceOf = async (out: string) => {
      await writeDarwinCoreArchive(open, settings.geo, out);
      const entries = await readZip(out);
      const eml = entries.get('eml.xml')!.toString('utf8');
      await checkEmlXml(eml);
      return { eml: /<identifier>([^<]+)<\/identifier>/.exec(eml)?.[1], occurrences: readTsv(entries.get('occurrence.txt')!.toString('utf8')), media: readTsv(entries.get('multimedia.txt')!.toString('utf8')) };
    };
    const ownOnly = await licenceOf(path.join(dir, 'licence-1.zip'));
    assert.equal(ownOnly.eml, 'CC0-1.0', 'only the station\'s own records: the dataset setting');

    // A visitor who consented to be named gives a CC-BY photo.
    const visitors = path.join(dir, 'licence-visitors', 'ana');
    fs.mkdirSync(visitors, { recursive: true });
    fs.writeFileSync(path.join(visitors, 'ana.jpg'), await makeJpegWithExif({ seed: 32, latitude: 46.75, longitude: 10.25, capturedAt: '2026-06-02T10:00:00', offset: '+02:00' }));
    fs.writeFileSync(path.join(visitors, 'submission.json'), JSON.stringify({ name: 'Ana Visitor', licence: 'CC-BY-4.0', consent: 'yes' }));
    await intake(open, path.dirname(visitors), { settings });
    for (const photo of open.photos.query()) if (!photo.path.endsWith('own.JPG')) open.reviews.record({ photoId: photo.id, decision: 'confirmed', species: BALSAM, reviewer: 'A. Ranger' });
    const mixed = await licenceOf(path.join(dir, 'licence-2.zip'));
    assert.equal(mixed.eml, 'CC-BY-4.0');
    assert.match((await readZip(path.join(dir, 'licence-2.zip'))).get('eml.xml')!.toString('utf8'), /<url>http:\/\/creativecommons\.org\/licenses\/by\/4\.0\/legalcode<\/url>/);
    assert.deepEqual(mixed.occurrences.map((row) => row.license).sort(), ['http://creativecommons.org/licenses/by/4.0/legalcode', 'http://creativecommons.org/publicdomain/zero/1.0/legalcode']);
    assert.equal(mixed.media.filter((row) => row.license === 'http://creativecommons.org/licenses/by/4.0/legalcode').length, 1, 'the visitor\'s photo keeps its own licence in multimedia.txt too');
    assert.equal(mixed.media.filter((row) => row.license === 'http://creativecommons.org/publicdomain/zero/1.0/legalcode').length, 1, 'the station\'s own photo keeps the dataset licence');
  } finally {
    open.close();
  }
});
