/**
 * Reading a decoded frame as if its EXIF orientation had been applied, without applying it:
 * letting libvips rotate a 12 MP portrait photo makes a second full-size copy and nearly
 * doubles the decode's cost (~150 instead of ~80 core-ms), while the resamplers read only a
 * few samples of the frame. Byte offset of upright pixel (x, y): origin + x * xStep + y * yStep.
 */

/** Interleaved 8-bit pixels as stored, and the EXIF orientation (1-8) still to apply to them. */
export interface StoredPixels {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA); 3 when absent. */
  channels?: number;
  data: Uint8Array;
  /** EXIF orientation 1-8 of `data`; absent or 1: already upright. */
  orientation?: number;
}

export interface UprightLayout {
  /** Size once the orientation is applied (sides swapped for 5-8). */
  width: number;
  height: number;
  origin: number;
  xStep: number;
  yStep: number;
}

/** Where each upright pixel lies in the stored frame (EXIF orientations as libvips' autorot applies them). */
export function uprightLayout(src: StoredPixels): UprightLayout {
  const c = src.channels ?? 3;
  const row = src.width * c;
  const right = (src.width - 1) * c;
  const bottom = (src.height - 1) * row;
  const { width: w, height: h } = src;
  switch (src.orientation ?? 1) {
    case 2: return { width: w, height: h, origin: right, xStep: -c, yStep: row }; // mirrored left-right
    case 3: return { width: w, height: h, origin: right + bottom, xStep: -c, yStep: -row }; // turned 180°
    case 4: return { width: w, height: h, origin: bottom, xStep: c, yStep: -row }; // mirrored top-bottom
    case 5: return { width: h, height: w, origin: 0, xStep: row, yStep: c }; // transposed
    case 6: return { width: h, height: w, origin: bottom, xStep: -row, yStep: c }; // to be turned 90° clockwise
    case 7: return { width: h, height: w, origin: bottom + right, xStep: -row, yStep: -c }; // transversed
    case 8: return { width: h, height: w, origin: right, xStep: row, yStep: -c }; // to be turned 90° anticlockwise
    default: return { width: w, height: h, origin: 0, xStep: c, yStep: row };
  }
}

/** An upright copy of the frame, keeping its channels (for callers that need plain pixels). */
export function uprightCopy(src: StoredPixels): { width: number; height: number; data: Uint8Array } {
  const layout = uprightLayout(src);
  const c = src.channels ?? 3;
  if (layout.xStep === c && layout.yStep === src.width * c) return { width: src.width, height: src.height, data: src.data };
  const data = new Uint8Array(layout.width * layout.height * c);
  let o = 0;
  for (let y = 0; y < layout.height; y += 1) {
    let at = layout.origin + y * layout.yStep;
    for (let x = 0; x < layout.width; x += 1, at += layout.xStep) {
      for (let k = 0; k < c; k += 1) data[o++] = src.data[at + k]!;
    }
  }
  return { width: layout.width, height: layout.height, data };
}
