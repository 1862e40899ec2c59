import { writeStreamAtomically } from '../atomic-file.js';
import type { Library, PhotoSummary, PositionSource } from '../library/index.js';
import type { GeoSettings } from '../settings.js';
import { publishedCredit } from '../intake/photo-credits.js';
import { siteOccurrences } from '../sites/site-darwin-core.js';
import { csvRow } from './export-csv.js';
import { computeObservations } from './observations.js';
import { ZoneIndex } from './zones.js';

/**
 * The Darwin Core terms of the occurrence CSV, in column order, with their IRIs
 * (https://dwc.tdwg.org/list/): what a GBIF IPT mapping or a meta.xml needs.
 */
export const DARWIN_CORE_COLUMNS = [
  { term: 'occurrenceID', iri: 'http://rs.tdwg.org/dwc/terms/occurrenceID' },
  { term: 'basisOfRecord', iri: 'http://rs.tdwg.org/dwc/terms/basisOfRecord' },
  { term: 'occurrenceStatus', iri: 'http://rs.tdwg.org/dwc/terms/occurrenceStatus' },
  { term: 'eventDate', iri: 'http://rs.tdwg.org/dwc/terms/eventDate' },
  { term: 'scientificName', iri: 'http://rs.tdwg.org/dwc/terms/scientificName' },
  { term: 'kingdom', iri: 'http://rs.tdwg.org/dwc/terms/kingdom' },
  { term: 'decimalLatitude', iri: 'http://rs.tdwg.org/dwc/terms/decimalLatitude' },
  { term: 'decimalLongitude', iri: 'http://rs.tdwg.org/dwc/terms/decimalLongitude' },
  { term: 'geodeticDatum', iri: 'http://rs.tdwg.org/dwc/terms/geodeticDatum' },
  { term: 'coordinateUncertaintyInMeters', iri: 'http://rs.tdwg.org/dwc/terms/coordinateUncertaintyInMeters' },
  { term: 'georeferenceSources', iri: 'http://rs.tdwg.org/dwc/terms/georeferenceSources' },
  { term: 'locality', iri: 'http://rs.tdwg.org/dwc/terms/locality' },
  { term: 'identificationVerificationStatus', iri: 'http://rs.tdwg.org/dwc/terms/identificationVerificationStatus' },
  { term: 'identifiedBy', iri: 'http://rs.tdwg.org/dwc/terms/identifiedBy' },
  { term: 'dateIdentified', iri: 'http://rs.tdwg.org/dwc/terms/dateIdentified' },
  { term: 'identificationRemarks', iri: 'http://rs.tdwg.org/dwc/terms/identificationRemarks' },
  { term: 'recordedBy', iri: 'http://rs.tdwg.org/dwc/terms/recordedBy' },
  { term: 'associatedMedia', iri: 'http://rs.tdwg.org/dwc/terms/associatedMedia' },
  { term: 'occurrenceRemarks', iri: 'http://rs.tdwg.org/dwc/terms/occurrenceRemarks' },
  { term: 'eventID', iri: 'http://rs.tdwg.org/dwc/terms/eventID' },
  { term: 'locationID', iri: 'http://rs.tdwg.org/dwc/terms/locationID' },
  { term: 'license', iri: 'http://purl.org/dc/terms/license' },
  { term: 'rightsHolder', iri: 'http://purl.org/dc/terms/rightsHolder' },
] as const;

export type DarwinCoreTerm = (typeof DARWIN_CORE_COLUMNS)[number]['term'];
export type DarwinCoreRecord = Record<DarwinCoreTerm, string | number | null>;

export interface DarwinCoreOptions {
  /** dwc:recordedBy: who took the photos (a person or the station's team). */
  recordedBy?: string | null;
  /** Leave out observations no ranger has confirmed. */
  confirmedOnly?: boolean;
  /** dwc:kingdom of every record (the station identifies plants). */
  kingdom?: string;
}

const GEOREFERENCE_SOURCES = { exif: 'camera GPS (EXIF)', gpx: 'GPS track (GPX), time-matched', manual: 'placed by hand on a map' } as const;

/**
 * One Darwin Core occurrence per observation (near-duplicate photos count once, with every
 * photo in associatedMedia): HumanObservation once a ranger confirmed or corrected it,
 * MachineObservation while it is a model prediction. Rejected observations are left out, and
 * so are predictions the open set judged unknown until a ranger confirms a species.
 */
/**
 * Metres within which an observation's position is known: the widest uncertainty stored with its
 * photos' positions (a placement on the map stores its zoom's), else the default for its source.
 */
function coordinateUncertaintyOf(photos: PhotoSummary[], source: PositionSource | null, settings: GeoSettings): number | null {
  const stored = photos.map((photo) => photo.positionUncertaintyMetres).filter((metres): metres is number => metres !== null);
  if (stored.length) return Math.ceil(Math.max(...stored));
  return source ? settings.positionUncertaintyMetres[source] : null;
}

