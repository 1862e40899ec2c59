import type { Library } from '../library/index.js';
import { extentAreaSquareMetres, extentCentroid } from './site-extent.js';
import { listSites } from './site-service.js';

/** The Darwin Core terms a site's re-check occurrence fills (the Occurrence core's own terms, plus eventID and locationID). */
export interface SiteOccurrence {
  occurrenceID: string;
  basisOfRecord: 'HumanObservation';
  occurrenceStatus: 'present' | 'absent';
  eventDate: string;
  scientificName: string;
  decimalLatitude: number;
  decimalLongitude: number;
  geodeticDatum: 'WGS84';
  coordinateUncertaintyInMeters: number;
  identificationVerificationStatus: string;
  identifiedBy: string | null;
  recordedBy: string | null;
  occurrenceRemarks: string;
  /** The visit's global id: the sampling event the occurrence was recorded at. */
  eventID: string;
  /** The site's global id. */
  locationID: string;
}

/**
 * One occurrence per re-check visit: a clean re-check is the species recorded ABSENT at the
 * site on that date (a ranger searched it and said so), a regrowth visit is PRESENT; each
 * linked to its site by locationID and to its visit by eventID.
 */
export function siteOccurrences(library: Library): SiteOccurrence[] {
  const records: SiteOccurrence[] = [];
  for (const site of listSites(library)) {
    const centroid = extentCentroid(site.extent);
    const radius = site.extent.type === 'point' ? site.extent.radiusMetres : Math.sqrt(extentAreaSquareMetres(site.extent) / Math.PI);
    for (const visit of site.visits) {
      records.push({
        occurrenceID: `urn:invasives-station:visit:${visit.id}`,
        basisOfRecord: 'HumanObservation',
        occurrenceStatus: visit.outcome === 'clean' ? 'absent' : 'present',
        eventDate: visit.visitedOn,
        scientificName: site.species,
        decimalLatitude: Number(centroid.latitude.toFixed(6)),
        decimalLongitude: Number(centroid.longitude.toFixed(6)),
        geodeticDatum: 'WGS84',
        coordinateUncertaintyInMeters: Math.ceil(radius),
        identificationVerificationStatus: 'verified by a ranger on a re-check of a treated site',
        identifiedBy: visit.ranger,
        recordedBy: visit.ranger,
        occurrenceRemarks: `${visit.outcome === 'clean' ? 'clean re-check' : 'regrowth found'} after treatment; ${visit.statement}`,
        eventID: `urn:invasives-station:visit:${visit.id}`,
        locationID: `urn:invasives-station:site:${site.id}`,
      });
    }
  }
  return records;
}
