import exifr from 'exifr';
import type { CaptureTimeSource } from '../library/types.js';

/**
 * Capture times that photo tools, phones and cataloguing software write outside EXIF: XMP
 * (`exif:DateTimeOriginal`, `photoshop:DateCreated`, `xmp:CreateDate`, `dwc:eventDate`) and
 * IPTC IIM (DateCreated + TimeCreated). Read only when EXIF has no capture time.
 */
export interface EmbeddedCaptureTime {
  /** `YYYY-MM-DDTHH:mm:ss[.sss][±HH:MM]`, the offset only when the file recorded one. */
  capturedAt: string;
  source: CaptureTimeSource;
}

type TagBlock = Record<string, unknown>;

/** XMP and IPTC only: exifr puts XMP's exif: namespace in an `exif` block, so EXIF itself stays off here. */
const EMBEDDED_OPTIONS = {
  tiff: false,
  ifd1: false,
  exif: false,
  gps: false,
  interop: false,
  makerNote: false,
  userComment: false,
  icc: false,
  jfif: false,
  ihdr: false,
  xmp: true,
  iptc: true,
  mergeOutput: false,
  reviveValues: false,
  translateValues: false,
  silentErrors: true,
} as const;

/**
 * XMP date properties, best first, with where exifr puts each: a block per namespace prefix as
 * written in the file (older Adobe tools write the xmp namespace as "xap").
 */
const XMP_SOURCES = [
  { blocks: ['exif'], tag: 'DateTimeOriginal', source: 'xmp:exif:DateTimeOriginal' },
  { blocks: ['photoshop'], tag: 'DateCreated', source: 'xmp:photoshop:DateCreated' },
  { blocks: ['xmp', 'xap'], tag: 'CreateDate', source: 'xmp:xmp:CreateDate' },
  { blocks: ['dwc'], tag: 'eventDate', source: 'xmp:dwc:eventDate' },
] as const satisfies readonly { blocks: readonly string[]; tag: string; source: CaptureTimeSource }[];

/**
 * The first readable capture time in the photo's XMP, then IPTC; null when there is none.
 * Values without a time of day (a bare date) are not a capture time and are passed over,
 * each with a warning.
 */
export async function readEmbeddedCaptureTime(bytes: Buffer, warnings: string[]): Promise<EmbeddedCaptureTime | null> {
  let blocks: Record<string, TagBlock> | undefined;
  try {
    blocks = (await exifr.parse(bytes, EMBEDDED_OPTIONS)) as Record<string, TagBlock> | undefined;
  } catch (error) {
    warnings.push(`XMP/IPTC block unreadable (${error instanceof Error ? error.message : String(error)})`);
    return null;
  }
  if (!blocks) return null;
  for (const { blocks: prefixes, tag, source } of XMP_SOURCES) {
    for (const prefix of prefixes) {
      const raw = textOf(blocks[prefix]?.[tag]);
      if (raw === null) continue;
      const capturedAt = parseXmpDate(raw);
      if (capturedAt) return { capturedAt, source };
      warnings.push(`XMP ${prefix}:${tag} "${raw.slice(0, 60)}" is not a date with a time of day`);
    }
  }
  const iptc = blocks.iptc ?? {};
  const date = textOf(iptc.DateCreated);
  if (date !== null) {
    const capturedAt = parseIptcDate(date, textOf(iptc.TimeCreated));
    if (capturedAt) return { capturedAt, source: 'iptc:DateCreated' };
    warnings.push(`IPTC DateCreated "${date}" / TimeCreated "${textOf(iptc.TimeCreated) ?? ''}" is not a date with a time of day`);
  }
  return null;
}

function textOf(value: unknown): string | null {
  // XMP properties written as rdf:Alt/Seq arrive as arrays (or { value }); take the first.
  if (Array.isArray(value)) return textOf(value[0]);
  if (value && typeof value === 'object' && 'value' in value) return textOf((value as { value: unknown }).value);
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.replace(/\0+$/, '').trim();
  return trimmed.length > 0 ? trimmed : null;
}

const XMP_DATE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An XMP (ISO 8601) date-time as a capture time. dwc:eventDate may be an interval
 * ("start/end"): its start is taken. Seconds default to 00 (XMP allows "YYYY-MM-DDThh:mmTZD").
 */
export function parseXmpDate(raw: string): string | null {
  const start = raw.split('/')[0]!.trim();
  const match = XMP_DATE.exec(start);
  if (!match) return null;
  const [, year, month, day, hour, minute, second = '00', fraction, zone] = match as unknown as string[];
  return assemble(year!, month!, day!, hour!, minute!, second, fraction, zone);
}

/** IPTC IIM 2:55 DateCreated `CCYYMMDD` with 2:60 TimeCreated `HHMMSS±HHMM`; null without a time. */
export function parseIptcDate(date: string, time: string | null): string | null {
  const day = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(date);
  const clock = time ? /^(\d{2}):?(\d{2}):?(\d{2})\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(time) : null;
  if (!day || !clock) return null;
  return assemble(day[1]!, day[2]!, day[3]!, clock[1]!, clock[2]!, clock[3]!, undefined, clock[4]);
}

function assemble(year: string, month: string, day: string, hour: string, minute: string, second: string, fraction: string | undefined, zone: string | undefined): string | null {
  const y = Number(year), mo = Number(month), d = Number(day);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (y < 1800 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth) return null;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return null;
  const millis = fraction ? `.${fraction.slice(0, 3).padEnd(3, '0')}` : '';
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${millis}${formatZone(zone)}`;
}

function formatZone(zone: string | undefined): string {
  if (!zone) return '';
  if (zone === 'Z') return '+00:00';
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!match || Number(match[2]) > 14 || Number(match[3]) >= 60) return '';
  return `${match[1]}${match[2]}:${match[3]}`;
}
