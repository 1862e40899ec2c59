import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distanceMetres, gridCellOf } from '../../main/core/geo/grid.js';

test('haversine distance matches known distances (1° of latitude ≈ 111.2 km; Zernez to S-charl)', () => {
  const degree = distanceMetres({ latitude: 46, longitude: 10 }, { latitude: 47, longitude: 10 });
  assert.ok(Math.abs(degree - 111_195) < 5, `${degree}`);
  // Zernez (46.6986, 10.0939) to S-charl (46.7192, 10.3364): about 18.6 km.
  const km = distanceMetres({ latitude: 46.6986, longitude: 10.0939 }, { latitude: 46.7192, longitude: 10.3364 }) / 1000;
  assert.ok(km > 18.3 && km < 18.9, `${km}`);
});

test('grid cells are about the configured size on both axes, at 46° N and at 34° S', () => {
  for (const [latitude, longitude] of [[46.7, 10.2], [-33.96, 18.41]] as const) {
    const cell = gridCellOf(latitude, longitude, 1000);
    const [west, south, east, north] = cell.bbox;
    const height = distanceMetres({ latitude: south, longitude: west }, { latitude: north, longitude: west });
    const width = distanceMetres({ latitude: cell.centre.latitude, longitude: west }, { latitude: cell.centre.latitude, longitude: east });
    assert.ok(Math.abs(height - 1000) < 1, `height ${height}`);
    assert.ok(Math.abs(width - 1000) < 1, `width ${width}`);
    assert.ok(latitude >= south && latitude < north && longitude >= west && longitude < east, 'the point is inside its cell');
  }
});

test('points 10 m apart share a cell unless a cell edge lies between them; the key says the size', () => {
  const a = gridCellOf(46.70001, 10.2, 1000);
  const b = gridCellOf(46.70001 + 10 / 111_195, 10.2, 1000);
  const [, south, , north] = a.bbox;
  const crossesEdge = 46.70001 + 10 / 111_195 >= north || 46.70001 < south;
  assert.equal(a.key === b.key, !crossesEdge);
  const edge = gridCellOf(a.bbox[3] - 1e-9, 10.2, 1000);
  const above = gridCellOf(a.bbox[3] + 1e-9, 10.2, 1000);
  assert.notEqual(edge.key, above.key, 'either side of a cell edge: two cells');
  assert.equal(above.row, edge.row + 1);
  assert.match(gridCellOf(46.7, 10.2, 250).key, /^cell:250:/);
  assert.notEqual(gridCellOf(46.7, 10.2, 250).key, gridCellOf(46.7, 10.2, 1000).key);
});
