import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { StationError, errorMessage } from '../errors.js';
import type { ImageFormat } from '../image-format.js';
import type { FileOutcome, Library, PhotoMetadata } from '../library/index.js';
import { type Settings, thumbnailCacheDir } from '../settings.js';
import type { Classification, ClassifierInput, PhotoClassifier } from '../vision/classifier.js';
import type { Thumbnail } from '../vision/decode.js';
import { type DecodedPhoto, decodePhoto, thumbnailFromDecoded } from '../vision/decode-photo.js';
import { detectImageFormat } from '../vision/image-format.js';
import { type SamplePlan, type SamplePlans, memoizedPlan } from '../vision/sampled-decode.js';
import { thumbnailSamples } from '../vision/thumbnail-prereduce.js';
import { readPhotoExif } from './exif.js';
import { formatLocalTime } from './format-local-time.js';
import { FrameSlots } from './frame-slots.js';
import { readAndHashPhotoFile } from './read-photo-file.js';
import type { ImportProgress, ImportResult } from './import-events.js';
import { scanFolder } from '../scan-folder.js';
import { RateMeter, runWorkQueue } from '../work-queue.js';

export interface ImportOptions {
  settings: Settings;
  /** The classification stage; absent → photos are stored without predictions. */
  classifier?: PhotoClassifier | null;
  /** Aborting stops taking new files; files in flight finish; the import stays resumable. */
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** Import only these files of the folder (absolute paths), e.g. the originals a citizen intake just received. */
  onlyFiles?: readonly string[];
}

/** Imports this thread is running now: one left 'running' in the database but not here was abandoned. */
const importsRunningHere = new Set<number>();

/** What one file became: stored (with how) or refused (with why). */
type FileResult = { ok: true; outcome: FileOutcome } | { ok: false; code: string; message: string };

interface ImportRun {
  library: Library;
  importId: number;
  modelId: number | null;
  options: ImportOptions;
  thumbnailsDir: string;
  /** Bounds the full-size frames in memory at once (`decodeConcurrency`). */
  frames: FrameSlots;
  /** Where the thumbnail reads a photo's frame (see decodeForImport). */
  thumbnailPlan: SamplePlan;
}

/**
 * Imports every photo under `rootPath` into the library: scan → read → hash → EXIF → decode
 * (thumbnail) → classify → store, each file in its own transaction. Re-importing a folder
 * adds only what is new; an import that was killed resumes where it stopped.
 */
export async function importFolder(library: Library, rootPath: string, options: ImportOptions): Promise<ImportResult> {
  const root = path.resolve(rootPath);
  const elsewhere = library.imports.findRunningElsewhere(root);
  if (elsewhere) {
    throw new StationError('IMPORT_RUNNING', `${root} is already being imported by another process (import #${elsewhere.id}); wait for it to finish.`);
  }
  const thumbnailsDir = thumbnailCacheDir(library.databasePath);
  // A library kept inside the imported folder must not import its own thumbnails.
  const scan = await scanFolder(root, { excludeFolders: [thumbnailsDir] });
  // A card unmounted mid-import may leave its mount point behind, empty and on another device.
  const rootDevice = (await fs.stat(root)).dev;
  const modelId = options.classifier ? library.models.add(options.classifier.identity).id : null;
  const resumable = library.imports.findResumable(root, (id) => importsRunningHere.has(id));
  const importId = resumable ? resumable.id : library.imports.start(root, modelId);
  const thumbnailPlan = memoizedPlan((upright) => thumbnailSamples(upright, options.settings.thumbnailSize));
  const run: ImportRun = { library, importId, modelId, options, thumbnailsDir, frames: new FrameSlots(options.settings.decodeConcurrency), thumbnailPlan };
  importsRunningHere.add(importId);
  try {
    if (resumable) library.imports.resume(importId, modelId);
    const only = options.onlyFiles ? new Set(options.onlyFiles.map((file) => path.resolve(file))) : null;
    library.imports.addFiles(importId, only ? scan.files.filter((file) => only.has(file)) : scan.files, scan.skipped);
    await fs.mkdir(run.thumbnailsDir, { recursive: true });
    await processPendingFiles(run, root, rootDevice);
  } catch (error) {
    // A pulled card or a full disk: the next run resumes this import.
    const state = error instanceof StationError && (error.code === 'MEDIA_REMOVED' || error.code === 'DATABASE_FULL') ? 'interrupted' : 'failed';
    try {
      library.imports.finish(importId, state, errorMessage(error));
    } catch {
      // A full disk refuses this write too; the import stays 'running', and the next run resumes it.
    }
    throw error;
  } finally {
    importsRunningHere.delete(importId);
  }
  library.imports.finish(importId, options.signal?.aborted ? 'cancelled' : 'completed');
  return { summary: library.imports.get(importId)!, resumed: resumable !== null };
}

