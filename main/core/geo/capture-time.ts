import { StationError } from '../errors.js';

const CAPTURED_AT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** Minutes east of UTC for "+01:00", "-05:30", "+0100", "+1", "Z" or "UTC"; refuses anything else. */
export function parseUtcOffset(text: string): number {
  const trimmed = text.trim();
  if (/^(Z|UTC|GMT)$/i.test(trimmed)) return 0;
  const match = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(trimmed);
  if (!match || Number(match[2]) > 14 || Number(match[3] ?? 0) >= 60) {
    throw new StationError('INVALID_ARGUMENT', `UTC offset "${text}" is not like +01:00, -05:30 or Z.`);
  }
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * The instant (epoch ms, UTC) of a stored capture time. Capture times are the camera's local
 * time, with the offset when the camera recorded one; `fallbackOffsetMinutes` is used when it
 * did not (null: such photos have no known instant).
 */
export function captureInstant(capturedAt: string | null, fallbackOffsetMinutes: number | null): number | null {
  const match = capturedAt ? CAPTURED_AT.exec(capturedAt) : null;
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const naive = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) +
    Math.round(Number(fraction ?? 0) * 1000);
  const offsetMinutes = zone ? parseUtcOffset(zone) : fallbackOffsetMinutes;
  return offsetMinutes === null ? null : naive - offsetMinutes * 60_000;
}

/** A capture time as a comparable number for photos of one camera: the instant, or the local time read as UTC. */
export function captureSortKey(capturedAt: string | null): number | null {
  return captureInstant(capturedAt, 0);
}
