import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { StationError, errorMessage } from '../errors.js';
import { importFolder } from '../ingest/import-folder.js';
import type { ImportResult } from '../ingest/import-events.js';
import type { Library, Submission, SubmissionChannel } from '../library/index.js';
import type { Licence } from '../licences.js';
import type { Settings } from '../settings.js';
import type { PhotoClassifier } from '../vision/classifier.js';
import { detectImageFormat } from '../vision/image-format.js';
import { describedPlace, looksLikeMbox, readMail, splitMbox } from './read-mail.js';
import { SIDECAR_NAMES, type SubmissionDetails, detailsFromMailText, parseSidecar } from './submission-details.js';

/**
 * Citizen intake: visitors' mails (.eml, .mbox) and folders (one per submitter, with an optional
 * sidecar) become submissions whose photos go through the ordinary import pipeline (hash, EXIF,
 * thumbnail, classification, dedup). A mail attachment has no folder to stay in, so every
 * received photo is kept content-addressed in `<library>.originals/<sha256>.<ext>`.
 */
export interface IntakeOptions {
  settings: Settings;
  classifier?: PhotoClassifier | null;
  /** Who records the intake (the station's ranger). */
  ranger?: string | null;
  signal?: AbortSignal;
  /** When the submission was received, for folders (mails have their Date header); now when absent. */
  now?: () => Date;
}

/** A file received that was not stored, and why. */
export interface IntakeFileError {
  source: string;
  fileName: string;
  code: string;
  message: string;
}

export interface IntakeResult {
  submissions: Array<Submission & { submitterCreated: boolean }>;
  /** Mails or folders taken in before (same content): not stored twice. */
  alreadyReceived: string[];
  /** Mails with no photo, and other things that made no submission, with why. */
  skipped: Array<{ source: string; reason: string }>;
  /** Attachments refused before the import (too large, not a photo) and files the import refused. */
  errors: IntakeFileError[];
  /** Damaged parts of mails that were otherwise taken in. */
  problems: Array<{ source: string; problem: string }>;
  import: ImportResult | null;
}

interface ReceivedFile {
  fileName: string;
  bytes: Buffer;
}

/** One mail or one submitter folder, read and checked, nothing stored yet. */
interface Received {
  channel: SubmissionChannel;
  source: string;
  sourceKey: string;
  receivedAt: string;
  details: SubmissionDetails;
  subject: string | null;
  files: ReceivedFile[];
  problems: string[];
}

const MAIL_EXTENSIONS = /\.(eml|mbox|mbx)$/i;
const PHOTO_NAMES = /\.(jpe?g|png|tiff?|heic|heif|webp)$/i;
const EXTENSIONS = { jpeg: 'jpg', png: 'png', tiff: 'tif', heif: 'heic', webp: 'webp' } as Record<string, string>;

/** Where received originals are kept: beside the library, like its thumbnails. */
export function originalsDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath)}.originals`);
}

/** Takes in a mail file (.eml or .mbox) or a folder (submitter folders, mail files). Every sidecar is checked before anything is stored. */
export async function intake(library: Library, sourcePath: string, options: IntakeOptions): Promise<IntakeResult> {
  const source = path.resolve(sourcePath);
  let stat;
  try {
    stat = await fs.stat(source);
  } catch {
    throw new StationError('FOLDER_NOT_FOUND', `${source} does not exist. Give a .eml or .mbox file, or a folder of submitters' photos.`);
  }
  const now = options.now ?? (() => new Date());
  const received: Received[] = [];
  const result: IntakeResult = { submissions: [], alreadyReceived: [], skipped: [], errors: [], problems: [], import: null };
  if (stat.isDirectory()) await readFolder(source, received, result, now, options.settings.maxFileBytes);
  else await readMailFile(source, received, result);

  // Store the originals (content-addressed), then import exactly those through the pipeline.
  const dir = originalsDir(library.databasePath);
  await fs.mkdir(dir, { recursive: true });
  const stored = new Map<Received, Array<{ fileName: string; sha256: string; file: string }>>();
  const toImport = new Set<string>();
  for (const item of received) {
    if (library.submissions.bySourceKey(item.sourceKey)) {
      result.alreadyReceived.push(item.source);
      continue;
    }
    const files: Array<{ fileName: string; sha256: string; file: string }> = [];
    for (const file of item.files) {
      if (file.bytes.length > options.settings.maxFileBytes) {
        result.errors.push({ source: item.source, fileName: file.fileName, code: 'FILE_TOO_LARGE', message: `${file.fileName} (from ${item.source}) is ${file.bytes.length} bytes, more than the ${options.settings.maxFileBytes} bytes a photo may have: not stored.` });
        continue;
      }
      const format = detectImageFormat(file.bytes);
      if (!format) {
        result.errors.push({ source: item.source, fileName: file.fileName, code: 'NOT_AN_IMAGE', message: `${file.fileName} (from ${item.source}) is not a photo (JPEG, PNG, TIFF, HEIC or WebP): not stored.` });
        continue;
      }
      const sha256 = createHash('sha256').update(file.bytes).digest('hex');
      const target = path.join(dir, `${sha256}.${EXTENSIONS[format] ?? 'img'}`);
      if (!(await exists(target))) await writeFileAtomically(target, file.bytes);
      files.push({ fileName: file.fileName, sha256, file: target });
      toImport.add(target);
    }
    stored.set(item, files);
  }
  if (toImport.size) {
    result.import = await importFolder(library, dir, { settings: options.settings, classifier: options.classifier, signal: options.signal, onlyFiles: [...toImport] });
    for (const error of library.imports.errors(result.import.summary.id)) {
      result.errors.push({ source: dir, fileName: path.basename(error.path), code: error.code ?? 'IMPORT_FAILED', message: error.message ?? 'not imported' });
    }
  }

  for (const [item, files] of stored) {
    const photos = files.filter((file) => library.photos.idBySha256(file.sha256) !== null);
    for (const problem of item.problems) result.problems.push({ source: item.source, problem });
    if (!photos.length) {
      result.skipped.push({ source: item.source, reason: item.files.length ? 'none of its files could be stored as a photo' : 'no photo attached' });
      continue;
    }
    result.submissions.push(library.transaction(() => record(library, item, photos, options.ranger ?? null)));
  }
  return result;
}

