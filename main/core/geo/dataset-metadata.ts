import { StationError } from '../errors.js';
import type { Library } from '../library/index.js';

/** The three licences GBIF accepts for occurrence data, with what EML and Darwin Core write for each. */
export const DATASET_LICENCES = {
  'CC0-1.0': { name: 'Public Domain (CC0 1.0)', url: 'http://creativecommons.org/publicdomain/zero/1.0/legalcode' },
  'CC-BY-4.0': { name: 'Creative Commons Attribution (CC-BY) 4.0', url: 'http://creativecommons.org/licenses/by/4.0/legalcode' },
  'CC-BY-NC-4.0': { name: 'Creative Commons Attribution Non Commercial (CC-BY-NC) 4.0', url: 'http://creativecommons.org/licenses/by-nc/4.0/legalcode' },
} as const;
export type DatasetLicence = keyof typeof DATASET_LICENCES;
export const DEFAULT_LICENCE: DatasetLicence = 'CC-BY-4.0';

/** What the published dataset says about itself (eml.xml), kept in the library. */
export interface DatasetMetadata {
  title: string;
  description: string;
  /** The organisation publishing the data (EML creator and publisher). */
  publisher: string;
  contactName: string | null;
  contactEmail: string | null;
  licence: DatasetLicence;
  /** Words for EML's geographicDescription, e.g. "Swiss National Park, Graubünden". */
  geographicDescription: string | null;
  /** Where the photos are published: multimedia identifiers are this + /media/<id>.jpg. Null: none unless --with-photos. */
  mediaBaseUrl: string | null;
  /** dwc:recordedBy when the export does not say. */
  recordedBy: string | null;
  /** ISO 639 code of the metadata's language. */
  language: string;
}

export const DATASET_METADATA_KEYS = [
  'title', 'description', 'publisher', 'contactName', 'contactEmail', 'licence', 'geographicDescription', 'mediaBaseUrl', 'recordedBy', 'language',
] as const satisfies readonly (keyof DatasetMetadata)[];

const DEFAULTS: DatasetMetadata = {
  title: 'Invasive plant occurrences recorded with Invasives Station',
  description: 'Photographs of plants taken by park rangers and visitors, identified by an image classifier and reviewed by rangers.',
  publisher: 'Park field station',
  contactName: null,
  contactEmail: null,
  licence: DEFAULT_LICENCE,
  geographicDescription: null,
  mediaBaseUrl: null,
  recordedBy: null,
  language: 'en',
};

/** The stored metadata over the defaults. */
export function readDatasetMetadata(library: Library): DatasetMetadata {
  const stored = library.datasetSettings.all();
  const metadata: DatasetMetadata = { ...DEFAULTS };
  for (const key of DATASET_METADATA_KEYS) {
    if (stored[key] !== undefined) (metadata as unknown as Record<string, string>)[key] = stored[key]!;
  }
  return metadata;
}

function invalid(what: string): StationError {
  return new StationError('INVALID_ARGUMENT', what);
}

/** Checks and stores changes (null or "" clears a key back to its default); returns the result. */
export function updateDatasetMetadata(library: Library, changes: Partial<Record<keyof DatasetMetadata, string | null>>): DatasetMetadata {
  const values: Record<string, string | null> = {};
  for (const [key, raw] of Object.entries(changes)) {
    if (!(DATASET_METADATA_KEYS as readonly string[]).includes(key)) throw invalid(`"${key}" is not a dataset setting (${DATASET_METADATA_KEYS.join(', ')}).`);
    const value = raw === null || raw === undefined || raw.trim() === '' ? null : raw.trim();
    if (value !== null && key === 'licence' && !(value in DATASET_LICENCES)) {
      throw invalid(`Licence "${value}" is not one GBIF accepts: use ${Object.keys(DATASET_LICENCES).join(', ')}.`);
    }
    if (value !== null && key === 'mediaBaseUrl' && !/^https?:\/\/[^\s]+$/.test(value)) {
      throw invalid(`Media base URL "${value}" is not an http(s) URL (e.g. https://example.org/park-photos).`);
    }
    if (value !== null && key === 'contactEmail' && !/^[^\s@]+@[^\s@]+$/.test(value)) throw invalid(`"${value}" is not an e-mail address.`);
    if (value !== null && key === 'language' && !/^[a-z]{2,3}$/.test(value)) throw invalid(`Language "${value}" is not an ISO 639 code such as en, de, fr.`);
    values[key] = value;
  }
  library.datasetSettings.update(values);
  return readDatasetMetadata(library);
}
