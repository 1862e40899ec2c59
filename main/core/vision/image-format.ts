import type { ImageFormat } from '../image-format.js';

/** File extensions the folder scanner picks up as photos (lower-case, with the dot). */
export const PHOTO_EXTENSIONS: readonly string[] = [
  '.jpg', '.jpeg', '.jpe', '.png', '.tif', '.tiff', '.heic', '.heif', '.hif', '.webp',
];

/** ISO-BMFF major/compatible brands of still HEIF images (HEVC and AV1 coded). */
const HEIF_BRANDS = new Set([
  'heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'mif2', 'msf1', 'avif', 'avis',
]);

function startsWith(bytes: Buffer, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

function isHeif(bytes: Buffer): boolean {
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') return false;
  // The ftyp box: size, 'ftyp', major brand, minor version, then compatible brands.
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length);
  if (HEIF_BRANDS.has(bytes.toString('latin1', 8, 12))) return true;
  for (let at = 16; at + 4 <= boxSize; at += 4) {
    if (HEIF_BRANDS.has(bytes.toString('latin1', at, at + 4))) return true;
  }
  return false;
}

/**
 * The image format named by the file's leading magic bytes, or null when they are
 * not one of the photo formats we import. Content decides, never the file name.
 */
export function detectImageFormat(bytes: Buffer): ImageFormat | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    return 'webp';
  }
  if (isHeif(bytes)) return 'heif';
  return null;
}