function record(library: Library, item: Received, photos: Array<{ fileName: string; sha256: string }>, ranger: string | null): Submission & { submitterCreated: boolean } {
  const { details } = item;
  const consent = details.consentToName === true;
  const creditName = consent ? details.name : null;
  let submitter = library.submissions.findSubmitter(details.contact, details.name);
  let submitterCreated = false;
  if (!submitter) {
    submitter = library.submissions.createSubmitter({ name: details.name, contact: details.contact, creditName }, ranger);
    submitterCreated = true;
  } else if (consent && creditName && submitter.creditName !== creditName && !submitter.anonymised) {
    library.submissions.setCreditName(submitter.id, creditName, ranger);
  }
  // No licence given: the most restrictive, and without consent it stays out of published archives.
  const licence: Licence = details.licence ?? 'CC-BY-NC-4.0';
  const unique = new Map(photos.map((photo) => [photo.sha256, photo]));
  const submission = library.submissions.addSubmission(
    {
      submitterId: submitter.id,
      receivedAt: item.receivedAt,
      channel: item.channel,
      licence,
      consentToName: consent,
      note: details.note,
      subject: item.subject,
      locationText: details.location,
      source: item.source,
      sourceKey: item.sourceKey,
      photos: [...unique.values()].map((photo) => ({ sha256: photo.sha256, fileName: photo.fileName })),
    },
    ranger,
  );
  return { ...submission, submitterCreated };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function readMailFile(file: string, received: Received[], result: IntakeResult): Promise<void> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(file);
  } catch (error) {
    throw new StationError('FILE_UNREADABLE', `${file} could not be read: ${errorMessage(error)}`);
  }
  const messages = file.toLowerCase().endsWith('.mbox') || looksLikeMbox(raw) ? splitMbox(raw) : [raw];
  let index = 0;
  for (const message of messages) {
    index++;
    const source = messages.length > 1 || file.toLowerCase().endsWith('.mbox') ? `${file} #${index}` : file;
    try {
      const mail = await readMail(message);
      const fromText = detailsFromMailText(mail.text);
      const details: SubmissionDetails = {
        name: mail.fromName ?? fromText.name ?? null,
        contact: mail.fromAddress,
        licence: fromText.licence ?? null,
        consentToName: fromText.consentToName ?? null,
        location: fromText.location ?? describedPlace(mail.text, mail.subject),
        note: mail.text ? mail.text.slice(0, 2000) : null,
      };
      received.push({
        channel: 'email',
        source,
        sourceKey: `mail:${createHash('sha256').update(message).digest('hex')}`,
        receivedAt: mail.date ?? new Date().toISOString(),
        details,
        subject: mail.subject,
        files: mail.attachments.map((attachment) => ({ fileName: attachment.fileName, bytes: attachment.bytes })),
        problems: mail.problems,
      });
    } catch (error) {
      result.skipped.push({ source, reason: `not a readable mail: ${errorMessage(error)}` });
    }
  }
}

/** Every folder that holds photos directly is one submission (with its sidecar); mail files anywhere are mails. */
async function readFolder(folder: string, received: Received[], result: IntakeResult, now: () => Date, maxBytes: number): Promise<void> {
  const entries = (await fs.readdir(folder, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
  const photos = entries.filter((entry) => entry.isFile() && PHOTO_NAMES.test(entry.name));
  const sidecar = entries.find((entry) => entry.isFile() && (SIDECAR_NAMES as readonly string[]).includes(entry.name.toLowerCase()));
  if (photos.length || sidecar) {
    // A bad sidecar refuses the whole intake before anything is stored.
    const details: SubmissionDetails = sidecar
      ? parseSidecar(await fs.readFile(path.join(folder, sidecar.name), 'utf8'), path.join(folder, sidecar.name))
      : { name: path.basename(folder), contact: null, licence: null, consentToName: null, location: null, note: null };
    const files: ReceivedFile[] = [];
    const hash = createHash('sha256');
    for (const photo of photos) {
      const file = path.join(folder, photo.name);
      const size = (await fs.stat(file)).size;
      if (size > maxBytes) {
        // Over the limit: never read into memory.
        result.errors.push({ source: folder, fileName: photo.name, code: 'FILE_TOO_LARGE', message: `${file} is ${size} bytes, more than the ${maxBytes} bytes a photo may have: not stored.` });
        hash.update(`${photo.name}:${size}`);
        continue;
      }
      const bytes = await fs.readFile(file);
      hash.update(photo.name).update(createHash('sha256').update(bytes).digest());
      files.push({ fileName: photo.name, bytes });
    }
    if (sidecar) hash.update(await fs.readFile(path.join(folder, sidecar.name)));
    received.push({ channel: 'folder', source: folder, sourceKey: `folder:${hash.digest('hex')}`, receivedAt: now().toISOString(), details, subject: null, files, problems: [] });
  }
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) await readFolder(full, received, result, now, maxBytes);
    else if (entry.isFile() && MAIL_EXTENSIONS.test(entry.name)) await readMailFile(full, received, result);
  }
}
