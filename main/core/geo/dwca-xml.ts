import { DATASET_LICENCES, type DatasetMetadata } from './dataset-metadata.js';

/** Escapes text for XML element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char]!);
}

/** One data file of the archive as meta.xml describes it: its row type, its id column and its terms in order. */
export interface ArchiveFile {
  location: string;
  rowType: string;
  /** Terms (IRIs) of the columns, in order; column 0 is the id (core) or core id (extension). */
  terms: readonly string[];
}

/**
 * meta.xml of the Darwin Core text guide: tab-separated UTF-8 files with a header line, no
 * quoting (values never hold tabs or newlines: they are replaced by spaces).
 */
export function buildMetaXml(core: ArchiveFile, extensions: readonly ArchiveFile[]): string {
  const file = (kind: 'core' | 'extension', entry: ArchiveFile) =>
    `  <${kind} encoding="UTF-8" fieldsTerminatedBy="\\t" linesTerminatedBy="\\n" fieldsEnclosedBy="" ignoreHeaderLines="1" rowType="${escapeXml(entry.rowType)}">\n` +
    `    <files>\n      <location>${escapeXml(entry.location)}</location>\n    </files>\n` +
    `    <${kind === 'core' ? 'id' : 'coreid'} index="0"/>\n` +
    entry.terms.map((term, index) => `    <field index="${index}" term="${escapeXml(term)}"/>\n`).join('') +
    `  </${kind}>\n`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<archive xmlns="http://rs.tdwg.org/dwc/text/" metadata="eml.xml">\n` +
    file('core', core) +
    extensions.map((extension) => file('extension', extension)).join('') +
    `</archive>\n`
  );
}

export interface EmlCoverage {
  /** West, east, north, south in decimal degrees; null when no occurrence has a position. */
  bounds: { west: number; east: number; north: number; south: number } | null;
  /** First and last eventDate (YYYY-MM-DD); null when none has a date. */
  dates: { begin: string; end: string } | null;
  /** Scientific names with their rank, for taxonomicCoverage. */
  taxa: { scientificName: string; taxonRank: string | null }[];
}

/** An agent (creator, contact, publisher) of the GBIF profile: an organisation and/or a person. */
function agent(tag: string, organisation: string, person: string | null, email: string | null): string {
  const lines = [`    <${tag}>`, `      <organizationName>${escapeXml(organisation)}</organizationName>`];
  if (person) {
    const parts = person.trim().split(/\s+/);
    const surname = parts.pop()!;
    lines.push('      <individualName>');
    if (parts.length > 0) lines.push(`        <givenName>${escapeXml(parts.join(' '))}</givenName>`);
    lines.push(`        <surName>${escapeXml(surname)}</surName>`, '      </individualName>');
  }
  if (email) lines.push(`      <electronicMailAddress>${escapeXml(email)}</electronicMailAddress>`);
  lines.push(`    </${tag}>`);
  return lines.join('\n');
}

/**
 * eml.xml in the GBIF Metadata Profile 1.3 (EML 2.2.0): title, abstract, licence (both the
 * intellectualRights text GBIF reads and EML's licensed element), creator, publisher, contact,
 * and the geographic, temporal and taxonomic coverage of the occurrences.
 */
export function buildEmlXml(metadata: DatasetMetadata, coverage: EmlCoverage, options: { packageId: string; pubDate: string }): string {
  const licence = DATASET_LICENCES[metadata.licence];
  const lang = escapeXml(metadata.language);
  const parts: string[] = [];
  parts.push(
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<eml:eml xmlns:eml="https://eml.ecoinformatics.org/eml-2.2.0" xmlns:dc="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`,
    `  xsi:schemaLocation="https://eml.ecoinformatics.org/eml-2.2.0 https://rs.gbif.org/schema/eml-gbif-profile/1.3/eml.xsd"`,
    `  packageId="${escapeXml(options.packageId)}" system="http://gbif.org" scope="system" xml:lang="${lang}">`,
    `  <dataset>`,
    `    <title xml:lang="${lang}">${escapeXml(metadata.title)}</title>`,
    agent('creator', metadata.publisher, metadata.contactName, metadata.contactEmail),
    agent('metadataProvider', metadata.publisher, metadata.contactName, metadata.contactEmail),
    `    <pubDate>${options.pubDate}</pubDate>`,
    `    <language>${lang}</language>`,
    `    <abstract>\n      <para>${escapeXml(metadata.description)}</para>\n    </abstract>`,
    `    <intellectualRights>\n      <para>This work is licensed under a <ulink url="${licence.url}"><citetitle>${escapeXml(licence.name)} License</citetitle></ulink>.</para>\n    </intellectualRights>`,
    `    <licensed>\n      <licenseName>${escapeXml(licence.name)}</licenseName>\n      <url>${licence.url}</url>\n      <identifier>${metadata.licence}</identifier>\n    </licensed>`,
  );
  const coverageParts: string[] = [];
  if (coverage.bounds) {
    const { west, east, north, south } = coverage.bounds;
    coverageParts.push(
      `      <geographicCoverage>`,
      `        <geographicDescription>${escapeXml(metadata.geographicDescription ?? 'The places where the photographs were taken.')}</geographicDescription>`,
      `        <boundingCoordinates>`,
      `          <westBoundingCoordinate>${west.toFixed(6)}</westBoundingCoordinate>`,
      `          <eastBoundingCoordinate>${east.toFixed(6)}</eastBoundingCoordinate>`,
      `          <northBoundingCoordinate>${north.toFixed(6)}</northBoundingCoordinate>`,
      `          <southBoundingCoordinate>${south.toFixed(6)}</southBoundingCoordinate>`,
      `        </boundingCoordinates>`,
      `      </geographicCoverage>`,
    );
  }
  if (coverage.dates) {
    coverageParts.push(
      `      <temporalCoverage>`,
      `        <rangeOfDates>`,
      `          <beginDate><calendarDate>${coverage.dates.begin}</calendarDate></beginDate>`,
      `          <endDate><calendarDate>${coverage.dates.end}</calendarDate></endDate>`,
      `        </rangeOfDates>`,
      `      </temporalCoverage>`,
    );
  }
  if (coverage.taxa.length > 0) {
    coverageParts.push(`      <taxonomicCoverage>`);
    for (const taxon of coverage.taxa) {
      coverageParts.push(`        <taxonomicClassification>`);
      if (taxon.taxonRank) coverageParts.push(`          <taxonRankName>${escapeXml(taxon.taxonRank)}</taxonRankName>`);
      coverageParts.push(`          <taxonRankValue>${escapeXml(taxon.scientificName)}</taxonRankValue>`, `        </taxonomicClassification>`);
    }
    coverageParts.push(`      </taxonomicCoverage>`);
  }
  if (coverageParts.length > 0) parts.push(`    <coverage>`, ...coverageParts, `    </coverage>`);
  parts.push(
    agent('contact', metadata.publisher, metadata.contactName, metadata.contactEmail),
    agent('publisher', metadata.publisher, null, null),
    `  </dataset>`,
    `</eml:eml>`,
    '',
  );
  return parts.join('\n');
}
