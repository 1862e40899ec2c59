import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { refreshAlerts } from '../../main/core/geo/alerts.js';
import { ALERT_REPORT_COLUMNS, writeAlertsCsv, writeAlertsGeoJson, writeAlertsHtml } from '../../main/core/geo/export-alerts.js';
import { DARWIN_CORE_COLUMNS, writeDarwinCoreCsv } from '../../main/core/geo/export-darwin-core.js';
import { loadZonesFile } from '../../main/core/geo/zones.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { Library } from '../../main/core/library/index.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { writeCard } from '../fixtures/make-card.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Darwin Core terms as the standard lists them (TDWG, https://dwc.tdwg.org/list/; the
 * Occurrence core term list of the dwc repository, dist/dwc-a/dwc_occurrence_core_vertical.csv),
 * the ones an occurrence export of this station may use, with their normative IRIs.
 */
const DWC = 'http://rs.tdwg.org/dwc/terms/';
const STANDARD_TERMS: Record<string, string> = Object.fromEntries([
  // Record-level
  ...['basisOfRecord', 'informationWithheld', 'dataGeneralizations', 'dynamicProperties', 'institutionCode', 'collectionCode', 'datasetName', 'datasetID']
    .map((term) => [term, DWC + term]),
  ...['type', 'modified', 'language', 'license', 'rightsHolder', 'accessRights', 'bibliographicCitation', 'references']
    .map((term) => [term, `http://purl.org/dc/terms/${term}`]),
  // Occurrence
  ...['occurrenceID', 'catalogNumber', 'recordNumber', 'recordedBy', 'recordedByID', 'individualCount', 'organismQuantity', 'organismQuantityType',
    'lifeStage', 'establishmentMeans', 'degreeOfEstablishment', 'pathway', 'occurrenceStatus', 'associatedMedia', 'associatedReferences',
    'occurrenceRemarks'].map((term) => [term, DWC + term]),
  // Event
  ...['eventID', 'eventDate', 'eventTime', 'year', 'month', 'day', 'verbatimEventDate', 'habitat', 'samplingProtocol', 'eventRemarks']
    .map((term) => [term, DWC + term]),
  // Location
  ...['locationID', 'country', 'countryCode', 'stateProvince', 'locality', 'verbatimLocality', 'minimumElevationInMeters',
    'maximumElevationInMeters', 'decimalLatitude', 'decimalLongitude', 'geodeticDatum', 'coordinateUncertaintyInMeters',
    'coordinatePrecision', 'georeferencedBy', 'georeferencedDate', 'georeferenceProtocol', 'georeferenceSources', 'georeferenceRemarks']
    .map((term) => [term, DWC + term]),
  // Identification
  ...['identificationID', 'identificationQualifier', 'identifiedBy', 'identifiedByID', 'dateIdentified', 'identificationReferences',
    'identificationVerificationStatus', 'identificationRemarks'].map((term) => [term, DWC + term]),
  // Taxon
  ...['taxonID', 'scientificName', 'kingdom', 'phylum', 'class', 'order', 'family', 'genus', 'specificEpithet', 'taxonRank',
    'scientificNameAuthorship', 'vernacularName'].map((term) => [term, DWC + term]),
]);
const GBIF_REQUIRED = ['occurrenceID', 'basisOfRecord', 'scientificName', 'eventDate'];
const BASIS_OF_RECORD = ['PreservedSpecimen', 'FossilSpecimen', 'LivingSpecimen', 'MaterialSample', 'MaterialEntity', 'HumanObservation', 'MachineObservation', 'Occurrence', 'MaterialCitation'];

const HOGWEED = 'Heracleum mantegazzianum';
const BALSAM = 'Impatiens glandulifera';
const LABELS = [HOGWEED, BALSAM];
const geo = DEFAULT_SETTINGS.geo;
const dir = makeTempDir();
const databasePath = path.join(dir, 'library.sqlite');
let library: Library;
let ids: Record<string, number>;

