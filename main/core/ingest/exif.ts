import exifr from 'exifr';
import sharp from 'sharp';
import { errorMessage } from '../errors.js';
import type { CaptureTimeSource } from '../library/types.js';
import { detectImageFormat } from '../vision/image-format.js';
import { readEmbeddedCaptureTime } from './embedded-dates.js';

/** What a photo's EXIF says, each field null when absent or impossible. */
export interface ExifReading {
  /** ISO 8601 local time `YYYY-MM-DDTHH:mm:ss[.sss][±HH:MM]`, the offset only when the camera recorded one. */
  capturedAt: string | null;
  /** Where capturedAt was read (EXIF tag, XMP property, IPTC); null when there is no capture time. */
  capturedAtSource: CaptureTimeSource | null;
  /** WGS84 signed decimal degrees (south and west negative). */
  latitude: number | null;
  longitude: number | null;
  /** Metres, negative below sea level. */
  altitude: number | null;
  cameraMake: string | null;
  cameraModel: string | null;
  /** EXIF orientation 1-8. */
  orientation: number | null;
  /** Pixel size as stored in the file (before orientation), from the image header. */
  width: number | null;
  height: number | null;
  /** What could not be read, when something could not; the other fields are still usable. */
  warning: string | null;
}

type ExifrOptions = Exclude<Parameters<typeof exifr.parse>[1], undefined | boolean | unknown[]>;
type TagBlock = Record<string, unknown>;
interface ExifrOutput {
  ifd0?: TagBlock;
  exif?: TagBlock;
  gps?: TagBlock;
}

/**
 * Only the blocks we use. Raw values (`reviveValues: false`): dates stay EXIF strings, so
 * exifr cannot turn them into JS Dates in this machine's time zone.
 */
const EXIFR_OPTIONS: ExifrOptions & { silentErrors: boolean } = {
  tiff: true,
  // Picking the tags we use keeps exifr from materialising other values: a corrupted
  // count on an unused tag can otherwise cost seconds and megabytes.
  ifd0: { pick: ['Make', 'Model', 'Orientation', 'ModifyDate'] },
  exif: { pick: ['DateTimeOriginal', 'CreateDate', 'SubSecTimeOriginal', 'SubSecTimeDigitized', 'SubSecTime', 'OffsetTimeOriginal', 'OffsetTimeDigitized', 'OffsetTime'] },
  gps: { pick: ['GPSLatitudeRef', 'GPSLatitude', 'GPSLongitudeRef', 'GPSLongitude', 'GPSAltitudeRef', 'GPSAltitude'] },
  ifd1: false,
  interop: false,
  makerNote: false,
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  mergeOutput: false,
  reviveValues: false,
  translateValues: false,
  sanitize: true,
  silentErrors: false,
};

/** A hostile block can make exifr's messages long; the library stores a readable summary. */
const MAX_WARNING_CHARS = 500;

/** Altitudes outside this range (metres) are GPS glitches, not places a photo was taken. */
const ALTITUDE_RANGE_M = { min: -12_000, max: 50_000 } as const;

/**
 * Reads capture time, position, camera and orientation from a JPEG, PNG (eXIf), TIFF or
 * HEIC file, and the pixel size from its header. Never throws: a broken or hostile EXIF
 * block gives the fields that could be read plus a `warning` saying what went wrong.
 */
export async function readPhotoExif(bytes: Buffer): Promise<ExifReading> {
  const warnings: string[] = [];
  const header = await readHeader(bytes, warnings);
  // exifr does not know WebP; its EXIF chunk is a plain TIFF block once the "Exif\0\0" prefix is off.
  const exifSource = detectImageFormat(bytes) === 'webp' ? stripExifPrefix(header.exif) : bytes;
  const tags = exifSource ? await parseTags(exifSource, warnings) : undefined;
  const ifd0 = tags?.ifd0 ?? {};
  const exif = tags?.exif ?? {};
  const gps = tags?.gps ?? {};

  const position = readPosition(gps, warnings);
  // EXIF capture tags first; then XMP and IPTC (phones, photo tools); EXIF ModifyDate (an edit time) last.
  let captured = readCapturedAt(exif, ifd0, CAPTURE_TAGS, warnings);
  if (!captured && detectImageFormat(bytes) !== 'webp') captured = await readEmbeddedCaptureTime(bytes, warnings);
  if (!captured) captured = readCapturedAt(exif, ifd0, EDIT_TAGS, warnings);
  return {
    capturedAt: captured?.capturedAt ?? null,
    capturedAtSource: captured?.source ?? null,
    latitude: position.latitude,
    longitude: position.longitude,
    altitude: readAltitude(gps, warnings),
    cameraMake: cleanText(ifd0.Make),
    cameraModel: cleanText(ifd0.Model),
    orientation: readOrientation(ifd0.Orientation, warnings),
    width: header.width,
    height: header.height,
    warning: warnings.length > 0 ? warnings.join('; ').slice(0, MAX_WARNING_CHARS) : null,
  };
}

