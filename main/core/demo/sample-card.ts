import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../seeded-random.js';
import { DEMO_PARK_CENTRE, DEMO_SPECIES } from './demo-species.js';

/** A synthetic "plant" picture (RGB bytes): a background of grass and soil, with blobs of the species' colour. */
export function drawDemoPicture(width: number, height: number, colour: readonly number[], random: () => number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  const background = [70 + random() * 40, 90 + random() * 40, 50 + random() * 30];
  const blobs = Array.from({ length: 10 + Math.floor(random() * 10) }, () => ({
    x: random() * width,
    y: random() * height,
    r: (0.05 + random() * 0.12) * Math.min(width, height),
    shade: 0.8 + random() * 0.3,
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb = background.map((c) => c * (0.85 + 0.3 * ((x * 7 + y * 13) % 17) / 17));
      for (const blob of blobs) {
        if ((x - blob.x) ** 2 + (y - blob.y) ** 2 <= blob.r ** 2) rgb = colour.map((c) => c * blob.shade);
      }
      const at = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) pixels[at + c] = Math.max(0, Math.min(255, rgb[c]!));
    }
  }
  return pixels;
}

function toDms(value: number): string {
  const abs = Math.abs(value);
  const degrees = Math.floor(abs);
  const minutes = Math.floor((abs - degrees) * 60);
  const seconds = Math.round(((abs - degrees) * 60 - minutes) * 60 * 10000);
  return `${degrees}/1 ${minutes}/1 ${seconds}/10000`;
}

/** A copy broken off halfway: the demo shows how a damaged file is reported. */
export const DEMO_BROKEN_FILE = 'IMG_9999.JPG';

export interface DemoCard {
  folder: string;
  /** File name → the species drawn in it (the "truth" the demo model should find). */
  truth: Record<string, string>;
}

/**
 * Writes a memory card of synthetic JPEGs (DCIM/100DEMO/IMG_0001.JPG…) with real EXIF:
 * camera, capture time and, for most, a GPS position inside the demo park. Also one
 * broken file, to show how the import reports it.
 */
export async function writeDemoCard(folder: string, count = 36): Promise<DemoCard> {
  const random = seededRandom(2026);
  const dcim = path.join(folder, 'DCIM', '100DEMO');
  fs.mkdirSync(dcim, { recursive: true });
  const truth: Record<string, string> = {};
  for (let i = 1; i <= count; i++) {
    const species = DEMO_SPECIES[(i - 1) % DEMO_SPECIES.length]!;
    const [width, height] = [640, 480];
    const name = `IMG_${String(i).padStart(4, '0')}.JPG`;
    const minute = String(i % 60).padStart(2, '0');
    const exif: Record<string, Record<string, string>> = {
      IFD0: { Make: 'DEMO', Model: 'Synthetic camera' },
      IFD2: { DateTimeOriginal: `2026:06:${String(1 + (i % 20)).padStart(2, '0')} 10:${minute}:00`, OffsetTimeOriginal: '+02:00' },
    };
    if (i % 6 !== 0) {
      const latitude = DEMO_PARK_CENTRE.latitude + (random() - 0.5) * 0.03;
      const longitude = DEMO_PARK_CENTRE.longitude + (random() - 0.5) * 0.04;
      exif.IFD3 = { GPSLatitudeRef: 'N', GPSLatitude: toDms(latitude), GPSLongitudeRef: 'E', GPSLongitude: toDms(longitude) };
    }
    const jpeg = await sharp(drawDemoPicture(width, height, species.colour, random), { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 85 })
      .withExif(exif)
      .toBuffer();
    fs.writeFileSync(path.join(dcim, name), jpeg);
    truth[name] = species.label;
  }
  // A transfer that broke off: the first half of a JPEG.
  const broken = fs.readFileSync(path.join(dcim, 'IMG_0001.JPG'));
  fs.writeFileSync(path.join(dcim, DEMO_BROKEN_FILE), broken.subarray(0, broken.length >> 1));
  return { folder, truth };
}