async function processPendingFiles(run: ImportRun, root: string, rootDevice: number): Promise<void> {
  const { library, importId, options } = run;
  const pending = library.imports.pendingPaths(importId);
  const before = library.imports.get(importId)!;
  const filesDoneBefore = before.filesDone + before.filesFailed;
  const meter = new RateMeter();
  let doneThisRun = 0;
  let failed = before.filesFailed;
  let photosNew = before.photosNew;
  let mediaRemoved: StationError | null = null;

  const report = (lastPath: string | null, lastError: string | null, remaining: number) => {
    options.onProgress?.({
      importId,
      rootPath: root,
      filesDoneBefore,
      filesTotal: before.filesTotal,
      filesDone: filesDoneBefore + doneThisRun,
      filesFailed: failed,
      photosNew,
      rate: meter.rate,
      etaSeconds: meter.etaSeconds(remaining),
      lastPath,
      lastError,
    });
  };

  report(null, null, pending.length);
  await runWorkQueue(pending, {
    concurrency: options.settings.importConcurrency,
    signal: options.signal,
    work: async (filePath) => {
      const result = await importOneFile(run, filePath);
      const cardGone = !result.ok && result.code === 'FILE_UNREADABLE' && !(await isSameFolder(root, rootDevice));
      return { result, cardGone };
    },
    after: (filePath, { result, cardGone }, remaining) => {
      if (cardGone) {
        // Leave this file pending, so the next run picks it up.
        mediaRemoved = new StationError('MEDIA_REMOVED', `The folder ${root} disappeared during the import (card removed?). Insert it again and re-run the import: it resumes where it stopped.`);
        return 'stop';
      }
      if (result.ok) {
        if (result.outcome === 'new') photosNew++;
      } else {
        library.imports.markFileFailed(importId, filePath, result.code, result.message);
        failed++;
      }
      doneThisRun++;
      meter.tick();
      report(filePath, result.ok ? null : result.message, remaining);
    },
  });
  if (mediaRemoved) throw mediaRemoved;
}

/** The folder is still there, on the device it was on when the import started. */
async function isSameFolder(folder: string, device: number): Promise<boolean> {
  try {
    const stat = await fs.stat(folder);
    return stat.isDirectory() && stat.dev === device;
  } catch {
    return false;
  }
}

