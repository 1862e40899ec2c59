import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { NO_ZONE, OUTSIDE_THE_PARK, OUTSIDE_THE_ZONES, ZoneIndex, parseZonesGeoJson } from '../../main/core/geo/zones.js';
import { Library } from '../../main/core/library/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const square = (west: number, south: number, east: number, north: number) => ({
  type: 'Polygon',
  coordinates: [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
});

test('"outside the park" is said only when a park boundary is loaded', () => {
  const library = Library.open(path.join(makeTempDir(), 'library.sqlite'));
  try {
    const far = [47.5, 11.5] as const;
    assert.equal(ZoneIndex.of(library).locate(...far).label, NO_ZONE, 'nothing loaded: no zone, and no claim about a park');

    library.zones.replace('zone', parseZonesGeoJson(JSON.stringify(square(10, 46, 10.5, 46.5)), 'zones.geojson', 'zone'), 'zones.geojson');
    const withZonesOnly = ZoneIndex.of(library).locate(...far);
    assert.equal(withZonesOnly.insidePark, null);
    assert.equal(withZonesOnly.label, OUTSIDE_THE_ZONES);
    assert.notEqual(withZonesOnly.label, OUTSIDE_THE_PARK);

    library.zones.replace('park', parseZonesGeoJson(JSON.stringify(square(9, 45, 11, 47)), 'park.geojson', 'park'), 'park.geojson');
    assert.equal(ZoneIndex.of(library).locate(...far).label, OUTSIDE_THE_PARK);
    assert.equal(ZoneIndex.of(library).locate(46.9, 10.9).label, 'in the park, no zone');
  } finally {
    library.close();
  }
});
