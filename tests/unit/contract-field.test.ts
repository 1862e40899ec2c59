import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALERT_KIND_NAMES, ALERT_STATE_NAMES, EVENT_NAMES, parseCallArgs } from '../../main/api/contract.js';
import { ALERT_KINDS, ALERT_STATES } from '../../main/core/library/index.js';

/** Argument validation of the alerts, zones and placement calls (issue 5 on screen). */
describe('contract: alerts, zones and placement calls', () => {
  test('the contract names every alert state and kind the core knows', () => {
    assert.deepEqual([...ALERT_STATE_NAMES].sort(), [...ALERT_STATES].sort());
    assert.deepEqual([...ALERT_KIND_NAMES].sort(), [...ALERT_KINDS].sort());
    assert.ok(EVENT_NAMES.includes('alerts:changed'));
  });

  test('alerts:list takes no filter, a state, a kind, and refuses unknown ones', () => {
    assert.ok(parseCallArgs('alerts:list', undefined).ok);
    assert.ok(parseCallArgs('alerts:list', { state: 'dismissed', kind: 'surge' }).ok);
    assert.equal(parseCallArgs('alerts:list', { state: 'closed' }).ok, false);
    assert.equal(parseCallArgs('alerts:list', { kind: 'new-genus' }).ok, false);
    assert.ok(parseCallArgs('alerts:list', { species: 'Acacia', zone: 'Ofenpass', evidence: 'confirmed', unseen: true }).ok, 'triage filters');
    assert.equal(parseCallArgs('alerts:list', { colour: 'red' }).ok, false, 'unknown keys are refused');
    assert.equal(parseCallArgs('alerts:bulk', { action: 'dismiss', filter: { kind: 'surge' } }).ok, false, 'a bulk dismiss needs a reason');
    assert.ok(parseCallArgs('alerts:bulk', { action: 'acknowledge', filter: { species: 'Acacia' }, ranger: 'A. Ranger' }).ok);
  });

  test('acknowledge and reopen need a positive integer alert id', () => {
    assert.ok(parseCallArgs('alerts:acknowledge', { alertId: 3 }).ok);
    assert.equal(parseCallArgs('alerts:acknowledge', { alertId: 0 }).ok, false);
    assert.equal(parseCallArgs('alerts:reopen', { alertId: 1.5 }).ok, false);
    assert.equal(parseCallArgs('alerts:reopen', {}).ok, false);
  });

  test('dismiss needs a reason that is not blank, trimmed, at most 500 characters', () => {
    const parsed = parseCallArgs('alerts:dismiss', { alertId: 2, reason: '  known planting ' });
    assert.ok(parsed.ok);
    assert.equal(parsed.args.reason, 'known planting');
    const blank = parseCallArgs('alerts:dismiss', { alertId: 2, reason: '   ' });
    assert.ok(!blank.ok && blank.error.message.includes('reason'));
    assert.equal(parseCallArgs('alerts:dismiss', { alertId: 2 }).ok, false);
    assert.equal(parseCallArgs('alerts:dismiss', { alertId: 2, reason: 'x'.repeat(501) }).ok, false);
  });

  test('zones:load needs a file handle (never a path) and a kind (park or zone); the name property defaults to "name"', () => {
    const handle = 'in-AAAAAAAAAAAAAAAAAAAAAA';
    const parsed = parseCallArgs('zones:load', { file: handle, kind: 'zone' });
    assert.ok(parsed.ok);
    assert.equal(parsed.args.nameProperty, 'name');
    assert.equal(parseCallArgs('zones:load', { file: handle, kind: 'county' }).ok, false);
    assert.equal(parseCallArgs('zones:load', { file: '/data/zones.geojson', kind: 'park' }).ok, false);
    assert.equal(parseCallArgs('zones:load', { path: '/data/zones.geojson', kind: 'park' }).ok, false);
    assert.equal(parseCallArgs('zones:load', { kind: 'park' }).ok, false);
  });

  test('photos:place needs WGS84 degrees within range', () => {
    assert.ok(parseCallArgs('photos:place', { photoId: 4, latitude: -33.9, longitude: 18.4 }).ok);
    assert.equal(parseCallArgs('photos:place', { photoId: 4, latitude: -91, longitude: 18.4 }).ok, false);
    assert.equal(parseCallArgs('photos:place', { photoId: 4, latitude: 10, longitude: 181 }).ok, false);
    assert.equal(parseCallArgs('photos:place', { photoId: 4, latitude: '10', longitude: 18 }).ok, false);
    assert.equal(parseCallArgs('photos:place', { latitude: 10, longitude: 18 }).ok, false);
    assert.ok(parseCallArgs('photos:unplace', { photoId: 4 }).ok);
  });

  test('training:start takes bounded options, defaults activate to false, and refuses unknown ones', () => {
    const parsed = parseCallArgs('training:start', {});
    assert.ok(parsed.ok);
    assert.equal(parsed.args.activate, false);
    assert.ok(parseCallArgs('training:start', { epochs: 50, hiddenUnits: 128, validationFraction: 0.25, seed: 7, name: 'spring 2026', activate: true }).ok);
    assert.equal(parseCallArgs('training:start', { epochs: 0 }).ok, false);
    assert.equal(parseCallArgs('training:start', { validationFraction: 0.9 }).ok, false);
    assert.equal(parseCallArgs('training:start', { hiddenUnits: -1 }).ok, false);
    assert.equal(parseCallArgs('training:start', { fromFolders: '/tmp' }).ok, false, 'training reads the library only through the UI');
    assert.equal(parseCallArgs('training:report', { modelId: 'latest' }).ok, false);
    assert.ok(EVENT_NAMES.includes('training:progress') && EVENT_NAMES.includes('training:finished'));
  });
});