/** Reads, checks, classifies and stores one file. Never throws: failures are data. */
async function importOneFile(run: ImportRun, filePath: string): Promise<FileResult> {
  const { library, importId, modelId, options } = run;
  try {
    const { bytes, sha256 } = await readAndHashPhotoFile(filePath, options.settings);
    const knownId = library.photos.idBySha256(sha256);
    const needsPrediction = options.classifier != null && (knownId === null || !library.predictions.has(knownId, modelId!));

    // One decode serves the thumbnail and the classifier (when it takes decoded pixels).
    const sharesDecode = needsPrediction && options.classifier!.decodeRequest !== undefined;
    let classifying: Promise<Classification> | null = null;
    let reading: Promise<PhotoMetadata> | null = null;
    if (knownId === null || sharesDecode) {
      ({ classifying, reading } = await decodeAndStart(run, { bytes, sha256, filePath }, { thumbnail: knownId === null, classify: needsPrediction, sharesDecode }));
    } else if (needsPrediction) {
      classifying = classifyPhoto(options.classifier!, { bytes, path: filePath });
      classifying.catch(() => undefined); // awaited below, after the EXIF and thumbnail
    }
    const metadata = reading ? await reading : null;
    const classification = classifying ? await classifying : null;

    const outcome = library.transaction((): FileOutcome => {
      // Re-check inside the transaction: the same bytes may have been stored meanwhile from another path.
      let photoId = library.photos.idBySha256(sha256);
      let fileOutcome: FileOutcome;
      if (photoId === null) {
        photoId = library.photos.insert({ ...metadata!, sha256, byteSize: bytes.length, importId });
        fileOutcome = 'new';
      } else {
        fileOutcome = library.photos.hasPath(photoId, filePath) ? 'known' : 'duplicate';
      }
      library.photos.recordPath(photoId, filePath, importId);
      if (classification && !library.predictions.has(photoId, modelId!)) {
        library.predictions.save({
          photoId,
          modelId: modelId!,
          labels: options.classifier!.identity.labels,
          probabilities: classification.probabilities,
          embedding: classification.embedding,
          topK: options.settings.topK,
        });
      }
      library.imports.markFileDone(importId, filePath, fileOutcome, photoId);
      return fileOutcome;
    });
    return { ok: true, outcome };
  } catch (error) {
    if (error instanceof StationError) return { ok: false, code: error.code, message: error.message };
    const message = errorMessage(error);
    if (/SQLITE_FULL|database or disk is full/i.test(message) || (error as NodeJS.ErrnoException).code === 'ENOSPC') {
      // Every following file would fail the same way: stop the import rather than mark them all failed.
      throw new StationError('DATABASE_FULL', `The disk holding the library ${library.databasePath} is full (${message}). Free some space, then run the import again: what was stored is kept and it resumes.`);
    }
    return { ok: false, code: 'IMPORT_FAILED', message: `${filePath}: ${message}` };
  }
}

/**
 * Decodes the photo in one of the import's frame slots and starts what reads the frame: the
 * classifier (network input) and the thumbnail, which both read it before returning their
 * promise. The frame is referenced from this function's scope alone, so it can be collected
 * once this returns, while the photo waits for inference.
 */
async function decodeAndStart(
  run: ImportRun,
  file: { bytes: Buffer; sha256: string; filePath: string },
  needs: { thumbnail: boolean; classify: boolean; sharesDecode: boolean },
): Promise<{ classifying: Promise<Classification> | null; reading: Promise<PhotoMetadata> | null }> {
  const { bytes, sha256, filePath } = file;
  const releaseFrame = await run.frames.acquire();
  try {
    const decoded = await decodeForImport(run, bytes, filePath, needs.thumbnail, needs.sharesDecode);
    const classifying = needs.classify ? classifyPhoto(run.options.classifier!, { bytes, path: filePath, ...(needs.sharesDecode ? { decoded } : {}) }) : null;
    classifying?.catch(() => undefined); // awaited by the caller; a failure of the thumbnail must not leave it unhandled
    const reading = needs.thumbnail ? readNewPhoto(run, bytes, decoded, sha256, filePath) : null;
    reading?.catch(() => undefined);
    return { classifying, reading };
  } finally {
    releaseFrame();
  }
}

/**
 * The photo decoded once for what this file needs: the classifier's decode (the full frame
 * for the exact resampler, read at the taps and the thumbnail's cells alone where the JPEG
 * can be decoded so), or, for a thumbnail alone, one shrunk on load. Decoding is also the
 * check that the pixels can be read at all (truncated files fail here).
 */
