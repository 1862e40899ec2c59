import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { openStation } from '../../main/api/station.js';
import { writeCsvExport } from '../../main/core/geo/export-csv.js';
import { writeGeoJsonExport } from '../../main/core/geo/export-geojson.js';
import { matchPhotosToGpx } from '../../main/core/geo/gpx.js';
import { importFolder } from '../../main/core/ingest/import-folder.js';
import { rereadCaptureTimes } from '../../main/core/ingest/reread-capture-times.js';
import { openDatabase } from '../../main/core/library/database.js';
import { Library } from '../../main/core/library/index.js';
import { MIGRATIONS } from '../../main/core/library/migrations.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../main/core/settings.js';
import { withIptcSegment, withXmpSegment, xmpPacket } from '../fixtures/embed-metadata.js';
import { makeJpegWithExif } from '../fixtures/make-photo.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const TRACK = `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="46.6500" lon="10.2500"><time>2026-06-01T08:00:00Z</time></trkpt>
<trkpt lat="46.6600" lon="10.2700"><time>2026-06-01T08:02:00Z</time></trkpt>
</trkseg></trk></gpx>`;

async function writeDatedCard(card: string): Promise<Record<string, string>> {
  const files = {
    xmp: path.join(card, 'DCIM/xmp-only.jpg'),
    iptc: path.join(card, 'DCIM/iptc-only.jpg'),
    none: path.join(card, 'DCIM/undated.jpg'),
  };
  fs.mkdirSync(path.join(card, 'DCIM'), { recursive: true });
  // 10:01:00+02:00 = 08:01:00Z: half-way along the GPX track's segment.
  fs.writeFileSync(files.xmp, withXmpSegment(await makeJpegWithExif({ seed: 11, make: 'Phone' }), xmpPacket({ 'photoshop:DateCreated': '2026-06-01T10:01:00+02:00' })));
  fs.writeFileSync(files.iptc, withIptcSegment(await makeJpegWithExif({ seed: 12, make: 'Phone' }), { dateCreated: '20260601', timeCreated: '100030+0200' }));
  fs.writeFileSync(files.none, await makeJpegWithExif({ seed: 13, make: 'Phone' }));
  return files;
}

test('XMP-only and IPTC-only photos get their capture time at import, are placed by GPX, and CSV shows the sources', async () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');
  const files = await writeDatedCard(path.join(dir, 'card'));
  const library = Library.open(databasePath);
  try {
    await importFolder(library, path.join(dir, 'card'), { settings: resolveSettings({ databasePath }) });
    const byName = Object.fromEntries(library.photos.query().map((photo) => [path.basename(photo.path), photo]));
    assert.equal(byName['xmp-only.jpg']!.capturedAt, '2026-06-01T10:01:00+02:00');
    assert.equal(byName['xmp-only.jpg']!.capturedAtSource, 'xmp:photoshop:DateCreated');
    assert.equal(byName['iptc-only.jpg']!.capturedAt, '2026-06-01T10:00:30+02:00');
    assert.equal(byName['iptc-only.jpg']!.capturedAtSource, 'iptc:DateCreated');
    assert.equal(byName['undated.jpg']!.capturedAt, null, 'the file time is not used unless asked for');
    assert.equal(byName['undated.jpg']!.capturedAtSource, null);

    fs.writeFileSync(path.join(dir, 'walk.gpx'), TRACK);
    const report = matchPhotosToGpx(library, path.join(dir, 'walk.gpx'), DEFAULT_SETTINGS.geo, { offsetMinutes: null });
    assert.deepEqual(report.placed.map((placed) => placed.photoId).sort(), [byName['xmp-only.jpg']!.id, byName['iptc-only.jpg']!.id].sort());
    const placed = library.photos.get(byName['xmp-only.jpg']!.id)!;
    assert.ok(Math.abs(placed.latitude! - 46.655) < 1e-9, 'placed at 08:01:00Z on the track');

    const csvPath = path.join(dir, 'photos.csv');
    await writeCsvExport(library, {}, csvPath);
    const rows = parse(fs.readFileSync(csvPath, 'utf8'), { columns: true }) as Record<string, string>[];
    assert.ok('captured_at_source' in rows[0]! && 'position_source' in rows[0]!, 'CSV has captured_at_source and position_source');
    const xmpRow = rows.find((row) => row.path!.endsWith('xmp-only.jpg'))!;
    assert.equal(xmpRow.captured_at_source, 'xmp:photoshop:DateCreated');
    assert.equal(xmpRow.position_source, 'gpx');
    const geojsonPath = path.join(dir, 'photos.geojson');
    await writeGeoJsonExport(library, {}, geojsonPath);
    const features = (JSON.parse(fs.readFileSync(geojsonPath, 'utf8')) as { features: { properties: Record<string, unknown> }[] }).features;
    const xmpFeature = features.find((feature) => String(feature.properties.path).endsWith('xmp-only.jpg'))!;
    assert.equal(xmpFeature.properties.captured_at_source, 'xmp:photoshop:DateCreated');
    assert.equal(xmpFeature.properties.position_source, 'gpx');
    assert.ok(files.none);
  } finally {
    library.close();
  }
});

test('with the file-time fallback on, an undated photo takes its file modification time, labelled file:modified', async () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');
  const files = await writeDatedCard(path.join(dir, 'card'));
  const mtime = new Date('2026-06-02T06:07:08Z');
  fs.utimesSync(files.none!, mtime, mtime);
  const library = Library.open(databasePath);
  try {
    await importFolder(library, path.join(dir, 'card'), { settings: resolveSettings({ databasePath, captureTimeFromFileModified: true }) });
    const undated = library.photos.query().find((photo) => photo.path === files.none)!;
    assert.equal(undated.capturedAtSource, 'file:modified');
    const instant = Date.parse(undated.capturedAt!);
    assert.equal(instant, mtime.getTime(), 'local time with the machine offset names the same instant');
    const xmp = library.photos.query().find((photo) => photo.path === files.xmp)!;
    assert.equal(xmp.capturedAtSource, 'xmp:photoshop:DateCreated', 'embedded dates still come first');
  } finally {
    library.close();
  }
});

/** A library at the schema before capture-time sources, as the previous version wrote it, holding the card's photos; returns their paths. */
async function writeOldLibrary(dir: string, databasePath: string): Promise<{ files: Record<string, string>; gone: string; exifDated: number }> {
  const files = await writeDatedCard(path.join(dir, 'card'));
  const gone = path.join(dir, 'card', 'DCIM', 'gone.jpg');
  fs.writeFileSync(gone, withXmpSegment(await makeJpegWithExif({ seed: 14 }), xmpPacket({ 'xmp:CreateDate': '2026-06-01T09:00:00' })));
  const oldVersion = MIGRATIONS.findIndex((sql) => sql.includes('captured_at_source'));
  assert.ok(oldVersion > 0);
  const db = openDatabase(databasePath, MIGRATIONS.slice(0, oldVersion));
  db.prepare(`INSERT INTO imports (id, root_path, started_at, state) VALUES (1, ?, '2026-06-01T00:00:00Z', 'completed')`).run(path.join(dir, 'card'));
  const insertPhoto = db.prepare(`INSERT INTO photos (sha256, byte_size, format, captured_at, added_at) VALUES (?, ?, 'jpeg', ?, '2026-06-01T00:00:00Z')`);
  const insertPath = db.prepare(`INSERT INTO photo_paths (photo_id, path, import_id, seen_at) VALUES (?, ?, 1, '2026-06-01T00:00:00Z')`);
  for (const file of [files.xmp!, files.iptc!, files.none!, gone]) {
    const bytes = fs.readFileSync(file);
    const id = Number(insertPhoto.run(createHash('sha256').update(bytes).digest('hex'), bytes.length, null).lastInsertRowid);
    insertPath.run(id, file);
  }
  const exifDated = Number(insertPhoto.run('f'.repeat(64), 10, '2026-05-05T05:05:05').lastInsertRowid);
  db.close();
  fs.rmSync(gone);
  return { files, gone, exifDated };
}

test('a library from before capture-time sources is upgraded: dates re-read from XMP/IPTC where the files are still there, resumable', async () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'old.sqlite');
  const { files, gone, exifDated } = await writeOldLibrary(dir, databasePath);

  const library = Library.open(databasePath);
  try {
    assert.equal(library.photos.get(exifDated)!.capturedAtSource, 'exif', 'dates from before were read from EXIF');
    assert.equal(library.captureTimes.pendingRereadCount(), 4);
    const ids = new Set(library.photos.query().map((photo) => photo.occurrenceId));
    assert.equal(ids.size, 5, 'every photo got its own occurrence id on open');

    // Stop after the first photo, as a killed run would; the next run resumes.
    const controller = new AbortController();
    const first = await rereadCaptureTimes(library, { signal: controller.signal, onProgress: () => controller.abort() });
    assert.ok(first.checked >= 1);
    const second = await rereadCaptureTimes(library);
    const byPath = Object.fromEntries(library.photos.query().map((photo) => [photo.path, photo]));
    assert.equal(byPath[files.xmp!]!.capturedAt, '2026-06-01T10:01:00+02:00');
    assert.equal(byPath[files.xmp!]!.capturedAtSource, 'xmp:photoshop:DateCreated');
    assert.equal(byPath[files.iptc!]!.capturedAtSource, 'iptc:DateCreated');
    assert.equal(byPath[files.none!]!.capturedAt, null);
    assert.equal(byPath[gone]!.capturedAt, null);
    assert.equal(second.remaining, 1, 'the photo whose file is gone waits for a later run');
    assert.equal(library.photos.get(exifDated)!.capturedAt, '2026-05-05T05:05:05', 'stored dates are never changed');
  } finally {
    library.close();
  }
});

test('the review station (UI backend) runs the upgrade re-read in the background when it opens an upgraded library', async () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'old.sqlite');
  const { files } = await writeOldLibrary(dir, databasePath);
  const station = openStation({ databasePath });
  try {
    // Subscribed right after opening: the re-read awaits its first file read before it can finish.
    const changed = new Promise<string>((resolve) =>
      station.events.subscribe((name, payload) => {
        if (name === 'library:changed') resolve((payload as { reason: string }).reason);
      }),
    );
    assert.match(await changed, /capture times read from XMP\/IPTC/);
    const xmp = station.library.photos.query().find((photo) => photo.path === files.xmp)!;
    assert.equal(xmp.capturedAtSource, 'xmp:photoshop:DateCreated');
  } finally {
    await station.close();
  }
});
