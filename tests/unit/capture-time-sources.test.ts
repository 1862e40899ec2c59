import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { parseIptcDate, parseXmpDate } from '../../main/core/ingest/embedded-dates.js';
import { readPhotoExif } from '../../main/core/ingest/exif.js';
import { withIptcSegment, withXmpSegment, xmpPacket } from '../fixtures/embed-metadata.js';
import { drawSeededPicture, makeJpegWithExif } from '../fixtures/make-photo.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';

/** A real JPEG with camera EXIF (make, model) but no date, as phones' edited exports often are. */
function undatedJpeg(seed = 1): Promise<Buffer> {
  return makeJpegWithExif({ make: 'Phone', model: 'Edit', seed });
}

describe('capture time from XMP when EXIF has none', () => {
  const cases = [
    ['exif:DateTimeOriginal', '2026-05-01T10:20:30.5+02:00', '2026-05-01T10:20:30.500+02:00'],
    ['photoshop:DateCreated', '2026-05-01T10:20:30+02:00', '2026-05-01T10:20:30+02:00'],
    ['xmp:CreateDate', '2026-05-01T10:20:30', '2026-05-01T10:20:30'],
    ['dwc:eventDate', '2026-05-01T08:20:30Z', '2026-05-01T08:20:30+00:00'],
  ] as const;
  for (const [property, written, expected] of cases) {
    test(`XMP-only ${property} is the capture time, with source xmp:${property}`, async () => {
      const jpeg = withXmpSegment(await undatedJpeg(), xmpPacket({ [property]: written }));
      const reading = await readPhotoExif(jpeg);
      assert.equal(reading.capturedAt, expected);
      assert.equal(reading.capturedAtSource, `xmp:${property}`);
    });
  }

  test('XMP properties are taken in the documented order (photoshop:DateCreated before xmp:CreateDate and dwc:eventDate)', async () => {
    const packet = xmpPacket({ 'dwc:eventDate': '2026-05-03T10:00:00', 'xmp:CreateDate': '2026-05-02T10:00:00', 'photoshop:DateCreated': '2026-05-01T10:00:00' });
    const reading = await readPhotoExif(withXmpSegment(await undatedJpeg(), packet));
    assert.equal(reading.capturedAt, '2026-05-01T10:00:00');
    assert.equal(reading.capturedAtSource, 'xmp:photoshop:DateCreated');
  });

  test('EXIF DateTimeOriginal wins over a different XMP date', async () => {
    const exif = await makeJpegWithExif({ capturedAt: '2026-06-01T07:00:00', offset: '+01:00' });
    const reading = await readPhotoExif(withXmpSegment(exif, xmpPacket({ 'photoshop:DateCreated': '2020-01-01T00:00:00' })));
    assert.equal(reading.capturedAt, '2026-06-01T07:00:00+01:00');
    assert.equal(reading.capturedAtSource, 'exif:DateTimeOriginal');
  });

  test('a date without a time of day is passed over with a warning, and the next source is used', async () => {
    const packet = xmpPacket({ 'photoshop:DateCreated': '2026-05-01', 'xmp:CreateDate': '2026-05-01T09:15:00+02:00' });
    const reading = await readPhotoExif(withXmpSegment(await undatedJpeg(), packet));
    assert.equal(reading.capturedAt, '2026-05-01T09:15:00+02:00');
    assert.equal(reading.capturedAtSource, 'xmp:xmp:CreateDate');
    assert.match(reading.warning ?? '', /photoshop:DateCreated "2026-05-01" is not a date with a time of day/);
  });

  test('a dwc:eventDate interval gives its start', () => {
    assert.equal(parseXmpDate('2026-05-01T10:00:00+02:00/2026-05-01T11:00:00+02:00'), '2026-05-01T10:00:00+02:00');
  });
});

