import { createRequire } from 'node:module';
import sharp from 'sharp';
import { StationError, errorMessage } from '../errors.js';
import type { ImageFormat } from '../image-format.js';
import { detectImageFormat } from './image-format.js';

/**
 * Photo decoding: bytes → an upright, sRGB, 3-channel sharp pipeline, with every way a
 * file can be unreadable turned into a StationError that names the file.
 *
 * sharp is lazy: `openOrientedImage` checks the header (format, size, pixel limit), but
 * damage further into the file (a truncated JPEG) only shows when pixels are produced.
 * Run output calls through `runImageOutput` (or call `makeThumbnail` first, which decodes
 * everything) to get the same clean errors from them.
 */

export interface DecodeOptions {
  /** Refuse images with more pixels than this (decompression bombs). */
  maxPixels: number;
  /** Shown in error messages; the file's path when there is one. */
  path?: string;
}

export interface ThumbnailOptions extends DecodeOptions {
  /** Longest side of the thumbnail in pixels; smaller images are not enlarged. */
  size: number;
}

export interface Thumbnail {
  jpeg: Buffer;
  width: number;
  height: number;
}

export interface ImageSize {
  format: ImageFormat;
  /**
   * Pixel size as stored, before EXIF orientation. For HEIF it is already the displayed
   * size: libheif applies the file's own rotation boxes, and `orientation` is then 1.
   */
  width: number;
  height: number;
  /** EXIF orientation 1-8 as the decoder saw it, 1 when absent. */
  orientation: number;
  /** Pixel size once the orientation is applied (width and height swap for 5-8). */
  uprightWidth: number;
  uprightHeight: number;
}

export const THUMBNAIL_JPEG_QUALITY = 80;
/** Transparent areas of PNG/WebP/TIFF photos become white, as a viewer would show them. */
export const FLATTEN_BACKGROUND = { r: 255, g: 255, b: 255 };
/**
 * libvips' sensitivity to damaged pixel data: 'error' rejects truncated and corrupt
 * images but accepts files whose decoder only warns (e.g. stray bytes after the image).
 */
export const FAIL_ON = 'error' as const;

// heic-decode ships no type declarations; this is the part of its API we use.
export interface HeicDecoded {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}
type HeicDecode = (input: { buffer: Uint8Array }) => Promise<HeicDecoded>;
let heicDecode: HeicDecode | undefined;
function loadHeicDecode(): HeicDecode {
  heicDecode ??= createRequire(import.meta.url)('heic-decode') as HeicDecode;
  return heicDecode;
}

function fileLabel(path: string | undefined): string {
  return path ? `"${path}"` : 'The image';
}

/** libvips stacks one line per retry ("source: bad seek to ..."); the first says it. */
function firstLine(error: unknown): string {
  return (errorMessage(error).split('\n')[0] ?? '').trim();
}

/** Maps a sharp/libvips/libheif failure to the StationError a user can act on. */
export function imageErrorFrom(error: unknown, path?: string): StationError {
  if (error instanceof StationError) return error;
  const detail = firstLine(error);
  const name = fileLabel(path);
  if (/pixel limit/i.test(detail)) {
    return new StationError('IMAGE_TOO_LARGE', `${name} has more pixels than the configured limit (${detail}); raise maxImagePixels if it is a genuine photo.`, { cause: error });
  }
  if (/unsupported image format|buffer is empty/i.test(detail)) {
    return new StationError('NOT_AN_IMAGE', `${name} is not an image sharp can read (${detail}); skip it or convert it to JPEG.`, { cause: error });
  }
  return new StationError('IMAGE_CORRUPT', `${name} is damaged or truncated and cannot be decoded (${detail}); copy it again from the camera card if possible.`, { cause: error });
}

/** Runs a sharp output call (`toBuffer`, `toFile`, ...) and turns decode failures into StationErrors. */
export async function runImageOutput<T>(path: string | undefined, output: () => Promise<T>): Promise<T> {
  try {
    return await output();
  } catch (error) {
    throw imageErrorFrom(error, path);
  }
}

function checkNotEmpty(bytes: Buffer, path: string | undefined): ImageFormat {
  if (bytes.length === 0) {
    throw new StationError('FILE_EMPTY', `${fileLabel(path)} is empty (0 bytes); the copy probably failed, copy it again.`);
  }
  const format = detectImageFormat(bytes);
  if (!format) {
    throw new StationError('NOT_AN_IMAGE', `${fileLabel(path)} is not a JPEG, PNG, TIFF, HEIC or WebP image (its first bytes match none of them), whatever its name says; skip it.`);
  }
  return format;
}

export function checkPixels(width: number, height: number, maxPixels: number, path: string | undefined): void {
  if (width * height > maxPixels) {
    throw new StationError('IMAGE_TOO_LARGE', `${fileLabel(path)} is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}; it is refused as a possible decompression bomb (raise maxImagePixels if it is a genuine photo).`);
  }
}

