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
import { describedPlace, looksLikeMbox, mboxMessages, readMail } from './read-mail.js';
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
  /** The name to show for the source instead of its path (an upload: the name it was uploaded as). */
  displayName?: string;
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

/** A received photo already kept in the originals folder. */
interface StoredFile {
  fileName: string;
  sha256: string;
  file: string;
}

/** One mail or one submitter folder, read and checked, its photos kept as originals. */
interface Received {
  channel: SubmissionChannel;
  source: string;
  sourceKey: string;
  receivedAt: string;
  details: SubmissionDetails;
  subject: string | null;
  /** How many files were offered (attached, or in the folder). */
  offered: number;
  files: StoredFile[];
  problems: string[];
}

/** What the reading passes share: where originals go, the size limit, what was found. */
interface IntakeRun {
  originals: string;
  maxBytes: number;
  received: Received[];
  result: IntakeResult;
  now: () => Date;
  isReceived: (sourceKey: string) => boolean;
  /** How a file or folder under the source is named in results and submissions. */
  label: (file: string) => string;
}

const MAIL_EXTENSIONS = /\.(eml|mbox|mbx)$/i;
const PHOTO_NAMES = /\.(jpe?g|png|tiff?|heic|heif|webp)$/i;
const EXTENSIONS = { jpeg: 'jpg', png: 'png', tiff: 'tif', heif: 'heic', webp: 'webp' } as Record<string, string>;

/** Where received originals are kept: beside the library, like its thumbnails. */
export function originalsDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath)}.originals`);
}

/**
 * Takes in a mail file (.eml or .mbox) or a folder (submitter folders, mail files). Every
 * sidecar is checked before anything is written; mails are read one at a time, each photo
 * kept as an original as soon as it is read (memory: one message or one file).
 */
export async function intake(library: Library, sourcePath: string, options: IntakeOptions): Promise<IntakeResult> {
  const source = path.resolve(sourcePath);
  let stat;
  try {
    stat = await fs.stat(source);
  } catch {
    throw new StationError('FOLDER_NOT_FOUND', `${source} does not exist. Give a .eml or .mbox file, or a folder of submitters' photos.`);
  }
  const result: IntakeResult = { submissions: [], alreadyReceived: [], skipped: [], errors: [], problems: [], import: null };
  const run: IntakeRun = {
    originals: originalsDir(library.databasePath),
    maxBytes: options.settings.maxFileBytes,
    received: [],
    result,
    now: options.now ?? (() => new Date()),
    // Taken in before, or earlier in this same run (a mail saved twice in one mailbox).
    isReceived: (key) => library.submissions.bySourceKey(key) !== null || run.received.some((item) => item.sourceKey === key),
    label: (file) => (options.displayName ? path.join(options.displayName, path.relative(source, file)) : file),
  };
  // A bad sidecar refuses the whole intake before anything is written.
  const sidecars = stat.isDirectory() ? await readSidecars(source) : new Map<string, SubmissionDetails>();
  await fs.mkdir(run.originals, { recursive: true });
  if (stat.isDirectory()) await readFolder(run, source, sidecars);
  else await readMailFile(run, source);

  // Import exactly the originals received, through the pipeline (hash, EXIF, thumbnail, classify, dedup).
  const toImport = [...new Set(run.received.flatMap((item) => item.files.map((file) => file.file)))];
  if (toImport.length) {
    result.import = await importFolder(library, run.originals, { settings: options.settings, classifier: options.classifier, signal: options.signal, onlyFiles: toImport });
    const wanted = new Set(toImport);
    for (const error of library.imports.errors(result.import.summary.id)) {
      if (!wanted.has(error.path)) continue;
      result.errors.push({ source: run.originals, fileName: path.basename(error.path), code: error.code ?? 'IMPORT_FAILED', message: error.message ?? 'not imported' });
    }
  }

  for (const item of run.received) {
    const photos = item.files.filter((file) => library.photos.idBySha256(file.sha256) !== null);
    for (const problem of item.problems) result.problems.push({ source: item.source, problem });
    if (!photos.length) {
      result.skipped.push({ source: item.source, reason: item.offered ? 'none of its files could be stored as a photo' : 'no photo attached' });
      continue;
    }
    result.submissions.push(library.transaction(() => record(library, item, photos, options.ranger ?? null)));
  }
  return result;
}

