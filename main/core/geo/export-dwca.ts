import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { StationError, errorMessage } from '../errors.js';
import { datasetLicence } from '../intake/photo-credits.js';
import { mostRestrictiveLicence } from '../licences.js';
import type { Library, PhotoSummary } from '../library/index.js';
import { DEFAULT_SETTINGS, type GeoSettings } from '../settings.js';
import { readStoredPhoto } from '../ingest/read-stored-photo.js';
import { openOrientedImage } from '../vision/decode.js';
import { type DatasetMetadata, DATASET_LICENCES, readDatasetMetadata } from './dataset-metadata.js';
import { buildEmlXml, buildMetaXml, type EmlCoverage } from './dwca-xml.js';
import { refuseEmptyArchive } from './export-dwca-empty.js';
import { DARWIN_CORE_COLUMNS, type DarwinCoreOccurrence, type DarwinCoreOptions, darwinCoreOccurrences } from './export-darwin-core.js';

/** Row types of the archive's files (Darwin Core Occurrence core, GBIF Simple Multimedia extension). */
export const OCCURRENCE_ROW_TYPE = 'http://rs.tdwg.org/dwc/terms/Occurrence';
export const MULTIMEDIA_ROW_TYPE = 'http://rs.gbif.org/terms/1.0/Multimedia';

/** Columns of multimedia.txt after the core id (GBIF Simple Multimedia extension terms). */
const MULTIMEDIA_TERMS = [
  { term: 'type', iri: 'http://purl.org/dc/terms/type' },
  { term: 'format', iri: 'http://purl.org/dc/terms/format' },
  { term: 'identifier', iri: 'http://purl.org/dc/terms/identifier' },
  { term: 'created', iri: 'http://purl.org/dc/terms/created' },
  { term: 'creator', iri: 'http://purl.org/dc/terms/creator' },
  { term: 'license', iri: 'http://purl.org/dc/terms/license' },
  { term: 'rightsHolder', iri: 'http://purl.org/dc/terms/rightsHolder' },
] as const;

/** JPEG quality of the photos re-encoded into the archive (EXIF and all other metadata dropped). */
const ARCHIVE_JPEG_QUALITY = 90;

export interface DwcaOptions extends Omit<DarwinCoreOptions, 'mediaIdentifier' | 'licence'> {
  /** Put the photos in the archive (media/<id>.jpg), re-encoded upright without EXIF/XMP/IPTC. */
  withPhotos?: boolean;
  /** Overrides of the stored dataset metadata for this export. */
  metadata?: Partial<DatasetMetadata>;
  maxImagePixels?: number;
  /** Called after each photo re-encoded for --with-photos (the slow part of a big archive). */
  onPhotoProgress?: (done: number, total: number) => void;
}

export interface DwcaResult {
  /** Occurrences written to occurrence.txt. */
  written: number;
  /** Observations left out because their class has no scientific name (see withoutTaxon). */
  leftOut: number;
  withoutTaxon: Record<string, number>;
  /** Rows of multimedia.txt. */
  media: number;
  /** Photos that --with-photos could not include (file gone, unreadable): path → reason. */
  photosMissing: Record<string, string>;
}

/** Archive text cells: no tabs or line breaks (meta.xml declares no quoting). */
function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[\t\r\n]+/g, ' ');
}