async function parseTags(bytes: Buffer, warnings: string[]): Promise<ExifrOutput | undefined> {
  try {
    return (await exifr.parse(bytes, EXIFR_OPTIONS)) as ExifrOutput | undefined;
  } catch (strictError) {
    // A damaged block: say why, then take whatever exifr can still read around the damage.
    warnings.push(`EXIF block is damaged (${errorMessage(strictError)})`);
    try {
      const lenient: typeof EXIFR_OPTIONS = { ...EXIFR_OPTIONS, silentErrors: true };
      return (await exifr.parse(bytes, lenient)) as ExifrOutput | undefined;
    } catch {
      return undefined;
    }
  }
}

interface Header {
  width: number | null;
  height: number | null;
  exif: Buffer | undefined;
}

async function readHeader(bytes: Buffer, warnings: string[]): Promise<Header> {
  try {
    // Header only. The pixel size comes from here, not from EXIF: exiftool's ImageSize is
    // the coded size, which ExifImageWidth often misstates once a photo has been resized.
    const { width, height, exif } = await sharp(bytes, { limitInputPixels: false }).metadata();
    return { width: width ?? null, height: height ?? null, exif };
  } catch (error) {
    warnings.push(`pixel size unreadable (${errorMessage(error)})`);
    return { width: null, height: null, exif: undefined };
  }
}

function stripExifPrefix(block: Buffer | undefined): Buffer | undefined {
  if (!block) return undefined;
  return block.toString('latin1', 0, 6) === 'Exif\0\0' ? block.subarray(6) : block;
}

function cleanText(value: unknown): string | null {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof Uint8Array) text = Buffer.from(value).toString('latin1');
  else return null;
  // Cameras pad with NULs and spaces; some write NUL in the middle and garbage after it.
  const cleaned = text.split('\0')[0]!.trim();
  return cleaned.length > 0 ? cleaned : null;
}

function readOrientation(value: unknown, warnings: string[]): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8) return value;
  warnings.push(`orientation ${JSON.stringify(value)} is not 1-8 and was ignored`);
  return null;
}

// ---- capture time ----------------------------------------------------------------

const EXIF_DATE = /^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const UTC_OFFSET = /^\s*([+-])(\d{2}):(\d{2})\s*$/;

interface ExifDateTag {
  block: 'exif' | 'ifd0';
  date: string;
  subSec: string;
  offset: string;
  source: CaptureTimeSource;
}

/** The EXIF capture tags with the sub-second and offset tags that belong to each, best first. */
const CAPTURE_TAGS: readonly ExifDateTag[] = [
  { block: 'exif', date: 'DateTimeOriginal', subSec: 'SubSecTimeOriginal', offset: 'OffsetTimeOriginal', source: 'exif:DateTimeOriginal' },
  { block: 'exif', date: 'CreateDate', subSec: 'SubSecTimeDigitized', offset: 'OffsetTimeDigitized', source: 'exif:CreateDate' },
];
/** The file's last edit: a capture time only when nothing better says when the photo was taken. */
const EDIT_TAGS: readonly ExifDateTag[] = [
  { block: 'ifd0', date: 'ModifyDate', subSec: 'SubSecTime', offset: 'OffsetTime', source: 'exif:ModifyDate' },
];

