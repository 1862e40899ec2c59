import { writeStreamAtomically } from '../atomic-file.js';
import type { Library, PhotoSummary, PositionSource } from '../library/index.js';
import type { GeoSettings } from '../settings.js';
import { publishedCredit } from '../intake/photo-credits.js';
import { siteOccurrences } from '../sites/site-darwin-core.js';
import { captureSortKey } from './capture-time.js';
import { countryCodeAt, DEFAULT_BORDER_BUFFER_METRES } from './country-code.js';
import { DATASET_LICENCES, type DatasetLicence, DEFAULT_LICENCE, readDatasetMetadata } from './dataset-metadata.js';
import { csvRow, UTF8_BOM } from './export-csv.js';
import { computeObservations } from './observations.js';
import { resolveTaxon } from './taxa.js';
import { ZoneIndex } from './zones.js';

/**
 * The Darwin Core terms of an occurrence, in column order, with their IRIs
 * (https://dwc.tdwg.org/list/): the CSV header and the archive's meta.xml.
 */
export const DARWIN_CORE_COLUMNS = [
  { term: 'occurrenceID', iri: 'http://rs.tdwg.org/dwc/terms/occurrenceID' },
  { term: 'basisOfRecord', iri: 'http://rs.tdwg.org/dwc/terms/basisOfRecord' },
  { term: 'occurrenceStatus', iri: 'http://rs.tdwg.org/dwc/terms/occurrenceStatus' },
  { term: 'eventDate', iri: 'http://rs.tdwg.org/dwc/terms/eventDate' },
  { term: 'scientificName', iri: 'http://rs.tdwg.org/dwc/terms/scientificName' },
  { term: 'kingdom', iri: 'http://rs.tdwg.org/dwc/terms/kingdom' },
  { term: 'taxonRank', iri: 'http://rs.tdwg.org/dwc/terms/taxonRank' },
  { term: 'vernacularName', iri: 'http://rs.tdwg.org/dwc/terms/vernacularName' },
  { term: 'decimalLatitude', iri: 'http://rs.tdwg.org/dwc/terms/decimalLatitude' },
  { term: 'decimalLongitude', iri: 'http://rs.tdwg.org/dwc/terms/decimalLongitude' },
  { term: 'geodeticDatum', iri: 'http://rs.tdwg.org/dwc/terms/geodeticDatum' },
  { term: 'coordinateUncertaintyInMeters', iri: 'http://rs.tdwg.org/dwc/terms/coordinateUncertaintyInMeters' },
  { term: 'georeferenceSources', iri: 'http://rs.tdwg.org/dwc/terms/georeferenceSources' },
  { term: 'countryCode', iri: 'http://rs.tdwg.org/dwc/terms/countryCode' },
  { term: 'locality', iri: 'http://rs.tdwg.org/dwc/terms/locality' },
  { term: 'establishmentMeans', iri: 'http://rs.tdwg.org/dwc/terms/establishmentMeans' },
  { term: 'degreeOfEstablishment', iri: 'http://rs.tdwg.org/dwc/terms/degreeOfEstablishment' },
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
  /** dwc:kingdom of classes that the taxon mapping gives none (the station identifies plants). */
  kingdom?: string;
  /** dcterms:license of every record; CC-BY 4.0 unless set. */
  licence?: DatasetLicence;
  /**
   * Where each photo can be fetched (associatedMedia, multimedia identifier): a file inside
   * the archive or a published URL; null: the photo is not published. Local paths never go out.
   */
  mediaIdentifier?: (photo: PhotoSummary) => string | null;
  /**
   * Whether a species (scientific name or model class) is a listed invasive of the park; those
   * records get establishmentMeans "introduced" and degreeOfEstablishment "invasive". Default:
   * the library's watch list (invasives species), plus GeoSettings.invasiveSpecies.
   */
  isListedInvasive?: (scientificName: string, label: string) => boolean;
  /** No countryCode within this distance of another country (metres). */
  borderBufferMetres?: number;
}

/** One occurrence with the photos it is made of (for the multimedia extension). */
export interface DarwinCoreOccurrence {
  record: DarwinCoreRecord;
  photos: PhotoSummary[];
}

export interface DarwinCoreResult {
  occurrences: DarwinCoreOccurrence[];
  /** Observations left out because their class has no scientific name: class → count (load a taxon mapping). */
  withoutTaxon: Record<string, number>;
  /** Why the other observations were left out (an empty archive names these). */
  skipped: SkippedObservations;
}

/** Observations that are not occurrences, by reason (classes without a taxon: `withoutTaxon`). */
export interface SkippedObservations {
  /** Every observation in the library (bursts count once). */
  observations: number;
  /** Rejected by a ranger, or without a species (no prediction, marked unsure). */
  rejectedOrWithoutSpecies: number;
  /** Predictions the open set judged unknown. */
  judgedUnknown: number;
  /** Predictions left out by `confirmedOnly`. */
  notConfirmed: number;
  /** Visitors' photos withheld (no consent to be named, no open licence). */
  withheld: number;
}