export interface Probe {
  size: ImageSize;
  /** HEVC-coded HEIF, which sharp's prebuilt libvips cannot decode. */
  needsHeicDecoder: boolean;
  /** The embedded ICC colour profile, when the file has one. */
  icc: Buffer | null;
}

/** Header checks (empty, not an image, pixel limit) and what the decoders need to know. */
export async function probe(bytes: Buffer, options: DecodeOptions): Promise<Probe> {
  const format = checkNotEmpty(bytes, options.path);
  let metadata: sharp.Metadata;
  try {
    // Header only; no pixel limit here so that an oversized image gets the precise message below.
    metadata = await sharp(bytes, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (error) {
    throw imageErrorFrom(error, options.path);
  }
  const { width, height } = metadata;
  if (!width || !height) {
    throw new StationError('IMAGE_CORRUPT', `${fileLabel(options.path)} has no readable pixel size in its header; it is damaged.`);
  }
  checkPixels(width, height, options.maxPixels, options.path);
  const needsHeicDecoder = format === 'heif' && metadata.compression === 'hevc';
  // HEIF orientation lives in its 'irot'/'imir' boxes, which libheif applies while decoding;
  // a HEIF's EXIF orientation must not be applied a second time.
  const orientation = format === 'heif' ? 1 : (metadata.orientation ?? 1);
  const swap = orientation >= 5 && orientation <= 8;
  return {
    size: {
      format, width, height, orientation,
      uprightWidth: swap ? height : width,
      uprightHeight: swap ? width : height,
    },
    needsHeicDecoder,
    icc: metadata.icc ?? null,
  };
}

// HEVC decoding in wasm takes ~1 s for 12 MP; the import pipeline asks for a thumbnail and
// a model input from the same Buffer, so the RGBA result is kept while that Buffer lives.
const heicCache = new WeakMap<Buffer, Promise<HeicDecoded>>();

export function decodeHeic(bytes: Buffer, path: string | undefined): Promise<HeicDecoded> {
  let pending = heicCache.get(bytes);
  if (!pending) {
    pending = loadHeicDecode()({ buffer: bytes }).catch((error: unknown) => {
      heicCache.delete(bytes);
      throw new StationError('IMAGE_CORRUPT', `${fileLabel(path)} is a HEIC image that could not be decoded (${firstLine(error)}); convert it to JPEG on the phone or computer and import that.`, { cause: error });
    });
    heicCache.set(bytes, pending);
  }
  return pending;
}

async function openProbed(bytes: Buffer, probed: Probe, options: DecodeOptions): Promise<sharp.Sharp> {
  let image: sharp.Sharp;
  if (probed.needsHeicDecoder) {
    const decoded = await decodeHeic(bytes, options.path);
    checkPixels(decoded.width, decoded.height, options.maxPixels, options.path);
    const rgba = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
    image = sharp(rgba, {
      raw: { width: decoded.width, height: decoded.height, channels: 4 },
      limitInputPixels: options.maxPixels,
    });
  } else {
    image = sharp(bytes, { failOn: FAIL_ON, limitInputPixels: options.maxPixels });
    // libheif has already applied a HEIF's own rotation (see probe); everything else follows EXIF.
    if (probed.size.format !== 'heif') image = image.rotate();
  }
  return image.toColourspace('srgb').flatten({ background: FLATTEN_BACKGROUND });
}

/**
 * An upright (EXIF orientation applied), sRGB, 3-channel pipeline ready for
 * `.resize(...)` and `.raw()`. Rejects with FILE_EMPTY, NOT_AN_IMAGE, IMAGE_TOO_LARGE or
 * IMAGE_CORRUPT when the header says so; damage deeper in the file surfaces at output
 * time, so wrap the output call in `runImageOutput(path, ...)`.
 * HEVC-coded HEIC is decoded by libheif (wasm) and arrives as raw pixels, already upright.
 */
export async function openOrientedImage(bytes: Buffer, options: DecodeOptions): Promise<sharp.Sharp> {
  return openProbed(bytes, await probe(bytes, options), options);
}

/** Format and pixel size from the header alone (no pixel decoding), after the same checks. */
export async function readImageSize(bytes: Buffer, options: DecodeOptions): Promise<ImageSize> {
  return (await probe(bytes, options)).size;
}

/**
 * A JPEG thumbnail, upright, longest side `size` (never enlarged). It decodes every pixel,
 * so it doubles as the pipeline's "is this photo readable" check.
 */
export async function makeThumbnail(bytes: Buffer, options: ThumbnailOptions): Promise<Thumbnail> {
  const image = await openOrientedImage(bytes, options);
  const { data, info } = await runImageOutput(options.path, () =>
    image
      .resize(options.size, options.size, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: THUMBNAIL_JPEG_QUALITY })
      .toBuffer({ resolveWithObject: true }),
  );
  return { jpeg: data, width: info.width, height: info.height };
}
