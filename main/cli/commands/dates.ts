import { rereadCaptureTimes } from '../../core/ingest/reread-capture-times.js';
import { type CliCommand, usageError } from '../command.js';

export const datesCommand: CliCommand = {
  name: 'dates',
  summary: 'capture times by source; re-read XMP/IPTC dates of photos imported by older versions',
  usage: `invasives dates [--db FILE] [--json]
invasives dates reread [--db FILE] [--json]

Capture times are read from EXIF DateTimeOriginal (with OffsetTimeOriginal and
SubSecTimeOriginal), else EXIF CreateDate, else XMP (exif:DateTimeOriginal,
photoshop:DateCreated, xmp:CreateDate, dwc:eventDate), else IPTC DateCreated + TimeCreated,
else EXIF ModifyDate; the file's modification time only with 'import --file-time-fallback'.
Each photo keeps where its time came from (exported as captured_at_source).

'dates' counts photos per source and those waiting for a re-read. 'dates reread' is the
upgrade step for libraries imported before XMP and IPTC were read: the photos without a
capture time are read again from their files (when still there, with the same content) and
get the date found. Safe to stop and run again: it resumes; photos whose files are missing
wait for a run with the card back; no stored date is changed.`,
  options: {},
  async run(context) {
    const action = context.positionals[0] ?? 'show';
    if (action !== 'show' && action !== 'reread') {
      throw usageError(`unknown action "${action}" (show or reread).`);
    }
    const library = context.library.open(action === 'reread' ? 'write' : 'read');
    try {
      if (action === 'reread') {
        const result = await rereadCaptureTimes(library, {
          onProgress: context.json ? undefined : (progress) => context.stderr.write(`\r${progress.checked} photos read again, ${progress.found} dates found…`),
        });
        if (context.json) {
          context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        } else {
          context.stderr.write('\n');
          context.stdout.write(`${result.checked} photos read again: ${result.found} got a capture time from XMP or IPTC.\n`);
          if (result.filesMissing) context.stdout.write(`${result.filesMissing} photos' files are not where they were imported from; they wait for the next 'invasives dates reread' with the card back.\n`);
        }
        return 0;
      }
      const bySource = library.captureTimes.countsBySource();
      const waiting = library.captureTimes.pendingRereadCount();
      if (context.json) {
        context.stdout.write(`${JSON.stringify({ bySource, waitingForReread: waiting }, null, 2)}\n`);
      } else {
        for (const [source, count] of Object.entries(bySource)) context.stdout.write(`${source.padEnd(28)} ${count}\n`);
        if (waiting) context.stdout.write(`${waiting} photos from an older version wait for their XMP/IPTC dates: invasives dates reread\n`);
      }
      return 0;
    } finally {
      library.close();
    }
  },
};
