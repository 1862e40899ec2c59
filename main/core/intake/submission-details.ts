import { parse } from 'csv-parse/sync';
import { StationError, errorMessage } from '../errors.js';
import { LICENCES, type Licence, parseLicence } from '../licences.js';

/** What a visitor says about their photos: from a sidecar file or "Key: value" lines of a mail. */
export interface SubmissionDetails {
  name: string | null;
  contact: string | null;
  licence: Licence | null;
  consentToName: boolean | null;
  location: string | null;
  note: string | null;
}

/** The sidecar's columns / keys (and their accepted spellings). */
const KEYS: Record<string, keyof SubmissionDetails> = {
  name: 'name',
  contact: 'contact',
  email: 'contact',
  'e-mail': 'contact',
  licence: 'licence',
  license: 'licence',
  consent: 'consentToName',
  consent_to_name: 'consentToName',
  'consent to be named': 'consentToName',
  location: 'location',
  place: 'location',
  note: 'note',
  notes: 'note',
};

export const SIDECAR_NAMES = ['submission.json', 'submission.csv', 'sidecar.json', 'sidecar.csv'] as const;

function parseConsent(value: string, where: string): boolean {
  const text = value.trim().toLowerCase();
  if (['yes', 'y', 'true', '1', 'si', 'sí', 'ja', 'oui'].includes(text)) return true;
  if (['no', 'n', 'false', '0', 'nein', 'non', ''].includes(text)) return false;
  throw new StationError('SUBMISSION_INVALID', `${where}: consent "${value}" is not yes or no. Write yes (the visitor may be named) or no.`, { details: { file: where } });
}

/** Checks and normalises one sidecar's fields; unknown keys and bad values are refused, naming them. */
export function detailsFromFields(fields: Record<string, unknown>, where: string): SubmissionDetails {
  const details: SubmissionDetails = { name: null, contact: null, licence: null, consentToName: null, location: null, note: null };
  for (const [rawKey, rawValue] of Object.entries(fields)) {
    const key = KEYS[rawKey.trim().toLowerCase()];
    if (!key) {
      throw new StationError('SUBMISSION_INVALID', `${where}: unknown column "${rawKey}". The columns are: name, contact, licence, consent, location, note.`, { details: { file: where, column: rawKey } });
    }
    const value = rawValue === null || rawValue === undefined ? '' : typeof rawValue === 'boolean' ? (rawValue ? 'yes' : 'no') : String(rawValue);
    if (key === 'licence') {
      if (!value.trim()) continue;
      const licence = parseLicence(value);
      if (!licence) {
        throw new StationError('SUBMISSION_INVALID', `${where}: licence "${value}" is not one the station can publish under. Use one of ${LICENCES.join(', ')} (or CC0, CC-BY, CC-BY-NC).`, { details: { file: where, licence: value } });
      }
      details.licence = licence;
    } else if (key === 'consentToName') {
      details.consentToName = parseConsent(value, where);
    } else {
      details[key] = value.trim() || null;
    }
  }
  return details;
}

/** Reads a sidecar: a JSON object, or a CSV with a header and one row. */
export function parseSidecar(text: string, fileName: string): SubmissionDetails {
  if (fileName.toLowerCase().endsWith('.json')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new StationError('SUBMISSION_INVALID', `${fileName} is not valid JSON (${errorMessage(error)}). Fix it, or write the sidecar as CSV.`, { details: { file: fileName } });
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new StationError('SUBMISSION_INVALID', `${fileName} must hold one JSON object, e.g. {"name": "...", "licence": "CC-BY-4.0", "consent": true}.`, { details: { file: fileName } });
    }
    return detailsFromFields(value as Record<string, unknown>, fileName);
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw new StationError('SUBMISSION_INVALID', `${fileName} is not a readable CSV (${errorMessage(error)}).`, { details: { file: fileName } });
  }
  if (rows.length !== 1) {
    throw new StationError('SUBMISSION_INVALID', `${fileName} must have a header line and exactly one row (it has ${rows.length}).`, { details: { file: fileName } });
  }
  return detailsFromFields(rows[0]!, fileName);
}

/** "Licence: CC-BY" / "Consent: yes" / "Location: ..." lines in a mail body (unknown keys are ordinary text there). */
export function detailsFromMailText(text: string): Partial<SubmissionDetails> {
  const found: Partial<SubmissionDetails> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = line.match(/^\s*(licen[cs]e|consent|location|place|name)\s*:\s*(.+)$/i);
    if (!match) continue;
    const key = KEYS[match[1]!.toLowerCase()]!;
    const value = match[2]!.trim();
    if (key === 'licence') {
      const licence = parseLicence(value);
      if (licence) found.licence = licence;
    } else if (key === 'consentToName') {
      try {
        found.consentToName = parseConsent(value, 'mail');
      } catch {
        // Free text in a mail is not a form: an unclear answer is no consent.
      }
    } else if (key === 'location') found.location = value;
    else if (key === 'name') found.name = value;
  }
  return found;
}
