import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StationError } from '../../main/core/errors.js';
import { loadZonesFile, OUTSIDE_THE_PARK, parseZonesGeoJson, ZoneIndex } from '../../main/core/geo/zones.js';
import { Library } from '../../main/core/library/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Around the Swiss National Park (WGS84): a park with a village enclave (a hole), two
// management zones meeting along longitude 10.2, the east one a MultiPolygon with an islet.
const PARK = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { name: 'Parc Naziunal' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [[10.0, 46.6], [10.4, 46.6], [10.4, 46.8], [10.0, 46.8], [10.0, 46.6]],
          [[10.1, 46.65], [10.15, 46.65], [10.15, 46.7], [10.1, 46.7], [10.1, 46.65]],
        ],
      },
    },
  ],
};
const ZONES = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { name: 'Val Trupchun', code: 'T' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [[10.0, 46.6], [10.2, 46.6], [10.2, 46.8], [10.0, 46.8], [10.0, 46.6]],
          [[10.1, 46.65], [10.15, 46.65], [10.15, 46.7], [10.1, 46.7], [10.1, 46.65]],
        ],
      },
    },
    {
      type: 'Feature',
      properties: { name: 'Ofenpass', code: 'O' },
      geometry: {
        type: 'MultiPolygon',
        coordinates: [
          [[[10.2, 46.6], [10.4, 46.6], [10.4, 46.8], [10.2, 46.8], [10.2, 46.6]]],
          [[[10.5, 46.7], [10.52, 46.7], [10.52, 46.72], [10.5, 46.72], [10.5, 46.7]]],
        ],
      },
    },
  ],
};

function index(): ZoneIndex {
  const park = parseZonesGeoJson(JSON.stringify(PARK), 'park.geojson', 'park');
  const zones = parseZonesGeoJson(JSON.stringify(ZONES), 'zones.geojson', 'zone');
  return new ZoneIndex([...park, ...zones].map((zone, id) => ({ ...zone, id: id + 1, sourcePath: null, loadedAt: '' })));
}

test('points a metre either side of the border between two zones fall in different zones', () => {
  const zones = index();
  // 0.00002° of longitude at 46.7° N is about 1.5 m.
  assert.equal(zones.locate(46.7, 10.19999).zone?.name, 'Val Trupchun');
  assert.equal(zones.locate(46.7, 10.20001).zone?.name, 'Ofenpass');
  assert.equal(zones.locate(46.7, 10.19999).insidePark, true);
});

test('a point exactly on a shared border gets one zone, deterministically', () => {
  const zones = index();
  const onBorder = zones.locate(46.7, 10.2);
  assert.ok(onBorder.zone, 'a border point is in a zone');
  assert.equal(zones.locate(46.7, 10.2).zone?.name, onBorder.zone.name);
});

test('holes are respected: the village enclave is outside the park and outside the zone around it', () => {
  const zones = index();
  const village = zones.locate(46.675, 10.125);
  assert.equal(village.zone, null);
  assert.equal(village.insidePark, false);
  assert.equal(village.label, OUTSIDE_THE_PARK);
  // Just outside the hole's edge: back in the zone.
  assert.equal(zones.locate(46.675, 10.0999).zone?.name, 'Val Trupchun');
});

test('every part of a MultiPolygon counts, and points beyond the boundary are outside the park', () => {
  const zones = index();
  const islet = zones.locate(46.71, 10.51);
  assert.equal(islet.zone?.name, 'Ofenpass');
  assert.equal(islet.insidePark, false, 'the islet lies outside the park boundary');
  const far = zones.locate(47.0, 10.3);
  assert.equal(far.zone, null);
  assert.equal(far.label, OUTSIDE_THE_PARK);
});

test('the southern hemisphere and western longitudes work the same (Table Mountain, negative coordinates)', () => {
  const zone = {
    type: 'Polygon',
    coordinates: [[[18.38, -34.0], [18.45, -34.0], [18.45, -33.94], [18.38, -33.94], [18.38, -34.0]]],
  };
  const parsed = parseZonesGeoJson(JSON.stringify(zone), 'cape.geojson', 'zone');
  const zones = new ZoneIndex(parsed.map((row) => ({ ...row, id: 1, sourcePath: null, loadedAt: '' })));
  assert.equal(zones.locate(-33.96, 18.41).zone?.name, 'zone 1');
  assert.equal(zones.locate(-33.93, 18.41).zone, null);
  assert.deepEqual(parsed[0]!.bbox, [18.38, -34.0, 18.45, -33.94]);
});

test('invalid GeoJSON is refused with the feature and what is wrong', () => {
  const expectError = (document: unknown, pattern: RegExp) =>
    assert.throws(
      () => parseZonesGeoJson(typeof document === 'string' ? document : JSON.stringify(document), 'zones.geojson', 'zone'),
      (error: unknown) => error instanceof StationError && error.code === 'GEOJSON_INVALID' && pattern.test(error.message) && /zones\.geojson/.test(error.message),
    );
  expectError('{ not json', /not valid JSON/);
  expectError({ type: 'FeatureCollection', features: [] }, /no features/);
  expectError({ type: 'Feature', properties: { name: 'Spring' }, geometry: { type: 'Point', coordinates: [10, 46] } }, /feature 0 is a Point/);
  const open = structuredClone(ZONES);
  open.features[1]!.geometry.coordinates[0]![0]!.pop();
  expectError(open, /feature 1, polygon 0, outer ring is not closed/);
  const projected = structuredClone(PARK);
  projected.features[0]!.geometry.coordinates[0]![1] = [2_800_000, 1_170_000];
  expectError(projected, /looks projected/);
  const twice = { type: 'FeatureCollection', features: [ZONES.features[0], ZONES.features[0]] };
  expectError(twice, /features 0 and 1 have the same name/);
  expectError({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[10, 46], [10.1, 46], [10, 46]]] } }, /at least 4/);
});

test('loading zones replaces the previous ones of that kind, keeps the park, and names come from the chosen property', () => {
  const dir = makeTempDir();
  const library = Library.open(path.join(dir, 'library.sqlite'));
  try {
    fs.writeFileSync(path.join(dir, 'park.geojson'), JSON.stringify(PARK));
    fs.writeFileSync(path.join(dir, 'zones.geojson'), JSON.stringify(ZONES));
    assert.equal(loadZonesFile(library, path.join(dir, 'park.geojson'), 'park')[0]!.name, 'Parc Naziunal');
    loadZonesFile(library, path.join(dir, 'zones.geojson'), 'zone');
    const byCode = loadZonesFile(library, path.join(dir, 'zones.geojson'), 'zone', 'code');
    assert.deepEqual(byCode.map((zone) => zone.name).sort(), ['O', 'T']);
    assert.deepEqual(library.zones.list().map((zone) => `${zone.kind}:${zone.name}`), ['park:Parc Naziunal', 'zone:O', 'zone:T']);
    assert.equal(ZoneIndex.of(library).locate(46.7, 10.3).zone?.name, 'O');
    assert.throws(() => loadZonesFile(library, path.join(dir, 'missing.geojson'), 'zone'), /Cannot read .*missing\.geojson/);
  } finally {
    library.close();
  }
});
