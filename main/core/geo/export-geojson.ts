import { writeStreamAtomically } from '../atomic-file.js';
import type { Library, PhotoQuery } from '../library/index.js';
import { type ExportCounts, exportRecordOf } from './export-record.js';

/**
 * RFC 7946 FeatureCollection of the geolocated photos matching `query`: Point geometries
 * `[longitude, latitude]` (plus altitude when known), properties as in the CSV export.
 * Photos without a position are left out and counted.
 */
export async function writeGeoJsonExport(library: Library, query: PhotoQuery, outPath: string): Promise<ExportCounts> {
  let written = 0;
  let leftOut = 0;
  await writeStreamAtomically(outPath, (append) => {
    append('{"type":"FeatureCollection","features":[\n');
    for (const photo of library.photos.iterate(query)) {
      if (photo.latitude === null || photo.longitude === null) {
        leftOut++;
        continue;
      }
      const coordinates = photo.altitude === null ? [photo.longitude, photo.latitude] : [photo.longitude, photo.latitude, photo.altitude];
      const feature = { type: 'Feature', id: photo.id, geometry: { type: 'Point', coordinates }, properties: exportRecordOf(photo) };
      append(`${written > 0 ? ',\n' : ''}${JSON.stringify(feature)}`);
      written++;
    }
    append('\n]}\n');
  });
  return { written, leftOut };
}
