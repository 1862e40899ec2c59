import type { Library, PhotoSummary } from '../library/index.js';
import { LICENCE_URLS, LICENCES, type Licence, mostRestrictiveLicence } from '../licences.js';

/** How an occurrence made of these photos may be published: who to credit, under which licence. */
export interface PublishedCredit {
  /** A visitor sent these photos but may not be named and did not give them as CC0: keep it out of published archives. */
  leaveOut: boolean;
  /** dwc:recordedBy / dc:rightsHolder: the visitor's name, only with consent (never a contact address). */
  recordedBy: string | null;
  rightsHolder: string | null;
  /** dc:license as its URL; null for the station's own photos (the dataset's licence applies). */
  license: string | null;
  licence: Licence | null;
}

/**
 * The credit of an observation's photos: the station's own photos carry none; a visitor's photo
 * is published under its licence with the visitor's name when they consented, or as CC0
 * without a name; a photo that is neither (no consent, not CC0) stays out.
 */
export function publishedCredit(library: Library, photos: readonly PhotoSummary[]): PublishedCredit {
  const credits = photos.map((photo) => library.submissions.creditFor(photo.sha256)).filter((credit) => credit !== null);
  if (!credits.length) return { leaveOut: false, recordedBy: null, rightsHolder: null, license: null, licence: null };
  const publishable = credits.filter((credit) => credit.creditName !== null || credit.licence === 'CC0-1.0');
  const chosen = publishable.find((credit) => credit.creditName !== null) ?? publishable[0];
  if (!chosen) return { leaveOut: true, recordedBy: null, rightsHolder: null, license: null, licence: null };
  return { leaveOut: false, recordedBy: chosen.creditName, rightsHolder: chosen.creditName, license: LICENCE_URLS[chosen.licence], licence: chosen.licence };
}

/** The licence of a dataset: the most restrictive among its records' (`license` URLs or SPDX ids); CC0 when none has one. */
export function datasetLicence(records: ReadonlyArray<{ license?: string | number | null }>): Licence {
  const byUrl = new Map(Object.entries(LICENCE_URLS).map(([id, url]) => [url, id as Licence]));
  const licences: Licence[] = [];
  for (const record of records) {
    const value = record.license;
    if (typeof value !== 'string') continue;
    const licence = byUrl.get(value) ?? ((LICENCES as readonly string[]).includes(value) ? (value as Licence) : null);
    if (licence) licences.push(licence);
  }
  return mostRestrictiveLicence(licences);
}
