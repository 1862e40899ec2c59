import { stringify } from 'csv-stringify/sync';
import { writeStreamAtomically } from '../atomic-file.js';
import type { Library, PhotoQuery } from '../library/index.js';
import { EXPORT_COLUMNS, type ExportCounts, exportRecordOf } from './export-record.js';

/** Characters that make a spreadsheet treat a cell as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text cells a spreadsheet would execute get a leading apostrophe; numbers stay numbers. */
export function neutraliseCell(value: unknown): unknown {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * One RFC 4180 record (CRLF): every text field quoted, so no reader splits a value into bare
 * words of its own; numbers stay bare; formula starts neutralised. Every CSV the station
 * writes goes through here. (Where a file is written is the real guard: the UI never names a path.)
 */
export function csvRow(values: readonly unknown[]): string {
  return stringify([values.map(neutraliseCell)], { record_delimiter: '\r\n', quoted_string: true, cast: { number: (n) => String(n) } });
}

export interface CsvExportOptions {
  /** Start the file with a UTF-8 byte order mark, so Excel reads accents and non-Latin names right. */
  excel?: boolean;
}

/** The UTF-8 byte order mark Excel needs to read a CSV file as UTF-8. */
export const UTF8_BOM = '\uFEFF';

/** RFC 4180 CSV (UTF-8, CRLF, header row), one row per photo matching `query`, written atomically. */
export async function writeCsvExport(library: Library, query: PhotoQuery, outPath: string, options: CsvExportOptions = {}): Promise<ExportCounts> {
  let written = 0;
  await writeStreamAtomically(outPath, (append) => {
    if (options.excel) append(UTF8_BOM);
    append(csvRow(EXPORT_COLUMNS));
    for (const photo of library.photos.iterate(query)) {
      const record = exportRecordOf(photo);
      append(csvRow(EXPORT_COLUMNS.map((column) => record[column])));
      written++;
    }
  });
  return { written, leftOut: 0 };
}
