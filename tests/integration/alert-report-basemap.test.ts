import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { BasemapLibrary } from '../../main/core/basemaps/basemap-library.js';
import { renderBasemapImage } from '../../main/core/basemaps/render-basemap-image.js';
import { writeAlertsHtml } from '../../main/core/geo/export-alerts.js';
import { Library } from '../../main/core/library/index.js';
import { lonToTileX, writeRasterMbtiles, writeRasterPmtiles } from '../fixtures/make-basemaps.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();
const GREEN: [number, number, number] = [40, 160, 60];
const PAPER = [0xf4, 0xf1, 0xe8];

async function pixel(jpeg: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * 3;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}
const near = (a: number[], b: readonly number[]) => a.every((value, i) => Math.abs(value - b[i]!) <= 12);

test('the basemap picture is composited from the tiles in Web Mercator: a tile edge falls on the pixel column it should', async () => {
  // The basemap stops at a zoom-16 tile boundary; the picture is centred on that boundary.
  const zoom = 16;
  const boundaryX = lonToTileX(-93.64, zoom);
  const boundaryLon = (boundaryX / 2 ** zoom) * 360 - 180;
  const file = path.join(dir, 'half.pmtiles');
  await writeRasterPmtiles(file, { bounds: [boundaryLon - 0.03, 41.98, boundaryLon - 1e-7, 42.01], minZoom: 10, maxZoom: zoom, colour: GREEN });
  const library = Library.open(path.join(dir, 'composite.sqlite'));
  const basemaps = new BasemapLibrary(library);
  try {
    await basemaps.add(file);
    const image = await renderBasemapImage(basemaps, [boundaryLon - 0.01, 41.99, boundaryLon + 0.01, 42.0], 480, 320);
    assert.ok(image);
    assert.equal(image.zoom, zoom);
    const meta = await sharp(image.jpeg).metadata();
    assert.deepEqual([meta.width, meta.height, meta.format], [480, 320, 'jpeg']);
    assert.ok(near(await pixel(image.jpeg, 120, 160), GREEN), 'west of the boundary: the tiles');
    assert.ok(near(await pixel(image.jpeg, 360, 160), PAPER), 'east of it: no tile, paper');
    // The edge itself: column 240 is the boundary (±2 px for JPEG and the tiles' darker border).
    assert.ok(near(await pixel(image.jpeg, 230, 160), GREEN) || near(await pixel(image.jpeg, 230, 160), GREEN.map((c) => Math.round(c * 0.7))));
    assert.ok(near(await pixel(image.jpeg, 244, 160), PAPER));
    assert.equal(await renderBasemapImage(basemaps, [10, 40, 10.02, 40.01], 480, 320), null, 'no basemap covers that place');
  } finally {
    await basemaps.close();
    library.close();
  }
});

test('the printable alert report embeds the park basemap under the alert map, and still works without one', async () => {
  const library = Library.open(path.join(dir, 'report.sqlite'));
  try {
    const id = library.photos.insert({
      sha256: 'a'.repeat(64), byteSize: 10, importId: null, format: 'jpeg', width: 10, height: 10, orientation: 1, capturedAt: '2026-06-01T10:00:00',
      latitude: 41.995, longitude: -93.64, altitude: null, cameraMake: null, cameraModel: null, exifWarning: null,
    });
    library.photos.recordPath(id, '/card/a.jpg', null);
    library.alerts.upsert({ kind: 'new-species', species: 'Ailanthus altissima', placeKey: '', placeLabel: 'the library', confirmed: false, photoIds: [id], detail: {} });
    const before = path.join(dir, 'no-basemap.html');
    await writeAlertsHtml(library, before);
    assert.doesNotMatch(fs.readFileSync(before, 'utf8'), /<image /);

    const mbtiles = path.join(dir, 'park.mbtiles');
    await writeRasterMbtiles(mbtiles, { bounds: [-93.66, 41.98, -93.62, 42.01], minZoom: 0, maxZoom: 15, colour: GREEN, name: 'Ames orthophoto', metadata: { attribution: 'Park GIS office' } });
    const basemaps = new BasemapLibrary(library);
    await basemaps.add(mbtiles);
    await basemaps.close();
    const out = path.join(dir, 'alerts.html');
    await writeAlertsHtml(library, out);
    const html = fs.readFileSync(out, 'utf8');
    const embedded = /<image href="data:image\/jpeg;base64,([A-Za-z0-9+/=]+)"/.exec(html);
    assert.ok(embedded, 'the basemap picture is embedded');
    assert.match(html, /Basemap: Ames orthophoto \(Park GIS office\)/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'still nothing to fetch');
    const jpeg = Buffer.from(embedded[1]!, 'base64');
    assert.ok(near(await pixel(jpeg, 240, 160), GREEN) || near(await pixel(jpeg, 240, 160), GREEN.map((c) => Math.round(c * 0.7))), 'the tiles are in the picture');
  } finally {
    library.close();
  }
});