function readCapturedAt(exif: TagBlock, ifd0: TagBlock, tags: readonly ExifDateTag[], warnings: string[]): { capturedAt: string; source: CaptureTimeSource } | null {
  for (const source of tags) {
    const raw = cleanText((source.block === 'exif' ? exif : ifd0)[source.date]);
    if (raw === null) continue;
    const local = formatExifDate(raw);
    if (local === null) {
      // Cameras without a set clock write "0000:00:00 00:00:00"; try the next tag.
      warnings.push(`${source.date} "${raw}" is not a valid date`);
      continue;
    }
    const subSec = cleanText(exif[source.subSec]);
    const fraction = subSec && /^\d+$/.test(subSec) ? `.${subSec.slice(0, 3).padEnd(3, '0')}` : '';
    const offsetText = cleanText(exif[source.offset]) ?? cleanText(exif.OffsetTime);
    let offset = '';
    if (offsetText !== null) {
      const match = UTC_OFFSET.exec(offsetText);
      if (match && Number(match[2]) <= 14 && Number(match[3]) < 60) offset = `${match[1]}${match[2]}:${match[3]}`;
      else warnings.push(`UTC offset "${offsetText}" is not ±HH:MM and was ignored`);
    }
    return { capturedAt: `${local}${fraction}${offset}`, source: source.source };
  }
  return null;
}

function formatExifDate(raw: string): string | null {
  const match = EXIF_DATE.exec(raw);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match as unknown as [string, string, string, string, string, string, string];
  const y = Number(year), mo = Number(month), d = Number(day);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (y < 1800 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth) return null;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return null;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}`;
}

// ---- GPS -------------------------------------------------------------------------

/** A GPS coordinate: [degrees, minutes, seconds] rationals, or (some writers) one decimal number. */
function toDegrees(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && value.length >= 1 && value.length <= 3 && value.every((part) => typeof part === 'number')) {
    const [degrees = 0, minutes = 0, seconds = 0] = value as number[];
    return degrees + minutes / 60 + seconds / 3600;
  }
  return null;
}

function refLetter(value: unknown): string | null {
  const text = cleanText(value);
  return text ? text[0]!.toUpperCase() : null;
}

function readPosition(gps: TagBlock, warnings: string[]): { latitude: number | null; longitude: number | null } {
  const none = { latitude: null, longitude: null };
  if (gps.GPSLatitude === undefined && gps.GPSLongitude === undefined) return none;
  const latitude = toDegrees(gps.GPSLatitude);
  const longitude = toDegrees(gps.GPSLongitude);
  if (latitude === null || longitude === null || !Number.isFinite(latitude) || !Number.isFinite(longitude)) {
    warnings.push('GPS position is incomplete or unreadable and was ignored');
    return none;
  }
  const latRef = refLetter(gps.GPSLatitudeRef);
  const lonRef = refLetter(gps.GPSLongitudeRef);
  if ((latRef !== null && latRef !== 'N' && latRef !== 'S') || (lonRef !== null && lonRef !== 'E' && lonRef !== 'W')) {
    warnings.push(`GPS hemisphere references "${String(gps.GPSLatitudeRef)}"/"${String(gps.GPSLongitudeRef)}" are not N/S and E/W; position ignored`);
    return none;
  }
  const signedLatitude = latRef === 'S' ? -Math.abs(latitude) : latitude;
  const signedLongitude = lonRef === 'W' ? -Math.abs(longitude) : longitude;
  if (Math.abs(signedLatitude) > 90 || Math.abs(signedLongitude) > 180) {
    warnings.push(`GPS position ${signedLatitude}, ${signedLongitude} is outside the Earth's coordinates and was ignored`);
    return none;
  }
  // 0,0 without hemisphere references is what receivers write before they have a fix.
  if (signedLatitude === 0 && signedLongitude === 0 && latRef === null && lonRef === null) {
    warnings.push('GPS position 0,0 without hemisphere references is a placeholder and was ignored');
    return none;
  }
  return { latitude: signedLatitude, longitude: signedLongitude };
}

function readAltitude(gps: TagBlock, warnings: string[]): number | null {
  const value = gps.GPSAltitude;
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    warnings.push(`GPS altitude ${JSON.stringify(value)} is not a number and was ignored`);
    return null;
  }
  // GPSAltitudeRef is a BYTE: 1 = below sea level; raw values arrive as a 1-byte array.
  const ref = gps.GPSAltitudeRef;
  const refValue = ref instanceof Uint8Array ? ref[0] : typeof ref === 'number' ? ref : 0;
  const altitude = refValue === 1 ? -Math.abs(value) : value;
  if (altitude < ALTITUDE_RANGE_M.min || altitude > ALTITUDE_RANGE_M.max) {
    warnings.push(`GPS altitude ${altitude} m is impossible and was ignored`);
    return null;
  }
  return altitude;
}
