import zlib from 'node:zlib';

/**
 * Gives a PNG an embedded ICC profile (an iCCP chunk right after IHDR). The thumbnail is
 * made from pixels decoded without colour management; tagging the small image with the
 * photo's own profile lets libvips (lcms) convert it to sRGB after downsizing, which sharp
 * offers no other way to do for raw pixels.
 */

const PNG_SIGNATURE_BYTES = 8;
const CHUNK_OVERHEAD = 12; // length, type, CRC
/** Chunks that describe the colour space another way; a PNG with iCCP must not carry them. */
const COLOUR_CHUNKS = new Set(['iCCP', 'sRGB', 'gAMA', 'cHRM']);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(data.length + CHUNK_OVERHEAD);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The PNG `png` with `icc` embedded; other colour-space chunks are dropped. */
export function pngWithIccProfile(png: Buffer, icc: Buffer): Buffer {
  const parts: Buffer[] = [png.subarray(0, PNG_SIGNATURE_BYTES)];
  let offset = PNG_SIGNATURE_BYTES;
  while (offset + CHUNK_OVERHEAD <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const end = offset + length + CHUNK_OVERHEAD;
    if (!COLOUR_CHUNKS.has(type)) parts.push(png.subarray(offset, end));
    if (type === 'IHDR') {
      // Keyword, null separator, compression method 0 (zlib), then the compressed profile.
      parts.push(chunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), zlib.deflateSync(icc)])));
    }
    offset = end;
  }
  return Buffer.concat(parts);
}