export function darwinCoreRecords(library: Library, settings: GeoSettings, options: DarwinCoreOptions = {}): DarwinCoreRecord[] {
  const zones = ZoneIndex.of(library);
  const records: DarwinCoreRecord[] = [];
  const { observations, photos: photoById } = computeObservations(library, settings);
  const models = new Map<number, ReturnType<Library['models']['get']>>();
  for (const group of observations) {
    if (!group.species || (group.evidence !== 'confirmed' && group.evidence !== 'predicted')) continue;
    // A photo the open set judged unknown is not an occurrence of the species the model forced it into.
    if (group.evidence === 'predicted' && group.unknown) continue;
    if (options.confirmedOnly && group.evidence !== 'confirmed') continue;
    const photos = group.photoIds.map((id) => photoById.get(id)).filter((photo): photo is PhotoSummary => photo !== undefined);
    const first = photos[0]!;
    // Visitors' photos: credited only with consent, else CC0 or left out (never a contact address).
    const credit = publishedCredit(library, photos);
    if (credit.leaveOut) continue;
    const confirmed = group.evidence === 'confirmed';
    const decider = confirmed
      ? photos.filter((photo) => photo.review?.decision === 'confirmed' || photo.review?.decision === 'corrected').sort((a, b) => (a.review!.decidedAt < b.review!.decidedAt ? 1 : -1))[0]
      : undefined;
    const modelId = first.prediction?.modelId;
    if (modelId !== undefined && !models.has(modelId)) models.set(modelId, library.models.get(modelId));
    const model = modelId !== undefined ? models.get(modelId) : null;
    const decision = decider ? library.reviews.current(decider.id) : null;
    const reviewer = decision?.reviewer ?? null;
    const placed = group.latitude !== null && group.longitude !== null;
    records.push({
      occurrenceID: `urn:invasives-station:occurrence:${first.sha256}`,
      basisOfRecord: confirmed ? 'HumanObservation' : 'MachineObservation',
      occurrenceStatus: 'present',
      eventDate: group.capturedAt,
      scientificName: group.species,
      kingdom: options.kingdom ?? 'Plantae',
      decimalLatitude: placed ? Number(group.latitude!.toFixed(6)) : null,
      decimalLongitude: placed ? Number(group.longitude!.toFixed(6)) : null,
      geodeticDatum: placed ? 'WGS84' : null,
      coordinateUncertaintyInMeters: placed ? coordinateUncertaintyOf(photos, group.positionSource, settings) : null,
      georeferenceSources: placed && group.positionSource ? GEOREFERENCE_SOURCES[group.positionSource] : null,
      locality: placed && zones.hasZones ? zones.locate(group.latitude!, group.longitude!).label : null,
      identificationVerificationStatus: confirmed ? 'verified by a ranger from the photos' : 'unverified: automated identification',
      identifiedBy: confirmed ? (reviewer ?? 'park ranger') : model ? `${model.name} ${model.version} (image classifier)` : null,
      dateIdentified: confirmed ? decider!.review!.decidedAt : first.prediction ? (library.predictions.forPhoto(first.id)[0]?.createdAt ?? null) : null,
      identificationRemarks:
        [
          confirmed && decision?.station ? `identified at ${decision.station}` : null,
          group.score !== null ? `model probability ${group.score.toFixed(3)} (mean over ${photos.length} photo${photos.length > 1 ? 's' : ''})` : null,
        ]
          .filter((part) => part !== null)
          .join('; ') || null,
      recordedBy: credit.recordedBy ?? options.recordedBy ?? null,
      associatedMedia: photos.map((photo) => photo.path).join(' | '),
      occurrenceRemarks: photos.length > 1 ? `${photos.length} photos of one observation (burst)` : null,
      eventID: null,
      locationID: null,
      license: credit.license,
      rightsHolder: credit.rightsHolder,
    });
  }
  // Re-checks of treated sites: a clean one is an absence, linked to its site (issue 15).
  for (const visit of siteOccurrences(library)) {
    records.push({
      ...visit,
      kingdom: options.kingdom ?? 'Plantae',
      georeferenceSources: 'site extent (centre and radius)',
      locality: zones.hasZones ? zones.locate(visit.decimalLatitude, visit.decimalLongitude).label : null,
      dateIdentified: visit.eventDate,
      identificationRemarks: null,
      associatedMedia: null,
      recordedBy: visit.recordedBy ?? options.recordedBy ?? null,
      // A ranger's re-check: the dataset's licence applies.
      license: null,
      rightsHolder: null,
    });
  }
  return records;
}

/** Writes the Darwin Core occurrence CSV (UTF-8, header of term names) atomically; returns the number of occurrences. */
export async function writeDarwinCoreCsv(library: Library, settings: GeoSettings, outPath: string, options: DarwinCoreOptions = {}): Promise<{ written: number; leftOut: number }> {
  const records = darwinCoreRecords(library, settings, options);
  const terms = DARWIN_CORE_COLUMNS.map((column) => column.term);
  await writeStreamAtomically(outPath, (append) => {
    append(csvRow(terms));
    for (const record of records) {
      append(csvRow(terms.map((term) => record[term])));
    }
  });
  return { written: records.length, leftOut: 0 };
}