describe('capture time from IPTC when EXIF and XMP have none', () => {
  test('IPTC-only DateCreated + TimeCreated with offset', async () => {
    const jpeg = withIptcSegment(await undatedJpeg(), { dateCreated: '20260501', timeCreated: '102030+0200' });
    const reading = await readPhotoExif(jpeg);
    assert.equal(reading.capturedAt, '2026-05-01T10:20:30+02:00');
    assert.equal(reading.capturedAtSource, 'iptc:DateCreated');
  });

  test('IPTC TimeCreated without offset stays local time', async () => {
    const jpeg = withIptcSegment(await undatedJpeg(), { dateCreated: '20260501', timeCreated: '102030' });
    assert.equal((await readPhotoExif(jpeg)).capturedAt, '2026-05-01T10:20:30');
  });

  test('IPTC DateCreated without TimeCreated is no capture time', async () => {
    const jpeg = withIptcSegment(await undatedJpeg(), { dateCreated: '20260501' });
    const reading = await readPhotoExif(jpeg);
    assert.equal(reading.capturedAt, null);
    assert.equal(reading.capturedAtSource, null);
    assert.match(reading.warning ?? '', /IPTC DateCreated "20260501"/);
  });

  test('XMP comes before IPTC', async () => {
    const jpeg = withIptcSegment(withXmpSegment(await undatedJpeg(), xmpPacket({ 'xmp:CreateDate': '2026-05-02T08:00:00' })), { dateCreated: '20260501', timeCreated: '102030' });
    const reading = await readPhotoExif(jpeg);
    assert.equal(reading.capturedAtSource, 'xmp:xmp:CreateDate');
  });

  test('impossible IPTC dates are refused', () => {
    assert.equal(parseIptcDate('20261301', '101010'), null);
    assert.equal(parseIptcDate('20260230', '101010'), null);
    assert.equal(parseIptcDate('20260501', '251010'), null);
  });
});

describe('EXIF ModifyDate is the last embedded source', () => {
  test('a JPEG with only IFD0 DateTime (ModifyDate) takes it, labelled exif:ModifyDate', async () => {
    const jpeg = await sharp(drawSeededPicture(40, 30, 3), { raw: { width: 40, height: 30, channels: 3 } })
      .jpeg()
      .withExif({ IFD0: { DateTime: '2026:04:01 12:00:00' } })
      .toBuffer();
    const reading = await readPhotoExif(jpeg);
    assert.equal(reading.capturedAt, '2026-04-01T12:00:00');
    assert.equal(reading.capturedAtSource, 'exif:ModifyDate');
  });

  test('XMP wins over EXIF ModifyDate', async () => {
    const jpeg = await sharp(drawSeededPicture(40, 30, 3), { raw: { width: 40, height: 30, channels: 3 } })
      .jpeg()
      .withExif({ IFD0: { DateTime: '2026:04:01 12:00:00' } })
      .toBuffer();
    const reading = await readPhotoExif(withXmpSegment(jpeg, xmpPacket({ 'photoshop:DateCreated': '2026-03-01T09:00:00' })));
    assert.equal(reading.capturedAtSource, 'xmp:photoshop:DateCreated');
  });
});

describe('XMP and IPTC capture times on the maintainers\' real photos', () => {
  const cases = [
    // No EXIF date; XMP photoshop:DateCreated "2020-07-23T00:00+02:00" (no seconds, as XMP allows).
    ['RangeError_Invalid_typed_array_length.jpg', '2020-07-23T00:00:00+02:00', 'xmp:photoshop:DateCreated'],
    // No EXIF date and no XMP date; IPTC DateCreated "20200723" + TimeCreated "113220+0000".
    ['RangeError_Offset_outside_bounds.jpg', '2020-07-23T11:32:20+00:00', 'iptc:DateCreated'],
  ] as const;
  for (const [file, capturedAt, source] of cases) {
    test(`${file}: ${source}`, { skip: skipUnlessShared('data', 'photos-exif', file) }, async () => {
      const reading = await readPhotoExif(fs.readFileSync(sharedPath('data', 'photos-exif', file)));
      assert.equal(reading.capturedAt, capturedAt);
      assert.equal(reading.capturedAtSource, source);
    });
  }
});
