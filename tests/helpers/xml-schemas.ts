import fs from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { REPO_ROOT } from './run-cli.js';

const SCHEMAS = path.join(REPO_ROOT, 'resources', 'schemas');

function schemaFile(relative: string, fileName = path.basename(relative)): { fileName: string; contents: string } {
  // The published schemas import each other by URL; here they are pointed at the local copies (nothing is fetched).
  const contents = fs
    .readFileSync(path.join(SCHEMAS, relative), 'utf8')
    .replace(/schemaLocation="http:\/\/(?:rs\.gbif\.org\/schema|www\.w3\.org\/2001)\/xml\.xsd"/g, 'schemaLocation="xml.xsd"');
  return { fileName, contents };
}

export interface SchemaCheck {
  valid: boolean;
  errors: string[];
}

async function check(xml: string, fileName: string, schema: ReturnType<typeof schemaFile>, preload: ReturnType<typeof schemaFile>[]): Promise<SchemaCheck> {
  const result = await validateXML({ xml: [{ fileName, contents: xml }], schema: [schema], preload });
  return { valid: result.valid, errors: result.errors.map((error) => error.message).filter((message) => !/warning/i.test(message) && !/^\/\//.test(message)) };
}

/** meta.xml against the Darwin Core text guide schema (tdwg_dwc_text.xsd). */
export function checkMetaXml(xml: string): Promise<SchemaCheck> {
  return check(xml, 'meta.xml', schemaFile('dwc-text/tdwg_dwc_text.xsd'), []);
}

/** eml.xml against the GBIF Metadata Profile 1.3 (eml.xsd and the schemas it imports). */
export function checkEmlXml(xml: string): Promise<SchemaCheck> {
  return check(xml, 'eml.xml', schemaFile('gbif-eml-profile-1.3/eml.xsd'), [
    schemaFile('gbif-eml-profile-1.3/eml-gbif-profile.xsd'),
    schemaFile('gbif-eml-profile-1.3/dc.xsd'),
    schemaFile('xml.xsd'),
  ]);
}
