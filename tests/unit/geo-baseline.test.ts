import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StationError } from '../../main/core/errors.js';
import { importBaselineFile, parseBaselineCsv, parseBaselineGeoJson } from '../../main/core/geo/baseline.js';
import { Library } from '../../main/core/library/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

test('baseline CSV: our column names or Darwin Core ones, a BOM, optional dates', () => {
  const ours = parseBaselineCsv('species,latitude,longitude,date\nFallopia japonica,46.61,10.21,2018-08-01\nFallopia japonica,46.62,10.22,\n', 'a.csv');
  assert.deepEqual(ours, [
    { species: 'Fallopia japonica', latitude: 46.61, longitude: 10.21, observedOn: '2018-08-01' },
    { species: 'Fallopia japonica', latitude: 46.62, longitude: 10.22, observedOn: null },
  ]);
  const gbif = parseBaselineCsv('\uFEFFgbifID,scientificName,decimalLatitude,decimalLongitude,eventDate\n1,Solidago canadensis,-33.95,18.42,2020-01-05T10:00:00\n', 'gbif.csv');
  assert.deepEqual(gbif, [{ species: 'Solidago canadensis', latitude: -33.95, longitude: 18.42, observedOn: '2020-01-05T10:00:00' }]);
});

test('baseline CSV errors name the file, the line and what is wrong', () => {
  const refuse = (text: string, pattern: RegExp) =>
    assert.throws(() => parseBaselineCsv(text, 'past.csv'), (error: unknown) => error instanceof StationError && error.code === 'BASELINE_INVALID' && pattern.test(error.message) && error.message.startsWith('past.csv'));
  refuse('species,lat\nA,1\n', /no longitude column/);
  refuse('species,latitude,longitude\nA,46.6,10.2\nB,north,10.2\n', /line 3 has no WGS84 decimal latitude\/longitude/);
  refuse('species,latitude,longitude\n,46.6,10.2\n', /line 2 has no species/);
  refuse('species,latitude,longitude,date\nA,46.6,10.2,last summer\n', /line 2 has a date that is not an ISO date/);
  refuse('species,latitude,longitude\n', /no records/);
});

test('baseline GeoJSON: Point and MultiPoint features with a species property', () => {
  const records = parseBaselineGeoJson(
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { scientificName: 'Ailanthus altissima', eventDate: '2017' }, geometry: { type: 'Point', coordinates: [10.3, 46.7] } },
        { type: 'Feature', properties: { species: 'Robinia pseudoacacia' }, geometry: { type: 'MultiPoint', coordinates: [[10.31, 46.71], [10.32, 46.72]] } },
      ],
    }),
    'past.geojson',
  );
  assert.deepEqual(records.map((record) => [record.species, record.latitude, record.longitude, record.observedOn]), [
    ['Ailanthus altissima', 46.7, 10.3, '2017'],
    ['Robinia pseudoacacia', 46.71, 10.31, null],
    ['Robinia pseudoacacia', 46.72, 10.32, null],
  ]);
  assert.throws(
    () => parseBaselineGeoJson(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { species: 'A' }, geometry: { type: 'Polygon', coordinates: [] } }] }), 'p.geojson'),
    /feature 0 is a Polygon; past records must be Point features/,
  );
});

test('importing the same records twice stores them once', () => {
  const dir = makeTempDir();
  const library = Library.open(path.join(dir, 'library.sqlite'));
  try {
    const file = path.join(dir, 'past.csv');
    fs.writeFileSync(file, 'species,latitude,longitude,date\nA,46.6,10.2,2019-01-01\nA,46.6,10.2,\nA,46.6,10.2,\n');
    assert.deepEqual(importBaselineFile(library, file), { records: 3, added: 2 });
    assert.deepEqual(importBaselineFile(library, file), { records: 3, added: 0 });
    assert.equal(library.baseline.count(), 2);
  } finally {
    library.close();
  }
});
