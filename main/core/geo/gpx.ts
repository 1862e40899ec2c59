import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { StationError } from '../errors.js';
import type { Library } from '../library/index.js';
import type { GeoSettings } from '../settings.js';
import { captureInstant } from './capture-time.js';
import { readTextFile } from './read-text-file.js';
import { humanDuration } from '../human-duration.js';

export interface TrackPoint {
  /** Epoch milliseconds, UTC. */
  time: number;
  latitude: number;
  longitude: number;
}

/**
 * The timed track points of a GPX 1.0/1.1 file (trkpt, and rtept/wpt are ignored: they have
 * no reliable time), sorted by time. Points without a time are skipped.
 */
export function parseGpxTrack(xml: string, source: string): TrackPoint[] {
  let document: ReturnType<DOMParser["parseFromString"]>;
  try {
    // Errors (mismatched tags, bad entities) stop the parse and reach the user; warnings are ignored.
    const onError = (level: string, message: string) => {
      if (level !== 'warning') throw new Error(message);
    };
    document = new DOMParser({ onError }).parseFromString(xml, 'text/xml');
  } catch (error) {
    // The parser's message can quote the text; only its line number is repeated.
    const line = /line:\s*(\d+)/.exec((error as Error).message)?.[1];
    throw new StationError('GPX_INVALID', `${source} is not well-formed XML${line ? ` (line ${line})` : ''}; export the track again as GPX.`);
  }
  const root = document.documentElement;
  if (!root || root.localName !== 'gpx') {
    throw new StationError('GPX_INVALID', `${source} is not a GPX file (its root element is not <gpx>).`);
  }
  const points: TrackPoint[] = [];
  const elements = root.getElementsByTagNameNS('*', 'trkpt');
  for (let index = 0; index < elements.length; index++) {
    const element = elements.item(index)!;
    const latitude = Number(element.getAttribute('lat'));
    const longitude = Number(element.getAttribute('lon'));
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
      throw new StationError('GPX_INVALID', `${source}: track point ${index} has no valid lat/lon attributes (decimal degrees).`);
    }
    const timeElement = element.getElementsByTagNameNS('*', 'time').item(0);
    const text = timeElement?.textContent?.trim();
    if (!text) continue;
    // GPX times are UTC (xsd:dateTime); a time without a zone is read as UTC too.
    const time = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`);
    if (!Number.isFinite(time)) throw new StationError('GPX_INVALID', `${source}: track point ${index} has a time that is not an ISO 8601 date-time (such as 2026-05-01T09:00:00Z).`);
    points.push({ time, latitude, longitude });
  }
  if (points.length === 0) {
    throw new StationError('GPX_INVALID', `${source} has no track points with a time (<trkpt><time>); record a track, not a route, on the GPS unit.`);
  }
  return points.sort((a, b) => a.time - b.time);
}

/** Why a photo was not placed: the CLI and the UI count photos by it. */
export type GpxRefusal = 'no-capture-time' | 'no-utc-offset' | 'before-track' | 'after-track' | 'track-gap';

export type TrackPosition =
  | { ok: true; latitude: number; longitude: number; gapSeconds: number }
  | { ok: false; refusal: GpxRefusal; gapSeconds: number; reason: string };

/**
 * The position at `time` by linear interpolation between the track points around it. Refused
 * when the points around it are more than `maxGapSeconds` apart (the GPS had no fix, or was
 * off), or when `time` is farther than that before the first or after the last point.
 */
export function positionAt(track: readonly TrackPoint[], time: number, maxGapSeconds: number): TrackPosition {
  const maxGap = maxGapSeconds * 1000;
  const first = track[0]!;
  const last = track[track.length - 1]!;
  if (time <= first.time) {
    const gap = first.time - time;
    return gap <= maxGap ? { ok: true, latitude: first.latitude, longitude: first.longitude, gapSeconds: gap / 1000 } : { ok: false, refusal: 'before-track', gapSeconds: gap / 1000, reason: `${humanDuration(gap / 1000)} before the track starts` };
  }
  if (time >= last.time) {
    const gap = time - last.time;
    return gap <= maxGap ? { ok: true, latitude: last.latitude, longitude: last.longitude, gapSeconds: gap / 1000 } : { ok: false, refusal: 'after-track', gapSeconds: gap / 1000, reason: `${humanDuration(gap / 1000)} after the track ends` };
  }
  // Binary search for the first point after `time`.
  let low = 0;
  let high = track.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (track[middle]!.time <= time) low = middle;
    else high = middle;
  }
  const before = track[low]!;
  const after = track[high]!;
  const span = after.time - before.time;
  if (span > maxGap) return { ok: false, refusal: 'track-gap', gapSeconds: span / 1000, reason: `the track has a ${humanDuration(span / 1000)} gap around that time` };
  const fraction = span === 0 ? 0 : (time - before.time) / span;
  return {
    ok: true,
    latitude: before.latitude + (after.latitude - before.latitude) * fraction,
    longitude: before.longitude + (after.longitude - before.longitude) * fraction,
    gapSeconds: Math.min(time - before.time, after.time - time) / 1000,
  };
}

export interface GpxMatchOptions {
  /** UTC offset (minutes east) of the camera clock, for photos whose capture time has none. */
  offsetMinutes?: number | null;
  /** Seconds to add to the camera's clock to get true time (camera 30 s slow → 30). */
  clockOffsetSeconds?: number;
  /** Replace earlier GPX positions too (EXIF and manual positions are never replaced). */
  overwrite?: boolean;
  /** Only these photos (default: every photo without a position). */
  photoIds?: readonly number[];
}

export interface GpxMatchReport {
  trackPoints: number;
  placed: { photoId: number; latitude: number; longitude: number; gapSeconds: number }[];
  refused: { photoId: number; refusal: GpxRefusal; reason: string; gapSeconds: number | null }[];
  /** Photos that already have an EXIF or manual position (or a GPX one, without overwrite). */
  alreadyPlaced: number;
}

/** Places the photos that have no position by time-matching them to a GPX track; each position is stored with source 'gpx'. */
export function matchPhotosToGpx(library: Library, gpxPath: string, settings: GeoSettings, options: GpxMatchOptions = {}): GpxMatchReport {
  const { resolved, text: xml } = readTextFile(gpxPath, 'a GPX track');
  return placePhotosOnTrack(library, parseGpxTrack(xml, resolved), path.basename(resolved), settings, options);
}

/** The same, from a parsed track (`trackName` names it in each position's detail): what the UI uses after reading an upload. */
export function placePhotosOnTrack(library: Library, track: TrackPoint[], trackName: string, settings: GeoSettings, options: GpxMatchOptions = {}): GpxMatchReport {
  const report: GpxMatchReport = { trackPoints: track.length, placed: [], refused: [], alreadyPlaced: 0 };
  const wanted = options.photoIds ? new Set(options.photoIds) : null;
  const clockOffset = (options.clockOffsetSeconds ?? 0) * 1000;
  library.transaction(() => {
    // Read first, then write: SQLite cannot write while a statement is still iterating.
    for (const photo of library.photos.query()) {
      if (wanted && !wanted.has(photo.id)) continue;
      if (photo.positionSource === 'exif' || photo.positionSource === 'manual' || (photo.positionSource === 'gpx' && !options.overwrite)) {
        report.alreadyPlaced++;
        continue;
      }
      const instant = captureInstant(photo.capturedAt, options.offsetMinutes ?? null);
      if (instant === null) {
        report.refused.push({
          photoId: photo.id,
          refusal: photo.capturedAt ? 'no-utc-offset' : 'no-capture-time',
          gapSeconds: null,
          reason: photo.capturedAt ? `capture time ${photo.capturedAt} has no UTC offset: give the camera's with --offset (e.g. +02:00)` : 'no capture time',
        });
        continue;
      }
      const position = positionAt(track, instant + clockOffset, settings.gpxMaxGapSeconds);
      if (!position.ok) {
        report.refused.push({ photoId: photo.id, refusal: position.refusal, reason: position.reason, gapSeconds: position.gapSeconds });
        continue;
      }
      library.positions.set(photo.id, {
        latitude: position.latitude,
        longitude: position.longitude,
        source: 'gpx',
        detail: `${trackName}, nearest fix ${Math.round(position.gapSeconds)} s away`,
      });
      report.placed.push({ photoId: photo.id, latitude: position.latitude, longitude: position.longitude, gapSeconds: position.gapSeconds });
    }
  });
  return report;
}
