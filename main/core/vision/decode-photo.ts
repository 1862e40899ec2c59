import sharp from 'sharp';
import { StationError } from '../errors.js';
import type { ImageFormat } from '../image-format.js';
import {
  type DecodeOptions,
  FAIL_ON,
  FLATTEN_BACKGROUND,
  THUMBNAIL_JPEG_QUALITY,
  type Thumbnail,
  checkPixels,
  decodeHeic,
  probe,
  runImageOutput,
} from './decode.js';
import { pngWithIccProfile } from './png-with-icc.js';
import { uprightCopy, uprightLayout } from './orientation.js';
import { type SampledGrids, type SamplePlans, decodeSampledJpeg, meansOfPairs } from './sampled-decode.js';
import { prereduceFactor, prereduceForThumbnail } from './thumbnail-prereduce.js';

/**
 * One decode per photo, shared by the classifier and the thumbnail.
 *
 * The classifier must see the samples DEEP-OC trained on: image-classification-tf reads
 * photos with `cv2.imread(path, cv2.IMREAD_COLOR)`, which applies the EXIF orientation but
 * no colour management (an embedded Adobe RGB or ProPhoto profile is ignored) and drops the
 * alpha channel (the colour under a transparent pixel is kept, not blended). So the pixels
 * here are the decoder's samples, never converted by their ICC profile, read upright by their
 * users (the EXIF orientation of a full frame is applied while reading it, see DecodedPhoto). The
 * thumbnail, which people look at, gets the profile applied after downsizing (see
 * `thumbnailFromDecoded`), so both come from this one decode.
 */

// libvips' operation cache only helps repeated identical operations; photo pipelines never
// repeat one, and cached operations would keep decoded frames (tens of MB each) alive.
sharp.cache(false);

/** Interleaved 8-bit pixels, row-major: RGB, or RGBA when the photo has transparency. */
export interface PixelImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

export interface DecodedPhoto {
  format: ImageFormat;
  /**
   * The samples as stored (no colour management), with `orientation` still to apply. Alpha,
   * when present, is for the thumbnail only. When `sampled`, only its size is the photo's and
   * `data` is empty: readers get their pixels through framePixels or meansOfPairs (sampled-decode.ts).
   */
  pixels: PixelImage;
  /**
   * EXIF orientation (1-8) of `pixels`; 1 when they are upright. A full-size decode leaves it
   * to its readers (the resamplers and the thumbnail read the frame upright, see orientation.ts)
   * rather than have libvips copy the whole frame turned.
   */
  orientation: number;
  /** The embedded ICC profile: applied to the thumbnail, never to the classifier's input. */
  icc: Buffer | null;
  /** True when the decoder shrank the photo on load (`atLeast`), false for the full frame. */
  reduced: boolean;
  /** Set when the JPEG was decoded to its readers' samples alone (`samples` of DecodePhotoOptions): one grid per reader. */
  sampled?: SampledGrids;
}

export interface DecodePhotoOptions extends DecodeOptions {
  /**
   * Shrink on load (JPEG DCT scaling, then a linear reduce) while keeping both sides at least
   * this size; the fast resampler and thumbnail-only imports use it. Absent: the full frame,
   * which the exact resampler needs.
   */
  atLeast?: { width: number; height: number };
  /**
   * The full frame is only read at some rows and columns by each reader (the exact resampler's
   * taps, the thumbnail's cells): a JPEG is then decoded to those samples alone when the native
   * decoder is installed (sampled-decode.ts); anything else, a JPEG it refuses, or a plan that
   * needs the whole frame, is decoded whole.
   */
  samples?: SamplePlans;
}

/**
 * Decodes a photo once: FILE_EMPTY, NOT_AN_IMAGE, IMAGE_TOO_LARGE or IMAGE_CORRUPT (naming
 * the file) when it cannot be. HEVC-coded HEIC comes from libheif as it decodes it (its
 * YCbCr-to-RGB conversion, no ICC conversion), already upright.
 */