const GEOREFERENCE_SOURCES = { exif: 'camera GPS (EXIF)', gpx: 'GPS track (GPX), time-matched', manual: 'placed by hand on a map' } as const;

/**
 * The photo whose stored UUID names the observation: its earliest photo (then the smallest
 * id). Content-derived, so the same in merged libraries; a regrouped burst keeps its id as
 * long as its first photo stays in it, and an id always names an occurrence holding that photo.
 */
function anchorPhoto(photos: readonly PhotoSummary[]): PhotoSummary {
  return [...photos].sort((a, b) => {
    const ta = captureSortKey(a.capturedAt) ?? Number.POSITIVE_INFINITY;
    const tb = captureSortKey(b.capturedAt) ?? Number.POSITIVE_INFINITY;
    return ta - tb || (a.occurrenceId < b.occurrenceId ? -1 : a.occurrenceId > b.occurrenceId ? 1 : 0);
  })[0]!;
}

/**
 * Metres within which an observation's position is known: the widest uncertainty stored with its
 * photos' positions (a placement on the map stores its zoom's), else the default for its source.
 */
function coordinateUncertaintyOf(photos: PhotoSummary[], source: PositionSource | null, settings: GeoSettings): number | null {
  const stored = photos.map((photo) => photo.positionUncertaintyMetres).filter((metres): metres is number => metres !== null);
  if (stored.length) return Math.ceil(Math.max(...stored));
  return source ? settings.positionUncertaintyMetres[source] : null;
}

/**
 * One Darwin Core occurrence per observation (near-duplicate photos count once, with every
 * photo in associatedMedia): HumanObservation once a ranger confirmed or corrected it,
 * MachineObservation while it is a model prediction. Rejected observations are left out, and
 * so are predictions the open set judged unknown until a ranger confirms a species, and
 * classes without a scientific name (counted in `withoutTaxon`).
 */