before(async () => {
  const card = path.join(dir, 'card');
  await writeCard(card, {
    'DCIM/burst-1.JPG': { seed: 1, latitude: 46.7, longitude: 10.3, capturedAt: '2026-06-01T10:00:00', offset: '+02:00' },
    'DCIM/burst-2.JPG': { seed: 2, latitude: 46.70002, longitude: 10.30001, capturedAt: '2026-06-01T10:00:20', offset: '+02:00' },
    'DCIM/balsam.JPG': { seed: 3, latitude: 46.75, longitude: 10.25, capturedAt: '2026-06-02T09:00:00' },
    'DCIM/rejected.JPG': { seed: 4, latitude: 46.76, longitude: 10.26, capturedAt: '2026-06-02T09:30:00' },
  });
  library = Library.open(databasePath);
  await importFolder(library, card, { settings: resolveSettings({ databasePath }) });
  ids = Object.fromEntries(library.photos.query().map((photo) => [path.basename(photo.path), photo.id]));
  const model = library.models.add({ name: 'DEEP-OC invasive species', version: '2020-01-30', contentHash: 'd'.repeat(64), format: 'deepoc', sourcePath: dir, labels: LABELS, preprocessing: {} });
  const probabilities: Record<string, number[]> = { 'burst-1.JPG': [0.9, 0.1], 'burst-2.JPG': [0.6, 0.4], 'balsam.JPG': [0.2, 0.8], 'rejected.JPG': [0.7, 0.3] };
  for (const [name, p] of Object.entries(probabilities)) {
    library.predictions.save({ photoId: ids[name]!, modelId: model.id, labels: LABELS, probabilities: Float32Array.from(p), topK: 2 });
  }
  library.reviews.record({ photoId: ids['balsam.JPG']!, decision: 'confirmed', species: BALSAM, reviewer: 'A. Ranger' });
  library.reviews.record({ photoId: ids['rejected.JPG']!, decision: 'rejected' });
  fs.writeFileSync(
    path.join(dir, 'park.geojson'),
    JSON.stringify({ type: 'Feature', properties: { name: 'Parc Naziunal' }, geometry: { type: 'Polygon', coordinates: [[[10.0, 46.6], [10.4, 46.6], [10.4, 46.8], [10.0, 46.8], [10.0, 46.6]]] } }),
  );
  fs.writeFileSync(
    path.join(dir, 'zones.geojson'),
    JSON.stringify({ type: 'Feature', properties: { name: 'Il Fuorn' }, geometry: { type: 'Polygon', coordinates: [[[10.28, 46.68], [10.32, 46.68], [10.32, 46.72], [10.28, 46.72], [10.28, 46.68]]] } }),
  );
  loadZonesFile(library, path.join(dir, 'park.geojson'), 'park');
  loadZonesFile(library, path.join(dir, 'zones.geojson'), 'zone');
  refreshAlerts(library, geo);
});

test('Darwin Core CSV: every column is a Darwin Core term, spelled and namespaced as the standard lists it', async () => {
  for (const column of DARWIN_CORE_COLUMNS) {
    assert.equal(STANDARD_TERMS[column.term], column.iri, `${column.term} is a Darwin Core term with IRI ${column.iri}`);
  }
  const out = path.join(dir, 'occurrences.csv');
  await writeDarwinCoreCsv(library, geo, out);
  const header = (parse(fs.readFileSync(out, 'utf8'), { to_line: 1 }) as string[][])[0]!;
  assert.deepEqual(header, DARWIN_CORE_COLUMNS.map((column) => column.term));
  for (const term of GBIF_REQUIRED) assert.ok(header.includes(term), `GBIF needs ${term}`);
});

