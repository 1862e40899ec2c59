import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExtent } from '../../main/core/sites/site-extent.js';
import { minimumPlacementZoom } from '../../renderer/src/lib/map/placement.js';
import {
  addVertex,
  circleRing,
  closePolygon,
  draftExtent,
  draftPreview,
  judgeDrawClick,
  newDraft,
  parseTypedPoint,
  parseTypedPolygon,
  removeLastVertex,
} from '../../renderer/src/lib/map/site-drawing.js';
import { rejectsWith } from '../helpers/station-error.js';

const PARK = [-93.66, 41.98, -93.62, 42.01] as const;

test('a polygon draft: corners in order, a repeated click adds nothing, Backspace removes the last, Finish closes the ring', () => {
  let draft = newDraft('polygon');
  draft = addVertex(draft, [-93.645, 41.995]);
  draft = addVertex(draft, [-93.64, 41.995]);
  draft = addVertex(draft, [-93.64000001, 41.99500001], 1); // the second click of a double-click
  assert.equal(draft.vertices.length, 2);
  assert.equal(draftExtent(draft), null, 'not finished: nothing to create');
  assert.deepEqual(closePolygon(draft), { ok: false, reason: 'A polygon needs at least 3 corners (2 so far).' });
  draft = addVertex(draft, [-93.63, 42.0]);
  draft = addVertex(draft, [-93.62, 42.5]);
  draft = removeLastVertex(draft);
  const closed = closePolygon(draft);
  assert.ok(closed.ok);
  const extent = draftExtent(closed.draft)!;
  assert.deepEqual(extent, { type: 'polygon', coordinates: [[[-93.645, 41.995], [-93.64, 41.995], [-93.63, 42.0], [-93.645, 41.995]]] });
  assert.deepEqual(checkExtent(extent), extent, 'the core takes it as drawn');
  assert.equal(addVertex(closed.draft, [-93.6, 42]).vertices.length, 3, 'a finished polygon takes no more corners');
  assert.equal(removeLastVertex(closed.draft).closed, false, 'Backspace first opens it again');
});

test('a point draft moves with each click and carries its radius; coordinates keep 7 decimals', () => {
  let draft = newDraft('point', 25);
  assert.equal(draftExtent(draft), null);
  draft = addVertex(draft, [-93.641234567891, 41.9951234567]);
  draft = addVertex(draft, [-93.6412345678912, 41.99612345678]);
  assert.deepEqual(draftExtent(draft), { type: 'point', latitude: 41.9961235, longitude: -93.6412346, radiusMetres: 25 });
  const preview = draftPreview(draft);
  const circle = preview.features.find((feature) => feature.properties?.role === 'area')!;
  assert.equal(circle.geometry.type, 'Polygon');
});

test('a circle ring is closed and about its radius from the centre', () => {
  const ring = circleRing([-93.64, 41.995], 100);
  assert.deepEqual(ring[0], ring.at(-1));
  const [lon, lat] = ring[16]!; // a quarter turn: due north
  assert.ok(Math.abs((lat - 41.995) * 111_195 - 100) < 0.5);
  assert.ok(Math.abs(lon - -93.64) < 1e-9);
});

test('clicks draw only over the park basemap at a pixel of 10 m or less', () => {
  const zoom = minimumPlacementZoom(41.995);
  assert.match((judgeDrawClick({ latitude: 41.995, longitude: -93.64, zoom: 17, basemapBounds: null }) as { reason: string }).reason, /world outline/);
  assert.match((judgeDrawClick({ latitude: 45, longitude: -93.64, zoom: 17, basemapBounds: PARK }) as { reason: string }).reason, /outside the park basemap/);
  assert.match((judgeDrawClick({ latitude: 41.995, longitude: -93.64, zoom: zoom - 0.2, basemapBounds: PARK }) as { reason: string }).reason, /Zoom in to draw/);
  assert.deepEqual(judgeDrawClick({ latitude: 41.995, longitude: -93.64, zoom: zoom + 0.01, basemapBounds: PARK }), { ok: true });
});

test('typed polygons: "latitude, longitude" lines are closed here; GeoJSON is taken as pasted; bad lines named', () => {
  const typed = parseTypedPolygon('41.995, -93.645\n41.995 -93.64\n42.0;-93.63\n');
  assert.deepEqual(typed, { ok: true, extent: { type: 'polygon', coordinates: [[[-93.645, 41.995], [-93.64, 41.995], [-93.63, 42], [-93.645, 41.995]]] } });
  const ring = [[-93.645, 41.995], [-93.64, 41.995], [-93.63, 42], [-93.645, 41.995]];
  const feature = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }] });
  assert.deepEqual(parseTypedPolygon(feature), { ok: true, extent: { type: 'polygon', coordinates: [ring] } });
  assert.match((parseTypedPolygon('41.995, -93.645\nnorth of the bridge') as { reason: string }).reason, /Line 2 \("north of the bridge"\)/);
  assert.match((parseTypedPolygon('{"type": "Point", "coordinates": [1, 2]}') as { reason: string }).reason, /expected a GeoJSON Polygon/);
  assert.match((parseTypedPolygon('{"type": ') as { reason: string }).reason, /not valid JSON/);
  assert.match((parseTypedPolygon('41.995, -93.645\n41.995, -93.64') as { reason: string }).reason, /at least 3 corners \(2 typed\)/);
  // A bow-tie passes the parser: the core refuses it, with the message the panel shows.
  const bowTie = parseTypedPolygon('41.995, -93.645\n42.0, -93.63\n41.995, -93.63\n42.0, -93.645');
  assert.ok(bowTie.ok);
  assert.throws(() => checkExtent(bowTie.extent), rejectsWith('GEOJSON_INVALID', /crosses itself/));
});

test('typed points: decimal comma accepted, out-of-range and non-positive radius refused', () => {
  assert.deepEqual(parseTypedPoint('41,9971', '-93.6402', '15'), { ok: true, extent: { type: 'point', latitude: 41.9971, longitude: -93.6402, radiusMetres: 15 } });
  assert.match((parseTypedPoint('95', '-93.6402', '15') as { reason: string }).reason, /Latitude "95"/);
  assert.match((parseTypedPoint('41.99', '-193', '15') as { reason: string }).reason, /Longitude "-193"/);
  assert.match((parseTypedPoint('41.99', '-93.6', '0') as { reason: string }).reason, /Radius "0"/);
});