export function darwinCoreOccurrences(library: Library, settings: GeoSettings, options: DarwinCoreOptions = {}): DarwinCoreResult {
  const zones = ZoneIndex.of(library);
  const mappings = library.taxa.byLabel();
  const licence = DATASET_LICENCES[options.licence ?? DEFAULT_LICENCE];
  // The park's watch list (species list entries marked watch list) names its invasives; GeoSettings.invasiveSpecies adds to it.
  const watchList = new Set(library.speciesList.list().filter((entry) => entry.watchList).map((entry) => entry.species));
  for (const species of settings.invasiveSpecies ?? []) watchList.add(species);
  const isListedInvasive = options.isListedInvasive ?? ((name: string, label: string) => watchList.has(name) || watchList.has(label));
  const occurrences: DarwinCoreOccurrence[] = [];
  const withoutTaxon: Record<string, number> = {};
  const { observations, photos: photoById } = computeObservations(library, settings);
  const skipped: SkippedObservations = { observations: observations.length, rejectedOrWithoutSpecies: 0, judgedUnknown: 0, notConfirmed: 0, withheld: 0 };
  const models = new Map<number, ReturnType<Library['models']['get']>>();
  for (const group of observations) {
    if (!group.species || (group.evidence !== 'confirmed' && group.evidence !== 'predicted')) {
      skipped.rejectedOrWithoutSpecies++;
      continue;
    }
    // A photo the open set judged unknown is not an occurrence of the species the model forced it into.
    if (group.evidence === 'predicted' && group.unknown) {
      skipped.judgedUnknown++;
      continue;
    }
    if (options.confirmedOnly && group.evidence !== 'confirmed') {
      skipped.notConfirmed++;
      continue;
    }
    const taxon = resolveTaxon(group.species, mappings, options.kingdom ?? 'Plantae');
    if (!taxon) {
      withoutTaxon[group.species] = (withoutTaxon[group.species] ?? 0) + 1;
      continue;
    }
    const photos = group.photoIds.map((id) => photoById.get(id)).filter((photo): photo is PhotoSummary => photo !== undefined);
    const first = photos[0]!;
    // Visitors' photos: credited only with consent, else CC0 or left out (never a contact address).
    const credit = publishedCredit(library, photos);
    if (credit.leaveOut) {
      skipped.withheld++;
      continue;
    }
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
    const invasive = isListedInvasive(taxon.scientificName, group.species);
    const media = options.mediaIdentifier ? photos.map(options.mediaIdentifier).filter((id): id is string => id !== null) : [];
    const record: DarwinCoreRecord = {
      occurrenceID: anchorPhoto(photos).occurrenceId,
      basisOfRecord: confirmed ? 'HumanObservation' : 'MachineObservation',
      occurrenceStatus: 'present',
      eventDate: group.capturedAt,
      scientificName: taxon.scientificName,
      kingdom: taxon.kingdom,
      taxonRank: taxon.taxonRank,
      vernacularName: mappings.get(group.species)?.vernacularName ?? null,
      decimalLatitude: placed ? Number(group.latitude!.toFixed(6)) : null,
      decimalLongitude: placed ? Number(group.longitude!.toFixed(6)) : null,
      geodeticDatum: placed ? 'EPSG:4326' : null,
      coordinateUncertaintyInMeters: placed ? coordinateUncertaintyOf(photos, group.positionSource, settings) : null,
      georeferenceSources: placed && group.positionSource ? GEOREFERENCE_SOURCES[group.positionSource] : null,
      countryCode: placed ? countryCodeAt(group.latitude!, group.longitude!, options.borderBufferMetres ?? DEFAULT_BORDER_BUFFER_METRES) : null,
      locality: placed && zones.hasZones ? zones.locate(group.latitude!, group.longitude!).label : null,
      establishmentMeans: invasive ? 'introduced' : null,
      degreeOfEstablishment: invasive ? 'invasive' : null,
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
      // A visitor's photo carries the licence its sender chose; the station's own, the dataset's.
      license: credit.license ?? licence.url,
      associatedMedia: media.length > 0 ? media.join(' | ') : null,
      occurrenceRemarks: photos.length > 1 ? `${photos.length} photos of one observation (burst)` : null,
      eventID: null,
      locationID: null,
      rightsHolder: credit.rightsHolder,
    };
    occurrences.push({ record, photos });
  }
  // Re-checks of treated sites: a clean one is an absence, linked to its site (issue 15).
  for (const visit of siteOccurrences(library)) {
    const taxon = resolveTaxon(visit.scientificName, mappings, options.kingdom ?? 'Plantae');
    const invasive = isListedInvasive(taxon?.scientificName ?? visit.scientificName, visit.scientificName);
    const record: DarwinCoreRecord = {
      ...visit,
      scientificName: taxon?.scientificName ?? visit.scientificName,
      kingdom: taxon?.kingdom ?? options.kingdom ?? 'Plantae',
      taxonRank: taxon?.taxonRank ?? null,
      vernacularName: mappings.get(visit.scientificName)?.vernacularName ?? null,
      geodeticDatum: 'EPSG:4326',
      georeferenceSources: 'site extent (centre and radius)',
      countryCode: countryCodeAt(visit.decimalLatitude, visit.decimalLongitude, options.borderBufferMetres ?? DEFAULT_BORDER_BUFFER_METRES),
      locality: zones.hasZones ? zones.locate(visit.decimalLatitude, visit.decimalLongitude).label : null,
      establishmentMeans: invasive ? 'introduced' : null,
      degreeOfEstablishment: invasive ? 'invasive' : null,
      dateIdentified: visit.eventDate,
      identificationRemarks: null,
      associatedMedia: null,
      recordedBy: visit.recordedBy ?? options.recordedBy ?? null,
      // A ranger's re-check: the dataset's licence applies.
      license: licence.url,
      rightsHolder: null,
    };
    occurrences.push({ record, photos: [] });
  }
  return { occurrences, withoutTaxon, skipped };
}

/** The records alone (see darwinCoreOccurrences). */
export function darwinCoreRecords(library: Library, settings: GeoSettings, options: DarwinCoreOptions = {}): DarwinCoreRecord[] {
  return darwinCoreOccurrences(library, settings, options).occurrences.map((occurrence) => occurrence.record);
}

/**
 * Writes the Darwin Core occurrence CSV (UTF-8, header of term names; with `excel`, a BOM
 * first) atomically. `leftOut` counts observations whose class has no scientific name.
 */
export async function writeDarwinCoreCsv(
  library: Library,
  settings: GeoSettings,
  outPath: string,
  options: DarwinCoreOptions & { excel?: boolean } = {},
): Promise<{ written: number; leftOut: number; withoutTaxon: Record<string, number>; skipped: SkippedObservations }> {
  // The dataset's licence and published media, as in the archive (see writeDarwinCoreArchive).
  const dataset = readDatasetMetadata(library);
  const base = dataset.mediaBaseUrl?.replace(/\/+$/, '') ?? null;
  const { occurrences, withoutTaxon, skipped } = darwinCoreOccurrences(library, settings, {
    ...options,
    licence: options.licence ?? dataset.licence,
    recordedBy: options.recordedBy ?? dataset.recordedBy,
    mediaIdentifier: options.mediaIdentifier ?? (base ? (photo) => `${base}/media/${photo.occurrenceId}.jpg` : undefined),
  });
  const terms = DARWIN_CORE_COLUMNS.map((column) => column.term);
  await writeStreamAtomically(outPath, (append) => {
    if (options.excel) append(UTF8_BOM);
    append(csvRow(terms));
    for (const { record } of occurrences) {
      append(csvRow(terms.map((term) => record[term])));
    }
  });
  return { written: occurrences.length, leftOut: Object.values(withoutTaxon).reduce((sum, n) => sum + n, 0), withoutTaxon, skipped };
}
