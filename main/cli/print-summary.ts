import type { ImportResult } from '../core/ingest/import-events.js';
import type { ImportFileError } from '../core/library/index.js';

const SKIP_REASONS: Record<string, string> = {
  hidden: 'hidden entries (.Trashes, ._ files…)',
  'system-folder': 'system folders',
  'not-a-photo': 'files that are not photos',
  'symbolic-link': 'symbolic links (not followed)',
  'unreadable-folder': 'unreadable folders',
  'library-folder': "the library's own thumbnail folder",
};

export function printImportSummary(out: NodeJS.WritableStream, result: ImportResult, errors: ImportFileError[]): void {
  const s = result.summary;
  const lines = [
    `Import #${s.id} of ${s.rootPath}: ${s.state}${result.resumed ? ' (resumed)' : ''}`,
    `  ${s.filesTotal} files: ${s.photosNew} new photos, ${s.photosKnown} already imported from here, ${s.photosDuplicate} copies of photos already in the library, ${s.filesFailed} failed${s.filesPending ? `, ${s.filesPending} still to do` : ''}`,
  ];
  const skipped = Object.entries(s.skipped).filter(([, n]) => n > 0);
  if (skipped.length) lines.push(`  skipped: ${skipped.map(([reason, n]) => `${n} ${SKIP_REASONS[reason] ?? reason}`).join(', ')}`);
  if (s.filesTotal === 0 && s.state === 'completed') lines.push(`  No photos found under ${s.rootPath}: check that this is the card's folder (photos are usually under DCIM) and that the card is inserted.`);
  for (const error of errors) lines.push(`  ✗ [${error.code}] ${error.message}`);
  if (s.state === 'cancelled' || s.state === 'interrupted') lines.push('  Run the same command again to finish this import.');
  out.write(`${lines.join('\n')}\n`);
}
