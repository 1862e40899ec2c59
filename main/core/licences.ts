/**
 * The licences a visitor can give their photos, as SPDX ids, least restrictive first:
 * CC0 (no conditions) < CC-BY 4.0 (credit the author) < CC-BY-NC 4.0 (credit, no commercial use).
 */
export const LICENCES = ['CC0-1.0', 'CC-BY-4.0', 'CC-BY-NC-4.0'] as const;
export type Licence = (typeof LICENCES)[number];

export const LICENCE_URLS: Record<Licence, string> = {
  'CC0-1.0': 'http://creativecommons.org/publicdomain/zero/1.0/legalcode',
  'CC-BY-4.0': 'http://creativecommons.org/licenses/by/4.0/legalcode',
  'CC-BY-NC-4.0': 'http://creativecommons.org/licenses/by-nc/4.0/legalcode',
};

const SPELLINGS: Record<string, Licence> = {
  cc0: 'CC0-1.0',
  'cc0-1.0': 'CC0-1.0',
  'cc0 1.0': 'CC0-1.0',
  'public domain': 'CC0-1.0',
  'cc-by': 'CC-BY-4.0',
  'cc by': 'CC-BY-4.0',
  'cc-by-4.0': 'CC-BY-4.0',
  'cc-by 4.0': 'CC-BY-4.0',
  'cc by 4.0': 'CC-BY-4.0',
  'cc-by-nc': 'CC-BY-NC-4.0',
  'cc by-nc': 'CC-BY-NC-4.0',
  'cc by nc': 'CC-BY-NC-4.0',
  'cc-by-nc-4.0': 'CC-BY-NC-4.0',
  'cc-by-nc 4.0': 'CC-BY-NC-4.0',
  'cc by-nc 4.0': 'CC-BY-NC-4.0',
  'cc by nc 4.0': 'CC-BY-NC-4.0',
};

/** The licence a sidecar value names (SPDX id or a usual spelling, any case), or null when it names none of the three. */
export function parseLicence(text: string): Licence | null {
  const key = text.trim().toLowerCase().replace(/\s+/g, ' ');
  return SPELLINGS[key] ?? null;
}

/** A dataset's licence: the most restrictive among its records' (CC0 when it has none). */
export function mostRestrictiveLicence(licences: Iterable<Licence>): Licence {
  let worst = 0;
  for (const licence of licences) worst = Math.max(worst, LICENCES.indexOf(licence));
  return LICENCES[worst]!;
}
