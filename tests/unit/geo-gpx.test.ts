import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StationError } from '../../main/core/errors.js';
import { captureInstant, parseUtcOffset } from '../../main/core/geo/capture-time.js';
import { parseGpxTrack, positionAt } from '../../main/core/geo/gpx.js';

/** A GPX 1.1 track as a Garmin unit writes it (namespace, extensions, elevation). */
function gpx(points: { lat: number; lon: number; time?: string }[]): string {
  const body = points
    .map((point) => `      <trkpt lat="${point.lat}" lon="${point.lon}"><ele>1800</ele>${point.time ? `<time>${point.time}</time>` : ''}</trkpt>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="eTrex 32x" xmlns="http://www.topografix.com/GPX/1/1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <metadata><time>2026-06-01T07:59:00Z</time></metadata>
  <trk><name>Val Trupchun</name><trkseg>
${body}
  </trkseg></trk>
</gpx>`;
}

const TRACK = gpx([
  { lat: 46.6, lon: 10.1, time: '2026-06-01T08:00:00Z' },
  { lat: 46.601, lon: 10.102, time: '2026-06-01T08:01:00Z' },
  { lat: 46.602, lon: 10.103 }, // no fix time: skipped
  { lat: 46.603, lon: 10.104, time: '2026-06-01T08:30:00Z' },
]);

test('GPX 1.1 track points are read in time order; points without a time are skipped', () => {
  const track = parseGpxTrack(TRACK, 'walk.gpx');
  assert.equal(track.length, 3);
  assert.equal(track[0]!.time, Date.parse('2026-06-01T08:00:00Z'));
  assert.deepEqual([track[1]!.latitude, track[1]!.longitude], [46.601, 10.102]);
});

test('the position is interpolated linearly between the fixes around the capture time', () => {
  const track = parseGpxTrack(TRACK, 'walk.gpx');
  const at = positionAt(track, Date.parse('2026-06-01T08:00:30Z'), 300);
  assert.ok(at.ok);
  assert.ok(Math.abs(at.latitude - 46.6005) < 1e-9);
  assert.ok(Math.abs(at.longitude - 10.101) < 1e-9);
  assert.equal(at.gapSeconds, 30);
  const quarter = positionAt(track, Date.parse('2026-06-01T08:00:15Z'), 300);
  assert.ok(quarter.ok && Math.abs(quarter.latitude - 46.60025) < 1e-9);
});

test('a capture time inside a gap longer than the maximum, or far beyond the track, is refused with the reason', () => {
  const track = parseGpxTrack(TRACK, 'walk.gpx');
  const gap = positionAt(track, Date.parse('2026-06-01T08:10:00Z'), 300);
  assert.equal(gap.ok, false);
  assert.match(!gap.ok ? gap.reason : '', /29 min gap/);
  assert.equal(positionAt(track, Date.parse('2026-06-01T08:10:00Z'), 1800).ok, true, 'a larger maximum accepts it');
  const before = positionAt(track, Date.parse('2026-06-01T07:00:00Z'), 300);
  assert.match(!before.ok ? before.reason : '', /before the track starts/);
  const justAfter = positionAt(track, Date.parse('2026-06-01T08:31:00Z'), 300);
  assert.ok(justAfter.ok && justAfter.latitude === 46.603, 'within the maximum after the end: the last fix');
});

test('local capture times become UTC with the recorded offset, else the given one; a camera clock offset shifts them', () => {
  const track = parseGpxTrack(TRACK, 'walk.gpx');
  // Camera set to Swiss summer time (UTC+2), no offset in EXIF.
  assert.equal(captureInstant('2026-06-01T10:00:30', null), null, 'no offset known: no instant');
  const instant = captureInstant('2026-06-01T10:00:30', parseUtcOffset('+02:00'))!;
  assert.equal(instant, Date.parse('2026-06-01T08:00:30Z'));
  // The offset recorded by the camera wins over the fallback.
  assert.equal(captureInstant('2026-06-01T09:00:30+01:00', 120), Date.parse('2026-06-01T08:00:30Z'));
  assert.equal(captureInstant('2026-06-01T10:00:30.250+02:00', null), Date.parse('2026-06-01T08:00:30.250Z'));
  // The camera clock ran 30 s fast: true time = camera time - 30 s, i.e. the first fix exactly.
  const corrected = positionAt(track, instant - 30_000, 300);
  assert.ok(corrected.ok && corrected.latitude === 46.6 && corrected.longitude === 10.1);
  assert.equal(parseUtcOffset('-05:30'), -330);
  assert.equal(parseUtcOffset('+0100'), 60);
  assert.equal(parseUtcOffset('Z'), 0);
  assert.throws(() => parseUtcOffset('CET'), /not like \+01:00/);
});

test('files that are not GPX tracks are refused with what is wrong', () => {
  const refuse = (xml: string, pattern: RegExp) =>
    assert.throws(() => parseGpxTrack(xml, 'bad.gpx'), (error: unknown) => error instanceof StationError && error.code === 'GPX_INVALID' && pattern.test(error.message));
  refuse('<kml xmlns="http://www.opengis.net/kml/2.2"></kml>', /root element is not <gpx>/);
  refuse(gpx([{ lat: 46.6, lon: 10.1 }]), /no track points with a time/);
  refuse(gpx([{ lat: 146.6, lon: 10.1, time: '2026-06-01T08:00:00Z' }]), /track point 0 has no valid lat\/lon/);
  refuse(gpx([{ lat: 46.6, lon: 10.1, time: 'yesterday' }]), /track point 0 has a time that is not an ISO 8601/);
  refuse('<gpx><trk><trkseg><trkpt lat="1" lon="2"></trkseg></gpx>', /not well-formed XML/);
});
