import { rereadCaptureTimes } from '../core/ingest/reread-capture-times.js';
import type { Library } from '../core/library/index.js';
import type { CommandContext } from './command.js';

/**
 * The upgrade step, run by the commands that use capture times (import, gpx) when photos
 * from an older version still wait for their XMP/IPTC dates: nothing to do costs one count.
 */
export async function rereadPendingDates(library: Library, context: CommandContext): Promise<void> {
  if (library.captureTimes.pendingRereadCount() === 0) return;
  const result = await rereadCaptureTimes(library);
  if (!context.json && result.checked > 0) {
    context.stderr.write(`Upgrade: ${result.checked} photos from an older version read again for XMP/IPTC dates, ${result.found} found${result.remaining ? `; ${result.remaining} wait for their files (invasives dates reread)` : ''}.\n`);
  }
}