function tsvLine(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(cell).join('\t')}\n`;
}

/** Fails early, before any work, when the archive cannot be written where asked. */
function checkWritable(outPath: string): void {
  const folder = path.dirname(outPath);
  try {
    if (!fs.statSync(folder).isDirectory()) throw new Error('not a folder');
    fs.accessSync(folder, fs.constants.W_OK);
  } catch (error) {
    throw new StationError('EXPORT_FAILED', `Cannot write the archive ${outPath}: the folder ${folder} ${errorMessage(error).includes('ENOENT') ? 'does not exist' : 'is not writable'}. Choose a folder you can write to; nothing was changed.`);
  }
  if (fs.existsSync(outPath) && fs.statSync(outPath).isDirectory()) {
    throw new StationError('EXPORT_FAILED', `Cannot write the archive ${outPath}: a folder has that name. Give a file name such as occurrences.zip.`);
  }
}

/**
 * The photos of the occurrences, re-encoded into `folder` as <occurrence id>.jpg: upright,
 * sRGB, without EXIF, XMP or IPTC (no camera serials, owner names or GPS beyond the record's).
 */
async function stripPhotos(
  library: Library,
  photos: readonly PhotoSummary[],
  folder: string,
  maxPixels: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ files: Map<number, string>; missing: Record<string, string> }> {
  const files = new Map<number, string>();
  const missing: Record<string, string> = {};
  for (const [index, photo] of photos.entries()) {
    onProgress?.(index, photos.length);
    const read = await readStoredPhoto(library.photos.paths(photo.id), photo.sha256);
    if ('reason' in read) {
      missing[photo.path] = `not readable (${read.reason}); reconnect the card and export again`;
      continue;
    }
    try {
      const image = await openOrientedImage(read.bytes, { maxPixels, path: photo.path });
      const target = path.join(folder, `${photo.occurrenceId}.jpg`);
      await image.jpeg({ quality: ARCHIVE_JPEG_QUALITY }).toFile(target);
      files.set(photo.id, target);
    } catch (error) {
      missing[photo.path] = errorMessage(error);
    }
  }
  onProgress?.(photos.length, photos.length);
  return { files, missing };
}

function coverageOf(occurrences: readonly DarwinCoreOccurrence[]): EmlCoverage {
  let bounds: EmlCoverage['bounds'] = null;
  let begin: string | null = null;
  let end: string | null = null;
  const taxa = new Map<string, string | null>();
  for (const { record } of occurrences) {
    const lat = record.decimalLatitude;
    const lon = record.decimalLongitude;
    if (typeof lat === 'number' && typeof lon === 'number') {
      bounds = bounds
        ? { west: Math.min(bounds.west, lon), east: Math.max(bounds.east, lon), north: Math.max(bounds.north, lat), south: Math.min(bounds.south, lat) }
        : { west: lon, east: lon, north: lat, south: lat };
    }
    const day = typeof record.eventDate === 'string' ? record.eventDate.slice(0, 10) : null;
    if (day) {
      if (!begin || day < begin) begin = day;
      if (!end || day > end) end = day;
    }
    if (typeof record.scientificName === 'string') taxa.set(record.scientificName, typeof record.taxonRank === 'string' ? record.taxonRank : null);
  }
  return {
    bounds,
    dates: begin && end ? { begin, end } : null,
    taxa: [...taxa].sort(([a], [b]) => a.localeCompare(b)).map(([scientificName, taxonRank]) => ({ scientificName, taxonRank })),
  };
}

/**
 * Writes a Darwin Core Archive (zip) for GBIF: meta.xml (Darwin Core text guide), eml.xml
 * (GBIF Metadata Profile 1.3, from the library's dataset settings), occurrence.txt (one
 * occurrence per observation) and multimedia.txt (GBIF Simple Multimedia), plus media/*.jpg
 * with `withPhotos`. Media identifiers are files inside the archive (`withPhotos`) or the
 * configured base URL + /media/<id>.jpg; never a local path. The zip appears under its name
 * only once complete; an unwritable place fails before any work, and nothing stored changes.
 * An archive that would hold no occurrences is refused, naming why (see refuseEmptyArchive).
 */
export async function writeDarwinCoreArchive(library: Library, settings: GeoSettings, outPath: string, options: DwcaOptions = {}): Promise<DwcaResult> {
  const resolved = path.resolve(outPath);
  checkWritable(resolved);
  const metadata = { ...readDatasetMetadata(library), ...options.metadata };
  const licence = DATASET_LICENCES[metadata.licence];
  const recordedBy = options.recordedBy ?? metadata.recordedBy;
  const temporary = path.join(path.dirname(resolved), `.${path.basename(resolved)}.${process.pid}.${Date.now()}.partial`);
  const mediaFolder = `${temporary}-media`;
  try {
    // Which photos make it into the archive is known only after reading them, so they come first.
    let stripped: { files: Map<number, string>; missing: Record<string, string> } = { files: new Map(), missing: {} };
    if (options.withPhotos) {
      const draft = darwinCoreOccurrences(library, settings, { ...options, recordedBy });
      refuseEmptyArchive(resolved, draft);
      fs.mkdirSync(mediaFolder, { recursive: true });
      stripped = await stripPhotos(library, draft.occurrences.flatMap((occurrence) => occurrence.photos), mediaFolder, options.maxImagePixels ?? DEFAULT_SETTINGS.maxImagePixels, options.onPhotoProgress);
    }
    const base = metadata.mediaBaseUrl?.replace(/\/+$/, '') ?? null;
    const mediaIdentifier = (photo: PhotoSummary): string | null => {
      if (options.withPhotos) return stripped.files.has(photo.id) ? `media/${photo.occurrenceId}.jpg` : null;
      return base ? `${base}/media/${photo.occurrenceId}.jpg` : null;
    };
    const found = darwinCoreOccurrences(library, settings, { ...options, recordedBy, licence: metadata.licence, mediaIdentifier });
    refuseEmptyArchive(resolved, found);
    const { occurrences, withoutTaxon } = found;

    const terms = DARWIN_CORE_COLUMNS.map((column) => column.term);
    let occurrenceText = tsvLine(terms);
    let multimediaText = tsvLine(['occurrenceID', ...MULTIMEDIA_TERMS.map((column) => column.term)]);
    let media = 0;
    for (const { record, photos } of occurrences) {
      occurrenceText += tsvLine(terms.map((term) => record[term]));
      for (const photo of photos) {
        const identifier = mediaIdentifier(photo);
        if (!identifier) continue;
        // A visitor's photo keeps the licence its sender chose (the record's), like its occurrence.
        const photoLicence = typeof record.license === 'string' && record.license ? record.license : licence.url;
        multimediaText += tsvLine([record.occurrenceID, 'StillImage', 'image/jpeg', identifier, photo.capturedAt, recordedBy, photoLicence, metadata.publisher]);
        media++;
      }
    }
    const meta = buildMetaXml(
      { location: 'occurrence.txt', rowType: OCCURRENCE_ROW_TYPE, terms: DARWIN_CORE_COLUMNS.map((column) => column.iri) },
      [{ location: 'multimedia.txt', rowType: MULTIMEDIA_ROW_TYPE, terms: ['http://rs.tdwg.org/dwc/terms/occurrenceID', ...MULTIMEDIA_TERMS.map((column) => column.iri)] }],
    );
    // The dataset is only as open as its most restrictive record: a visitor's CC-BY-NC photo makes the whole archive CC-BY-NC.
    const archiveLicence = mostRestrictiveLicence([metadata.licence, datasetLicence(occurrences.map((occurrence) => occurrence.record))]);
    const eml = buildEmlXml({ ...metadata, licence: archiveLicence }, coverageOf(occurrences), { packageId: randomUUID(), pubDate: new Date().toISOString().slice(0, 10) });

    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(meta, 'utf8'), 'meta.xml');
    zip.addBuffer(Buffer.from(eml, 'utf8'), 'eml.xml');
    zip.addBuffer(Buffer.from(occurrenceText, 'utf8'), 'occurrence.txt');
    zip.addBuffer(Buffer.from(multimediaText, 'utf8'), 'multimedia.txt');
    for (const photo of occurrences.flatMap((occurrence) => occurrence.photos)) {
      const file = stripped.files.get(photo.id);
      if (file) zip.addFile(file, `media/${photo.occurrenceId}.jpg`, { compress: false });
    }
    await writeZip(zip, temporary);
    // On disk before it takes the final name, like the other exports (see atomic-file.ts).
    const fd = fs.openSync(temporary, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, resolved);
    return {
      written: occurrences.length,
      leftOut: Object.values(withoutTaxon).reduce((sum, n) => sum + n, 0),
      withoutTaxon,
      media,
      photosMissing: stripped.missing,
    };
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    if (error instanceof StationError) throw error;
    throw new StationError('EXPORT_FAILED', `Writing the archive ${resolved} failed: ${errorMessage(error)}. Nothing was written under that name; the library is unchanged.`, { cause: error });
  } finally {
    fs.rmSync(mediaFolder, { recursive: true, force: true });
  }
}

function writeZip(zip: yazl.ZipFile, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const output = fs.createWriteStream(target, { flags: 'wx' });
    output.on('error', reject);
    zip.outputStream.on('error', reject);
    output.on('close', () => resolve());
    zip.outputStream.pipe(output);
    zip.end();
  });
}
