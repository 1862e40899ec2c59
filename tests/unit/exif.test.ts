import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { readPhotoExif, type ExifReading } from '../../main/core/ingest/exif.js';
import { drawSeededPicture, makeJpegWithExif } from '../fixtures/make-photo.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';

const GPS_TOLERANCE_DEG = 1e-6;
const ALTITUDE_TOLERANCE_M = 0.1;

function assertNear(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null, `${what}: expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);
}

// ---- parity with exiftool on the maintainers' real photos ------------------------

interface ManifestRow {
  dir: string;
  file: string;
  bytes: string;
  make: string;
  model: string;
  gps_lat: string;
  gps_lon: string;
  gps_alt: string;
  orientation: string;
  size: string;
}

const MANIFEST = ['data', 'photos-exif', 'manifest.tsv'] as const;
const manifestSkip = skipUnlessShared(...MANIFEST);

function readManifest(): ManifestRow[] {
  if (manifestSkip) return [];
  return parse(fs.readFileSync(sharedPath(...MANIFEST), 'utf8'), {
    columns: true,
    delimiter: '\t',
    skip_empty_lines: true,
    relax_quotes: true,
  }) as ManifestRow[];
}

/** exiftool writes `-` for an absent tag; broken1.jpg's empty columns are a GPS IFD with no usable position. */
function manifestValue(cell: string): string | null {
  return cell === '-' || cell === '' ? null : cell;
}

/** Files whose EXIF block is damaged: a warning is expected for them and for no other row. */
const DAMAGED_EXIF: Record<string, RegExp> = {
  // Its GPS IFD has an entry of TIFF type 0 (invalid); exiftool likewise reports no position.
  'broken1.jpg': /EXIF block is damaged.*GPS/,
};

describe('readPhotoExif matches exiftool on every photo of the shared manifest', { skip: manifestSkip }, () => {
  for (const row of readManifest()) {
    const relative = `${row.dir}/${row.file}`.replace(/^\.\//, '');
    test(relative, async () => {
      const bytes = fs.readFileSync(sharedPath('data', 'photos-exif', row.dir, row.file));
      assert.equal(bytes.length, Number(row.bytes), 'file size differs from the manifest: the fixture changed');
      const reading = await readPhotoExif(bytes);

      assert.equal(reading.cameraMake, manifestValue(row.make), 'make');
      assert.equal(reading.cameraModel, manifestValue(row.model), 'model');

      const lat = manifestValue(row.gps_lat);
      const lon = manifestValue(row.gps_lon);
      if (lat === null) assert.equal(reading.latitude, null, 'latitude should be absent');
      else assertNear(reading.latitude, Number(lat), GPS_TOLERANCE_DEG, 'latitude');
      if (lon === null) assert.equal(reading.longitude, null, 'longitude should be absent');
      else assertNear(reading.longitude, Number(lon), GPS_TOLERANCE_DEG, 'longitude');

      const alt = manifestValue(row.gps_alt);
      if (alt === null) assert.equal(reading.altitude, null, 'altitude should be absent');
      else assertNear(reading.altitude, Number(alt), ALTITUDE_TOLERANCE_M, 'altitude');

      const orientation = manifestValue(row.orientation);
      assert.equal(reading.orientation, orientation === null ? null : Number(orientation), 'orientation');

      const [width, height] = row.size.split(' ').map(Number);
      assert.deepEqual([reading.width, reading.height], [width, height], 'pixel size');

      const damaged = DAMAGED_EXIF[row.file];
      if (damaged) assert.match(reading.warning ?? '', damaged);
      else assert.equal(reading.warning, null, 'no warning expected for an intact EXIF block');
    });
  }
});

describe('readPhotoExif capture time on real photos', () => {
  test('iPhone 7 HEIC: DateTimeOriginal + SubSecTimeOriginal + OffsetTimeOriginal', { skip: skipUnlessShared('data', 'photos-exif', 'heic-iphone7.heic') }, async () => {
    // The file's EXIF holds "2019:10:20 18:34:30", SubSecTimeOriginal "130", OffsetTimeOriginal "+02:00".
    const reading = await readPhotoExif(fs.readFileSync(sharedPath('data', 'photos-exif', 'heic-iphone7.heic')));
    assert.equal(reading.capturedAt, '2019-10-20T18:34:30.130+02:00');
  });

  test('a file without EXIF capture tags takes XMP xmp:CreateDate before EXIF ModifyDate (an edit time)', { skip: skipUnlessShared('data', 'photos-exif', 'issue-exifr-41-Error_Segment_Unreachable.jpg') }, async () => {
    // IFD0 ModifyDate "2013:07:21 06:43:30"; no DateTimeOriginal/CreateDate; XMP xmp:CreateDate "2005-01-25T10:30:15-08:00".
    const reading = await readPhotoExif(fs.readFileSync(sharedPath('data', 'photos-exif', 'issue-exifr-41-Error_Segment_Unreachable.jpg')));
    assert.equal(reading.capturedAt, '2005-01-25T10:30:15-08:00');
    assert.equal(reading.capturedAtSource, 'xmp:xmp:CreateDate');
  });
});

// ---- photos written by the test itself ------------------------------------------

describe('readPhotoExif on JPEGs written by sharp', () => {
  test('southern and western hemisphere coordinates are negative', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ latitude: -33.8688197, longitude: -70.6692655 }));
    assertNear(reading.latitude, -33.8688197, GPS_TOLERANCE_DEG, 'latitude');
    assertNear(reading.longitude, -70.6692655, GPS_TOLERANCE_DEG, 'longitude');
    assert.equal(reading.warning, null);
  });

  test('northern and eastern hemisphere coordinates are positive', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ latitude: 46.5197, longitude: 151.2093 }));
    assertNear(reading.latitude, 46.5197, GPS_TOLERANCE_DEG, 'latitude');
    assertNear(reading.longitude, 151.2093, GPS_TOLERANCE_DEG, 'longitude');
  });

  test('altitude below sea level (GPSAltitudeRef 1) is negative', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ latitude: 31.5, longitude: 35.5, altitude: -430.5 }));
    assertNear(reading.altitude, -430.5, ALTITUDE_TOLERANCE_M, 'altitude');
  });

  test('altitude above sea level is positive', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ latitude: 46.5, longitude: 7.9, altitude: 3454.2 }));
    assertNear(reading.altitude, 3454.2, ALTITUDE_TOLERANCE_M, 'altitude');
  });

  test('DateTimeOriginal with OffsetTimeOriginal gives local time plus offset', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ capturedAt: '2024-03-05T14:22:09', offset: '-03:00' }));
    assert.equal(reading.capturedAt, '2024-03-05T14:22:09-03:00');
  });

  test('SubSecTimeOriginal becomes milliseconds', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ capturedAt: '2024-03-05T14:22:09.5', offset: '+11:00' }));
    assert.equal(reading.capturedAt, '2024-03-05T14:22:09.500+11:00');
  });

  test('without an offset the capture time stays local, whatever the machine time zone', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ capturedAt: '2021-12-31T23:59:58' }));
    assert.equal(reading.capturedAt, '2021-12-31T23:59:58');
  });

  test('an all-zero date (camera clock never set) is missing, with a warning', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ capturedAt: '0000-00-00T00:00:00' }));
    assert.equal(reading.capturedAt, null);
    assert.match(reading.warning ?? '', /DateTimeOriginal.*not a valid date/);
  });

  test('latitude 95 degrees is impossible: position missing, with a warning', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ latitude: 95, longitude: 10, make: 'Cam' }));
    assert.equal(reading.latitude, null);
    assert.equal(reading.longitude, null);
    assert.match(reading.warning ?? '', /outside the Earth/);
    assert.equal(reading.cameraMake, 'Cam', 'the other fields are still read');
  });

  test('longitude 200 degrees is impossible: position missing, with a warning', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ latitude: 10, longitude: 200 }));
    assert.equal(reading.latitude, null);
    assert.equal(reading.longitude, null);
    assert.match(reading.warning ?? '', /outside the Earth/);
  });

  test('make and model are trimmed of padding spaces', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ make: '  FieldCam  ', model: 'FC-2   ' }));
    assert.equal(reading.cameraMake, 'FieldCam');
    assert.equal(reading.cameraModel, 'FC-2');
  });

  test('orientation and stored pixel size are reported', async () => {
    const reading = await readPhotoExif(await makeJpegWithExif({ width: 120, height: 80, orientation: 6 }));
    assert.equal(reading.orientation, 6);
    assert.deepEqual([reading.width, reading.height], [120, 80]);
  });

  test('a JPEG without EXIF gives nulls, its pixel size and no warning', async () => {
    const jpeg = await sharp(drawSeededPicture(50, 40, 7), { raw: { width: 50, height: 40, channels: 3 } }).jpeg().toBuffer();
    const reading = await readPhotoExif(jpeg);
    const expected: ExifReading = {
      capturedAt: null, capturedAtSource: null, latitude: null, longitude: null, altitude: null, cameraMake: null,
      cameraModel: null, orientation: null, width: 50, height: 40, warning: null,
    };
    assert.deepEqual(reading, expected);
  });
});

describe('readPhotoExif on other containers', () => {
  const gpsExif = {
    IFD0: { Make: 'PngCam' },
    IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '12/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '45/1 15/1 0/1' },
  };
  const raw = { raw: { width: 40, height: 30, channels: 3 as const } };

  test('PNG eXIf chunk', async () => {
    const png = await sharp(drawSeededPicture(40, 30, 2), raw).png().withExif(gpsExif).toBuffer();
    const reading = await readPhotoExif(png);
    assert.equal(reading.cameraMake, 'PngCam');
    assertNear(reading.latitude, -12.5, GPS_TOLERANCE_DEG, 'latitude');
    assertNear(reading.longitude, -45.25, GPS_TOLERANCE_DEG, 'longitude');
  });

  test('WebP EXIF chunk (which exifr cannot find by itself)', async () => {
    const webp = await sharp(drawSeededPicture(40, 30, 3), raw).webp().withExif(gpsExif).toBuffer();
    const reading = await readPhotoExif(webp);
    assert.equal(reading.cameraMake, 'PngCam');
    assertNear(reading.latitude, -12.5, GPS_TOLERANCE_DEG, 'latitude');
    assertNear(reading.longitude, -45.25, GPS_TOLERANCE_DEG, 'longitude');
    assert.deepEqual([reading.width, reading.height], [40, 30]);
  });
});

// ---- hostile input never throws ---------------------------------------------------

/** Byte range of the TIFF block inside the JPEG's APP1 "Exif" segment. */
function exifSegmentRange(jpeg: Buffer): { start: number; end: number } {
  const marker = jpeg.indexOf(Buffer.from('Exif\0\0', 'latin1'));
  assert.ok(marker > 0, 'fixture JPEG has an EXIF segment');
  const length = jpeg.readUInt16BE(marker - 2);
  return { start: marker + 6, end: marker - 2 + length };
}

describe('readPhotoExif never throws on damaged EXIF', () => {
  test('200 seeded random corruptions of a GPS-bearing EXIF block all resolve', async () => {
    const original = await makeJpegWithExif({
      latitude: -1.5, longitude: 36.8, altitude: 1700, capturedAt: '2023-01-02T03:04:05', offset: '+03:00', make: 'Cam', model: 'M',
    });
    const { start, end } = exifSegmentRange(original);
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let warned = 0;
    for (let round = 0; round < 200; round++) {
      const damaged = Buffer.from(original);
      const flips = 1 + Math.floor(random() * 8);
      for (let i = 0; i < flips; i++) damaged[start + Math.floor(random() * (end - start))] = Math.floor(random() * 256);
      const reading = await readPhotoExif(damaged);
      if (reading.latitude !== null) assert.ok(Math.abs(reading.latitude) <= 90, `round ${round}: latitude ${reading.latitude}`);
      if (reading.longitude !== null) assert.ok(Math.abs(reading.longitude) <= 180, `round ${round}: longitude ${reading.longitude}`);
      if (reading.orientation !== null) assert.ok(reading.orientation >= 1 && reading.orientation <= 8, `round ${round}`);
      if (reading.warning !== null) warned++;
    }
    assert.ok(warned > 0, 'some corruptions are reported as warnings');
  });

  test('an EXIF segment cut short by the end of the file resolves', async () => {
    const original = await makeJpegWithExif({ latitude: 10, longitude: 20, make: 'Cam' });
    const { start, end } = exifSegmentRange(original);
    const reading = await readPhotoExif(original.subarray(0, Math.floor((start + end) / 2)));
    assert.equal(typeof reading, 'object');
    assert.notEqual(reading.warning, null, 'the cut is reported');
  });

  test('bytes that are no image at all resolve with a warning', async () => {
    const reading = await readPhotoExif(Buffer.from('this is a text file, not a photo'));
    assert.equal(reading.latitude, null);
    assert.equal(reading.width, null);
    assert.notEqual(reading.warning, null);
  });

  test('zero bytes resolve with a warning', async () => {
    const reading = await readPhotoExif(Buffer.alloc(0));
    assert.equal(reading.capturedAt, null);
    assert.notEqual(reading.warning, null);
  });
});