export async function decodePhoto(bytes: Buffer, options: DecodePhotoOptions): Promise<DecodedPhoto> {
  const probed = await probe(bytes, options);
  const { format } = probed.size;
  if (probed.needsHeicDecoder) {
    const decoded = await decodeHeic(bytes, options.path);
    checkPixels(decoded.width, decoded.height, options.maxPixels, options.path);
    const data = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
    return { format, pixels: { width: decoded.width, height: decoded.height, channels: 4, data }, icc: probed.icc, reduced: false, orientation: 1 };
  }
  // ignoreIcc: the samples as stored, as cv2.imread returns them. libheif has already applied
  // a HEIF's own rotation boxes (probe says 1); every other format follows its EXIF orientation,
  // left to the readers of a full frame, applied by libvips to a frame shrunk on load.
  let orientation = exifOrientation(probed.size.orientation);
  const sampled = format === 'jpeg' && options.samples && !options.atLeast ? await decodeSampledJpeg(bytes, probed.size, orientation, options.samples, options.maxPixels) : null;
  if (sampled) {
    return { format, pixels: { width: probed.size.width, height: probed.size.height, channels: 3, data: new Uint8Array(0) }, sampled, icc: probed.icc, reduced: false, orientation };
  }
  let image = sharp(bytes, { failOn: FAIL_ON, limitInputPixels: options.maxPixels, ignoreIcc: true });
  if (options.atLeast) {
    if (orientation !== 1) image = image.rotate();
    orientation = 1;
    image = image.resize(options.atLeast.width, options.atLeast.height, { fit: 'outside', withoutEnlargement: true, kernel: sharp.kernel.linear, fastShrinkOnLoad: true });
  }
  // Grey photos become RGB (cv2.IMREAD_COLOR does the same); 16-bit samples become 8-bit.
  const { data, info } = await runImageOutput(options.path, () => image.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }));
  if (info.channels !== 3 && info.channels !== 4) {
    throw new StationError('IMAGE_CORRUPT', `${options.path ? `"${options.path}"` : 'The image'} decoded to ${info.channels} channels instead of RGB; convert it to an RGB JPEG.`);
  }
  return {
    format,
    pixels: { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
    icc: probed.icc,
    reduced: options.atLeast !== undefined,
    orientation,
  };
}

/** 1-8; anything else (absent, hostile EXIF) means upright, as libvips' autorot reads it. */
function exifOrientation(value: number): number {
  return Number.isInteger(value) && value >= 1 && value <= 8 ? value : 1;
}

/**
 * The review thumbnail from a decoded photo: downsized (longest side `size`, never enlarged),
 * then converted from the photo's ICC profile to sRGB, transparency over white, JPEG.
 * A large frame is first pre-reduced by sampling (see thumbnail-prereduce.ts), so libvips
 * reads a small image instead of the whole frame. The frame is read before this returns: the
 * caller may drop it while the promise is pending.
 */
export function thumbnailFromDecoded(photo: DecodedPhoto, size: number, path?: string): Promise<Thumbnail> {
  const { pixels, icc } = photo;
  const stored = { ...pixels, orientation: photo.orientation };
  const upright = uprightLayout(stored);
  const factor = prereduceFactor(upright.width, upright.height, size);
  // A photo decoded to samples comes with its thumbnail's pre-reduce done by the decoder.
  const source = photo.sampled ? meansOfPairs(photo, 'thumbnail') : factor > 1 ? prereduceForThumbnail(stored, factor) : { ...uprightCopy(stored), channels: pixels.channels };
  if (photo.sampled && factor === 1) throw new Error('a photo this small is thumbnailed from its whole frame, not from samples');
  // The thumbnail's size from the full frame's, as sharp's fit 'inside' computes it.
  const scale = Math.max(upright.width, upright.height) / size;
  const small = sharp(source.data, { raw: { width: source.width, height: source.height, channels: pixels.channels } })
    .resize(
      factor > 1 ? { width: Math.max(1, Math.round(upright.width / scale)), height: Math.max(1, Math.round(upright.height / scale)), fit: 'fill' }
        : { width: size, height: size, fit: 'inside', withoutEnlargement: true },
    );
  return encodeThumbnail(small, icc, path);
}

/** The small image converted from `icc` to sRGB, over white, as JPEG. */
async function encodeThumbnail(small: sharp.Sharp, icc: Buffer | null, path: string | undefined): Promise<Thumbnail> {
  let tagged: sharp.Sharp;
  if (icc) {
    // Lossless and small; sharp converts an input's embedded profile to sRGB when it reads it.
    const png = await runImageOutput(path, () => small.png({ compressionLevel: 0 }).toBuffer());
    tagged = sharp(pngWithIccProfile(png, icc));
  } else {
    tagged = small;
  }
  const { data, info } = await runImageOutput(path, () =>
    tagged.flatten({ background: FLATTEN_BACKGROUND }).jpeg({ quality: THUMBNAIL_JPEG_QUALITY }).toBuffer({ resolveWithObject: true }),
  );
  return { jpeg: data, width: info.width, height: info.height };
}
