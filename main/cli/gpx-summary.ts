import type { GpxMatchReport, GpxRefusal } from '../core/geo/gpx.js';
import { humanDuration } from '../core/human-duration.js';

const REFUSAL_TEXT: Record<GpxRefusal, string> = {
  'no-capture-time': 'no capture time in the photo',
  'no-utc-offset': 'capture time without a UTC offset (give the camera clock\'s with --offset, e.g. +02:00)',
  'before-track': 'taken before the track starts',
  'after-track': 'taken after the track ends',
  'track-gap': 'in a gap of the track (the GPS had no fix)',
};

/** What `invasives gpx` prints: counts, and the photos not placed grouped by reason, never one line per photo. */
export function describeGpxReport(report: GpxMatchReport): string[] {
  const lines = [
    `${report.trackPoints} timed track points.`,
    `Placed: ${report.placed.length} photo(s). Already had a position: ${report.alreadyPlaced}. Not placed: ${report.refused.length}.`,
  ];
  const byRefusal = new Map<GpxRefusal, GpxMatchReport['refused']>();
  for (const refused of report.refused) byRefusal.set(refused.refusal, [...(byRefusal.get(refused.refusal) ?? []), refused]);
  for (const [refusal, photos] of byRefusal) {
    const gaps = photos.map((photo) => photo.gapSeconds).filter((gap): gap is number => gap !== null);
    const range = gaps.length
      ? ` (${Math.min(...gaps) === Math.max(...gaps) ? humanDuration(gaps[0]!) : `${humanDuration(Math.min(...gaps))} to ${humanDuration(Math.max(...gaps))}`})`
      : '';
    const ids = photos.slice(0, 10).map((photo) => photo.photoId).join(', ');
    lines.push(`  ${photos.length} ${REFUSAL_TEXT[refusal]}${range}: photo ${ids}${photos.length > 10 ? ', …' : ''}`);
  }
  return lines;
}
