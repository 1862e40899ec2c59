import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Library, compareEvents } from '../../main/core/library/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

function openTwoStations(): { a: Library; b: Library } {
  const dir = makeTempDir();
  return { a: Library.open(path.join(dir, 'a.sqlite')), b: Library.open(path.join(dir, 'b.sqlite')) };
}

test('each library has its own station id, kept across reopening', () => {
  const dir = makeTempDir();
  const first = Library.open(path.join(dir, 'one.sqlite'));
  const id = first.events.stationId;
  first.close();
  const again = Library.open(path.join(dir, 'one.sqlite'));
  const other = Library.open(path.join(dir, 'two.sqlite'));
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(again.events.stationId, id);
  assert.notEqual(other.events.stationId, id);
  again.close();
  other.close();
});

test('an appended event carries its station, ranger and time, and comes back in the history', () => {
  const { a, b } = openTwoStations();
  const event = a.events.append({ entityType: 'site', entityId: 'site-1', action: 'created', payload: { species: 'Ailanthus altissima' }, ranger: 'Ana' });
  assert.equal(event.originStation, a.events.stationId);
  assert.equal(event.ranger, 'Ana');
  assert.deepEqual(a.events.history('site', 'site-1').map((e) => e.payload), [{ species: 'Ailanthus altissima' }]);
  assert.deepEqual(b.events.history('site', 'site-1'), []);
  a.close();
  b.close();
});

test('events cannot be changed or deleted', () => {
  const { a, b } = openTwoStations();
  a.events.append({ entityType: 'site', entityId: 's', action: 'created' });
  const db = (a as unknown as { db: { prepare(sql: string): { run(): unknown } } }).db;
  assert.throws(() => db.prepare("UPDATE events SET action = 'x'").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM events').run(), /append-only/);
  assert.equal(a.events.history('site', 's').length, 1);
  a.close();
  b.close();
});

test('merging is a union: receiving the same events twice, in either direction, ends in the same history', () => {
  const { a, b } = openTwoStations();
  a.events.append({ entityType: 'site', entityId: 's', action: 'created', occurredAt: '2026-05-01T10:00:00.000Z' });
  b.events.append({ entityType: 'site', entityId: 's', action: 'treated', occurredAt: '2026-06-01T10:00:00.000Z' });
  a.events.append({ entityType: 'site', entityId: 's', action: 'rechecked', occurredAt: '2026-07-01T10:00:00.000Z' });
  const fromA = a.events.after(0);
  const fromB = b.events.after(0);
  for (const e of fromB) assert.equal(a.events.receive(e), true);
  for (const e of fromA) assert.equal(b.events.receive(e), true);
  for (const e of [...fromA, ...fromB]) {
    assert.equal(a.events.receive(e), false, 'an event already here is not stored twice');
    assert.equal(b.events.receive(e), false);
  }
  const strip = (lib: Library) => lib.events.history('site', 's').map(({ seq: _s, recordedAt: _r, ...rest }) => rest);
  assert.deepEqual(strip(a), strip(b));
  assert.deepEqual(strip(a).map((e) => e.action), ['created', 'treated', 'rechecked']);
  a.close();
  b.close();
});

test('events at the same instant are ordered by event id, the same on every station', () => {
  const at = '2026-05-01T10:00:00.000Z';
  const sorted = [{ occurredAt: at, eventId: 'b' }, { occurredAt: at, eventId: 'a' }, { occurredAt: '2026-04-01T00:00:00.000Z', eventId: 'z' }].sort(compareEvents);
  assert.deepEqual(sorted.map((e) => e.eventId), ['z', 'a', 'b']);
});