test('Darwin Core CSV: one occurrence per observation, Machine/HumanObservation, WGS84 coordinates, media of the burst', async () => {
  const out = path.join(dir, 'occurrences.csv');
  const counts = await writeDarwinCoreCsv(library, geo, out, { recordedBy: 'Parc Naziunal Svizzer rangers' });
  const rows = parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(counts.written, 2, 'the burst is one occurrence and the rejected photo is left out');
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.ok(BASIS_OF_RECORD.includes(row.basisOfRecord!));
    assert.match(row.occurrenceID!, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'the stored UUID of the observation\'s first photo');
    assert.equal(row.geodeticDatum, 'EPSG:4326');
    assert.equal(row.associatedMedia, '', 'no local path: photos are published only through the archive or a media base URL');
    assert.equal(row.occurrenceStatus, 'present');
    assert.equal(row.recordedBy, 'Parc Naziunal Svizzer rangers');
  }
  const burst = rows.find((row) => row.scientificName === HOGWEED)!;
  assert.equal(burst.basisOfRecord, 'MachineObservation');
  assert.match(burst.identificationVerificationStatus!, /^unverified/);
  assert.equal(burst.identifiedBy, 'DEEP-OC invasive species 2020-01-30 (image classifier)');
  assert.equal(burst.eventDate, '2026-06-01T10:00:00+02:00');
  assert.equal(burst.occurrenceRemarks, '2 photos of one observation (burst)');
  assert.match(burst.identificationRemarks!, /0\.750 \(mean over 2 photos\)/, 'group prediction = mean of the two photos');
  assert.equal(burst.locality, 'Il Fuorn');
  assert.equal(burst.coordinateUncertaintyInMeters, String(geo.positionUncertaintyMetres.exif));
  assert.ok(Math.abs(Number(burst.decimalLatitude) - 46.70001) < 1e-5);
  const balsam = rows.find((row) => row.scientificName === BALSAM)!;
  assert.equal(balsam.basisOfRecord, 'HumanObservation');
  assert.equal(balsam.identifiedBy, 'A. Ranger');
  assert.match(balsam.dateIdentified!, /^\d{4}-\d{2}-\d{2}T/);
  assert.equal(balsam.locality, 'in the park, no zone');
  const confirmedOnly = await writeDarwinCoreCsv(library, geo, out, { confirmedOnly: true, recordedBy: '=HYPERLINK("http://x")' });
  assert.equal(confirmedOnly.written, 1);
  const [only] = parse(fs.readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(only!.scientificName, BALSAM);
  assert.equal(only!.recordedBy, `'=HYPERLINK("http://x")`, 'formula cells are neutralised');
});

test('alerts CSV and GeoJSON report every alert with its state, evidence and photos', async () => {
  const zoneAlert = library.alerts.list({ kind: 'new-zone' })[0]!;
  library.alerts.dismiss(zoneAlert.id, '=known <planting>');
  const csvPath = path.join(dir, 'alerts.csv');
  const csv = await writeAlertsCsv(library, csvPath);
  const rows = parse(fs.readFileSync(csvPath, 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(csv.written, library.alerts.list().length);
  assert.deepEqual(Object.keys(rows[0]!), [...ALERT_REPORT_COLUMNS]);
  const dismissed = rows.find((row) => Number(row.alert_id) === zoneAlert.id)!;
  assert.equal(dismissed.state, 'dismissed');
  assert.equal(dismissed.dismiss_reason, "'=known <planting>");
  assert.equal(dismissed.evidence, 'predicted');
  assert.equal(dismissed.sightings, '1');
  assert.equal(dismissed.photos, '2');
  assert.deepEqual([...new Set(rows.filter((row) => row.kind === 'new-species').map((row) => row.place))], ['first record at this station']);

  const geojsonPath = path.join(dir, 'alerts.geojson');
  await writeAlertsGeoJson(library, geojsonPath, { state: 'dismissed' });
  const collection = JSON.parse(fs.readFileSync(geojsonPath, 'utf8')) as { features: { id: number; geometry: { type: string; coordinates: number[][] } }[] };
  assert.deepEqual(collection.features.map((feature) => feature.id), [zoneAlert.id]);
  assert.equal(collection.features[0]!.geometry.type, 'MultiPoint');
  assert.equal(collection.features[0]!.geometry.coordinates.length, 2);
  assert.ok(Math.abs(collection.features[0]!.geometry.coordinates[0]![0]! - 10.3) < 1e-4, '[longitude, latitude] order');
});

test('the HTML report is self-contained and printable, with one SVG map per alert', async () => {
  const out = path.join(dir, 'alerts.html');
  const { written } = await writeAlertsHtml(library, out);
  const html = fs.readFileSync(out, 'utf8');
  assert.ok(written > 0);
  assert.equal(html.match(/<section class="alert/g)?.length, written);
  assert.equal(html.match(/<svg /g)?.length, written);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no scripts, no links to fetch');
  assert.match(html, /fill-rule="evenodd"/, 'zones are drawn');
  assert.match(html, /<circle /, 'photos are drawn');
  assert.match(html, /PREDICTED/);
  assert.match(html, /first record at this station/, 'a new species reads as never recorded here before');
  assert.doesNotMatch(html, /the library/);
  assert.match(html, /=known &#60;planting&#62;/, 'text is escaped');
  assert.match(html, /@media print/);
});