/** Checks one received file and keeps it, content-addressed; null (with the error listed) when it is refused. */
async function keepOriginal(run: IntakeRun, source: string, fileName: string, bytes: Buffer): Promise<StoredFile | null> {
  if (bytes.length > run.maxBytes) {
    run.result.errors.push({ source, fileName, code: 'FILE_TOO_LARGE', message: `${fileName} (from ${source}) is ${bytes.length} bytes, more than the ${run.maxBytes} bytes a photo may have: not stored.` });
    return null;
  }
  const format = detectImageFormat(bytes);
  if (!format) {
    run.result.errors.push({ source, fileName, code: 'NOT_AN_IMAGE', message: `${fileName} (from ${source}) is not a photo (JPEG, PNG, TIFF, HEIC or WebP): not stored.` });
    return null;
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = path.join(run.originals, `${sha256}.${EXTENSIONS[format] ?? 'img'}`);
  if (!(await exists(file))) await writeFileAtomically(file, bytes);
  return { fileName, sha256, file };
}

function record(library: Library, item: Received, photos: StoredFile[], ranger: string | null): Submission & { submitterCreated: boolean } {
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

async function readMailFile(run: IntakeRun, file: string): Promise<void> {
  let head: Buffer;
  try {
    const handle = await fs.open(file, 'r');
    try {
      head = Buffer.alloc(5);
      await handle.read(head, 0, 5, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new StationError('FILE_UNREADABLE', `${file} could not be read: ${errorMessage(error)}`);
  }
  const isMbox = file.toLowerCase().endsWith('.mbox') || looksLikeMbox(head);
  if (!isMbox) {
    await takeMail(run, run.label(file), await fs.readFile(file));
    return;
  }
  let index = 0;
  for await (const message of mboxMessages(file)) {
    index++;
    await takeMail(run, `${run.label(file)} #${index}`, message);
  }
}

async function takeMail(run: IntakeRun, source: string, message: Buffer): Promise<void> {
  const sourceKey = `mail:${createHash('sha256').update(message).digest('hex')}`;
  if (run.isReceived(sourceKey)) {
    run.result.alreadyReceived.push(source);
    return;
  }
  let mail;
  try {
    mail = await readMail(message);
  } catch (error) {
    run.result.skipped.push({ source, reason: `not a readable mail: ${errorMessage(error)}` });
    return;
  }
  const fromText = detailsFromMailText(mail.text);
  const details: SubmissionDetails = {
    name: mail.fromName ?? fromText.name ?? null,
    contact: mail.fromAddress,
    licence: fromText.licence ?? null,
    consentToName: fromText.consentToName ?? null,
    location: fromText.location ?? describedPlace(mail.text, mail.subject),
    note: mail.text ? mail.text.slice(0, 2000) : null,
  };
  const files: StoredFile[] = [];
  for (const attachment of mail.attachments) {
    const kept = await keepOriginal(run, source, attachment.fileName, attachment.bytes);
    if (kept) files.push(kept);
  }
  run.received.push({ channel: 'email', source, sourceKey, receivedAt: mail.date ?? run.now().toISOString(), details, subject: mail.subject, offered: mail.attachments.length, files, problems: mail.problems });
}

async function listFolder(folder: string) {
  return (await fs.readdir(folder, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
}

function sidecarOf(entries: Awaited<ReturnType<typeof listFolder>>) {
  return entries.find((entry) => entry.isFile() && (SIDECAR_NAMES as readonly string[]).includes(entry.name.toLowerCase()));
}

/** Every sidecar under the folder, parsed and checked (the first bad one throws, naming it). */
async function readSidecars(folder: string, found = new Map<string, SubmissionDetails>()): Promise<Map<string, SubmissionDetails>> {
  const entries = await listFolder(folder);
  const sidecar = sidecarOf(entries);
  if (sidecar) {
    const file = path.join(folder, sidecar.name);
    found.set(folder, parseSidecar(await fs.readFile(file, 'utf8'), file));
  }
  for (const entry of entries) if (entry.isDirectory()) await readSidecars(path.join(folder, entry.name), found);
  return found;
}

/** Every folder that holds photos directly is one submission (with its sidecar); mail files anywhere are mails. */
async function readFolder(run: IntakeRun, folder: string, sidecars: Map<string, SubmissionDetails>): Promise<void> {
  const entries = await listFolder(folder);
  const photos = entries.filter((entry) => entry.isFile() && PHOTO_NAMES.test(entry.name));
  const sidecar = sidecarOf(entries);
  if (photos.length) {
    const details = sidecars.get(folder) ?? { name: path.basename(run.label(folder)) || null, contact: null, licence: null, consentToName: null, location: null, note: null };
    const source = run.label(folder);
    const files: StoredFile[] = [];
    const key = createHash('sha256');
    for (const photo of photos) {
      const file = path.join(folder, photo.name);
      const size = (await fs.stat(file)).size;
      if (size > run.maxBytes) {
        // Over the limit: never read into memory.
        run.result.errors.push({ source, fileName: photo.name, code: 'FILE_TOO_LARGE', message: `${run.label(file)} is ${size} bytes, more than the ${run.maxBytes} bytes a photo may have: not stored.` });
        key.update(`${photo.name}:${size}`);
        continue;
      }
      const bytes = await fs.readFile(file);
      key.update(photo.name).update(createHash('sha256').update(bytes).digest());
      const kept = await keepOriginal(run, source, photo.name, bytes);
      if (kept) files.push(kept);
    }
    if (sidecar) key.update(await fs.readFile(path.join(folder, sidecar.name)));
    const sourceKey = `folder:${key.digest('hex')}`;
    if (run.isReceived(sourceKey)) run.result.alreadyReceived.push(source);
    else run.received.push({ channel: 'folder', source, sourceKey, receivedAt: run.now().toISOString(), details, subject: null, offered: photos.length, files, problems: [] });
  }
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) await readFolder(run, full, sidecars);
    else if (entry.isFile() && MAIL_EXTENSIONS.test(entry.name)) await readMailFile(run, full);
  }
}
