import { captureSortKey } from '../geo/capture-time.js';
import type { AlertCandidate, Library, PhotoSummary } from '../library/index.js';
import { extentBounds, extentCentroid, extentContains } from './site-extent.js';
import type { SiteFold } from './site-lifecycle.js';
import { listSites, recordRegrowthFound } from './site-service.js';

/** Photos this far outside a site's extent still belong to it (GPS error, the plant's spread). */
export const SITE_LINK_BUFFER_METRES = 25;

const isConfirmed = (photo: PhotoSummary) => photo.status === 'confirmed' || photo.status === 'corrected';

function captureDate(photo: PhotoSummary): { date: string; iso: string } | null {
  const key = captureSortKey(photo.capturedAt);
  if (key === null) return null;
  const iso = new Date(key).toISOString();
  return { date: iso.slice(0, 10), iso };
}

/** Confirmed photos of the site's species taken after its last treatment. */
function regrowthPhotos(site: SiteFold, linked: readonly PhotoSummary[]): PhotoSummary[] {
  if (!site.lastTreatedOn) return [];
  return linked.filter((photo) => isConfirmed(photo) && photo.species === site.species && (captureDate(photo)?.date ?? '') > site.lastTreatedOn!);
}

/**
 * Links every positioned photo to the sites whose extent (plus SITE_LINK_BUFFER_METRES) holds
 * it, records regrowth on treated sites where a confirmed photo of their species was taken
 * after the treatment, and returns the regrowth alerts those sites call for. Runs inside the
 * alert refresh (after imports, reviews, placements): one bounding-box test per site and photo,
 * the exact test only inside the box.
 */
export function linkSitePhotos(
  library: Library,
  photos: ReadonlyMap<number, PhotoSummary>,
  zoneOf: (latitude: number, longitude: number) => string | null = () => null,
): AlertCandidate[] {
  const positioned = [...photos.values()].filter((photo) => photo.latitude !== null && photo.longitude !== null);
  const candidates: AlertCandidate[] = [];
  for (let site of listSites(library)) {
    const box = extentBounds(site.extent, SITE_LINK_BUFFER_METRES);
    const linked = positioned.filter(
      (photo) =>
        photo.latitude! >= box.minLatitude && photo.latitude! <= box.maxLatitude && photo.longitude! >= box.minLongitude && photo.longitude! <= box.maxLongitude &&
        extentContains(site.extent, photo.latitude!, photo.longitude!, SITE_LINK_BUFFER_METRES),
    );
    library.sites.setPhotos(site.id, linked.map((photo) => photo.id));
    const regrowth = regrowthPhotos(site, linked);
    if (regrowth.length > 0 && (site.state === 'treated' || site.state === 'clean')) {
      const latest = regrowth.map((photo) => captureDate(photo)!.iso).sort().at(-1)!;
      site = recordRegrowthFound(library, site, regrowth.map((photo) => photo.sha256), latest);
    }
    if (site.state !== 'regrowth' || !site.lastTreatedOn) continue;
    const evidence = regrowth.length > 0 ? regrowth : linked.filter((photo) => site.regrowthPhotoHashes.includes(photo.sha256));
    if (evidence.length === 0) continue;
    const centroid = extentCentroid(site.extent);
    candidates.push({
      kind: 'regrowth',
      species: site.species,
      placeKey: `site:${site.id}:${site.lastTreatedOn}`,
      placeLabel: `site ${site.name ?? site.id.slice(0, 8)} (treated ${site.lastTreatedOn})`,
      confirmed: evidence.some(isConfirmed),
      photoIds: evidence.map((photo) => photo.id),
      detail: { site: { id: site.id, name: site.name, lastTreatedOn: site.lastTreatedOn, latitude: centroid.latitude, longitude: centroid.longitude } },
      zoneName: zoneOf(centroid.latitude, centroid.longitude),
      cellKey: null,
    });
  }
  return candidates;
}
