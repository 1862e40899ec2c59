import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventRow } from '../../main/core/library/index.js';
import { checkRecheckYears } from '../../main/core/sites/recheck-schedule.js';
import { checkExtent, extentAreaSquareMetres, extentContains } from '../../main/core/sites/site-extent.js';
import { addYears, displayState, foldSite } from '../../main/core/sites/site-lifecycle.js';
import { rejectsWith } from '../helpers/station-error.js';

let n = 0;
function event(entityType: string, entityId: string, action: string, occurredAt: string, payload: Record<string, unknown> = {}, originStation = 'station-a'): EventRow {
  n++;
  return { seq: n, eventId: `e${String(n).padStart(4, '0')}`, originStation, entityType, entityId, action, payload, ranger: 'R', reason: null, occurredAt, recordedAt: occurredAt };
}

const EXTENT = { type: 'point', latitude: 46.7, longitude: 10.1, radiusMetres: 10 };

test('the fold follows the event order, whatever order the events arrive in', () => {
  const events = [
    event('site', 's1', 'created', '2024-01-01T00:00:00Z', { species: 'X y', extent: EXTENT, state: 'confirmed', firstRecordOn: '2023-12-30' }),
    event('site', 's1', 'treatment-planned', '2024-01-02T00:00:00Z'),
    event('treatment', 't1', 'recorded', '2024-01-03T00:00:00Z', { siteId: 's1', treatedOn: '2024-01-03', method: 'cutting', recheckYears: [1, 2] }),
    event('visit', 'v1', 'recorded', '2025-01-04T00:00:00Z', { siteId: 's1', visitedOn: '2025-01-04', outcome: 'clean', statement: 'none seen' }),
    event('visit', 'v2', 'recorded', '2026-01-04T00:00:00Z', { siteId: 's1', visitedOn: '2026-01-04', outcome: 'clean', statement: 'none seen' }, 'station-b'),
  ];
  const forward = foldSite(events, 'strict')!;
  const shuffled = foldSite([events[3]!, events[0]!, events[4]!, events[2]!, events[1]!], 'strict')!;
  assert.equal(forward.state, 'eradicated');
  assert.deepEqual(shuffled, forward);
  assert.equal(forward.visits[1]!.originStation, 'station-b');
});

test('a merged history with a step that no longer fits is folded leniently: the step is skipped and listed', () => {
  const events = [
    event('site', 's2', 'created', '2024-01-01T00:00:00Z', { species: 'X y', extent: EXTENT, state: 'reported' }),
    // Station B treated it without the plan that station A never made.
    event('treatment', 't2', 'recorded', '2024-02-01T00:00:00Z', { siteId: 's2', treatedOn: '2024-02-01', method: 'cutting' }, 'station-b'),
  ];
  assert.throws(() => foldSite(events, 'strict'), rejectsWith('INVALID_ARGUMENT', /after planning it/));
  const site = foldSite(events, 'lenient')!;
  assert.equal(site.state, 'reported');
  assert.equal(site.skipped.length, 1);
  assert.equal(site.skipped[0]!.eventId, events[1]!.eventId);
});

test('schedules: positive increasing years; due dates count whole months; re-check due from the clock', () => {
  assert.deepEqual(checkRecheckYears(['1', '2', '5'], 's'), [1, 2, 5]);
  assert.throws(() => checkRecheckYears([1, -1], 's'), rejectsWith('INVALID_ARGUMENT', /negative/));
  assert.throws(() => checkRecheckYears([2, 1], 's'), rejectsWith('INVALID_ARGUMENT', /increasing/));
  assert.throws(() => checkRecheckYears([], 's'), rejectsWith('INVALID_ARGUMENT', /at least one/));
  assert.equal(addYears('2024-02-29', 1), '2025-03-01');
  assert.equal(addYears('2024-01-10', 0.5), '2024-07-10');
  assert.equal(displayState({ state: 'treated', nextDueOn: '2025-01-01' }, '2024-12-31'), 'treated');
  assert.equal(displayState({ state: 'treated', nextDueOn: '2025-01-01' }, '2025-01-01'), 'recheck-due');
});

test('extents: bad polygons refused; area and containment with a buffer', () => {
  assert.throws(() => checkExtent({ type: 'polygon', coordinates: [[[10, 46], [10.1, 46], [10.1, 46.1]]] }), rejectsWith('GEOJSON_INVALID', /at least 4/));
  assert.throws(() => checkExtent({ type: 'polygon', coordinates: [[[10, 46], [10.1, 46], [10.1, 46.1], [10, 46.1]]] }), rejectsWith('GEOJSON_INVALID', /not closed/));
  assert.throws(() => checkExtent({ type: 'polygon', coordinates: [[[10, 46], [10.1, 46], [10.2, 46], [10, 46]]] }), rejectsWith('GEOJSON_INVALID', /no area/));
  assert.throws(() => checkExtent({ type: 'polygon', coordinates: [[[200, 46], [10.1, 46], [10.1, 46.1], [200, 46]]] }), rejectsWith('GEOJSON_INVALID', /WGS84/));
  assert.throws(() => checkExtent({ type: 'point', latitude: 46, longitude: 10, radiusMetres: -5 }), rejectsWith('GEOJSON_INVALID', /positive/));
  const point = checkExtent(EXTENT);
  assert.ok(Math.abs(extentAreaSquareMetres(point) - Math.PI * 100) < 1e-9);
  // 100 m × 100 m square near the equator: ~10,000 m².
  const square = checkExtent({ type: 'polygon', coordinates: [[[0, 0], [0.000898, 0], [0.000898, 0.000898], [0, 0.000898], [0, 0]]] });
  assert.ok(Math.abs(extentAreaSquareMetres(square) - 10_000) < 100, String(extentAreaSquareMetres(square)));
  assert.equal(extentContains(square, 0.0004, 0.0004), true);
  assert.equal(extentContains(square, 0.0004, 0.00108), false, '20 m east of the edge');
  assert.equal(extentContains(square, 0.0004, 0.00108, 25), true, 'within a 25 m buffer');
});