async function decodeForImport(run: ImportRun, bytes: Buffer, filePath: string, needsThumbnail: boolean, forClassifier: boolean): Promise<DecodedPhoto> {
  const format = detectImageFormat(bytes);
  if (!format) {
    throw new StationError('NOT_AN_IMAGE', `${filePath} is not a photo: its content is not JPEG, PNG, TIFF, HEIC or WebP (renamed or damaged file?).`);
  }
  const settings = run.options.settings;
  const thumbnailSide = { width: settings.thumbnailSize, height: settings.thumbnailSize };
  const request = forClassifier ? run.options.classifier!.decodeRequest! : { atLeast: thumbnailSide };
  const atLeast = request.atLeast && needsThumbnail ? largerOf(request.atLeast, thumbnailSide) : request.atLeast;
  if (atLeast) return decodePhoto(bytes, { maxPixels: settings.maxImagePixels, path: filePath, atLeast });
  const samples: SamplePlans | undefined = request.samples && { network: request.samples, ...(needsThumbnail ? { thumbnail: run.thumbnailPlan } : {}) };
  return decodePhoto(bytes, { maxPixels: settings.maxImagePixels, path: filePath, ...(samples ? { samples } : {}) });
}

function largerOf(a: { width: number; height: number }, b: { width: number; height: number }): { width: number; height: number } {
  return { width: Math.max(a.width, b.width), height: Math.max(a.height, b.height) };
}

/**
 * Reads a new photo's EXIF and caches its thumbnail (colour-managed, from the shared decode).
 * The frame is read before this returns its promise (see thumbnailFromDecoded).
 */
function readNewPhoto(run: ImportRun, bytes: Buffer, decoded: DecodedPhoto, sha256: string, filePath: string): Promise<PhotoMetadata> {
  const thumbnailing = thumbnailFromDecoded(decoded, run.options.settings.thumbnailSize, filePath);
  thumbnailing.catch(() => undefined); // awaited in storeNewPhoto, after EXIF
  return storeNewPhoto(run, bytes, decoded.format, thumbnailing, sha256, filePath);
}

async function storeNewPhoto(run: ImportRun, bytes: Buffer, format: ImageFormat, thumbnailing: Promise<Thumbnail>, sha256: string, filePath: string): Promise<PhotoMetadata> {
  const settings = run.options.settings;
  const exif = await readPhotoExif(bytes);
  let captured = { capturedAt: exif.capturedAt, capturedAtSource: exif.capturedAtSource };
  if (captured.capturedAt === null && settings.captureTimeFromFileModified) {
    captured = { capturedAt: await fileModifiedCaptureTime(filePath), capturedAtSource: 'file:modified' };
  }
  const thumbnail = await thumbnailing;
  await writeFileAtomically(path.join(run.thumbnailsDir, `${sha256}.jpg`), thumbnail.jpeg);
  return {
    format,
    width: exif.width,
    height: exif.height,
    orientation: exif.orientation,
    ...captured,
    latitude: exif.latitude,
    longitude: exif.longitude,
    altitude: exif.altitude,
    cameraMake: exif.cameraMake,
    cameraModel: exif.cameraModel,
    exifWarning: exif.warning,
  };
}

/** The file's modification time as local time with this machine's UTC offset then (labelled 'file:modified'). */
async function fileModifiedCaptureTime(filePath: string): Promise<string> {
  return formatLocalTime((await fs.stat(filePath)).mtime);
}

/**
 * Not async, and its handler keeps the path alone, so that nothing here keeps `input.decoded`
 * (the full frame) alive while the photo waits for inference.
 */
function classifyPhoto(classifier: PhotoClassifier, input: ClassifierInput): Promise<Classification> {
  const photoPath = input.path;
  return classifier.classify(input).catch((error: unknown) => {
    if (error instanceof StationError) throw error;
    throw new StationError('CLASSIFY_FAILED', `${photoPath} could not be classified: ${errorMessage(error)}`);
  });
}
