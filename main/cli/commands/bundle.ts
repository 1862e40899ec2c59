import { StationError } from '../../core/errors.js';
import type { Library } from '../../core/library/index.js';
import { decisionMaker } from '../../core/station-settings.js';
import { placementConflicts, reviewConflicts } from '../../core/stations/conflicts.js';
import { exportBundle } from '../../core/stations/export-bundle.js';
import { type ImportBundleSummary, type MergeStage, importBundle } from '../../core/stations/import-bundle.js';
import { mergeLibraryFile } from '../../core/stations/merge-library.js';
import { type CliCommand, type CommandContext, usageError } from '../command.js';

/** Progress on a terminal: one line redrawn in place; nothing on a pipe (the summary says it all). */
function progressTo(context: CommandContext): ((stage: string, done: number, total?: number) => void) | undefined {
  if (context.json || !context.stderr.isTTY) return undefined;
  return (stage, done, total) => context.stderr.write(`\r${stage}: ${done.toLocaleString('en')}${total ? ` of ${total.toLocaleString('en')}` : ''}   `);
}

function endProgress(context: CommandContext): void {
  if (!context.json && context.stderr.isTTY) context.stderr.write('\r\x1b[K');
}

function counts(record: Record<string, number>): string {
  const parts = Object.entries(record).map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'nothing';
}

export function reportMerge(summary: ImportBundleSummary, context: CommandContext): void {
  if (context.json) {
    context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const from = summary.sourceName ? `${summary.sourceName} (${summary.sourceStation})` : summary.sourceStation;
  if (summary.sameLibrary) {
    context.stdout.write(`${summary.file} comes from this very station (${from}); nothing to merge.\n`);
    return;
  }
  context.stdout.write(`Merged ${summary.file} from station ${from}${summary.alreadyMerged ? ' (merged before: nothing new expected)' : ''}.\n`);
  context.stdout.write(`  events: ${summary.eventsNew} new, ${summary.eventsKnown} already here; records added: ${counts(summary.added)}; newer states taken: ${counts(summary.updated)}; thumbnails copied: ${summary.thumbnailsCopied}\n`);
  for (const model of summary.modelsMissing) {
    context.stdout.write(`  model "${model}" is not installed here: its predictions are kept under its name; add the model pack to classify with it.\n`);
  }
  if (summary.conflicts.length) {
    context.stdout.write(`  ${summary.conflicts.length} photo(s) were decided differently at two stations; resolve them: invasives bundle conflicts\n`);
  }
  if (summary.placementConflicts.length) {
    context.stdout.write(`  ${summary.placementConflicts.length} photo(s) were placed differently at two stations; see them: invasives bundle conflicts\n`);
  }
}

function printConflicts(library: Library, context: CommandContext): number {
  const conflicts = reviewConflicts(library);
  const placements = placementConflicts(library);
  if (context.json) {
    // Both kinds, as the text shows them: photos decided differently and photos placed differently.
    context.stdout.write(`${JSON.stringify({ reviews: conflicts, placements }, null, 2)}\n`);
    return 0;
  }
  for (const conflict of placements) {
    context.stdout.write(`photo ${conflict.photoId ?? '?'} (${conflict.photoSha256.slice(0, 12)}) placed differently:\n`);
    for (const placed of conflict.placements) {
      const where = placed.latitude === null ? 'position removed' : `${placed.latitude}, ${placed.longitude}${placed.uncertaintyMetres ? ` ±${placed.uncertaintyMetres} m` : ''}`;
      context.stdout.write(`  ${where} by ${placed.ranger ?? 'unknown ranger'} at ${placed.stationName ?? placed.originStation}, ${placed.occurredAt}\n`);
    }
  }
  if (placements.length) context.stdout.write('Keep one with: invasives place PHOTO_ID LATITUDE LONGITUDE [--uncertainty M] (or --clear)\n');
  if (!conflicts.length) {
    context.stdout.write('No conflicting decisions.\n');
    return 0;
  }
  for (const conflict of conflicts) {
    context.stdout.write(`photo ${conflict.photoId ?? '?'} (${conflict.photoSha256.slice(0, 12)}):\n`);
    for (const decision of conflict.decisions) {
      context.stdout.write(`  ${decision.decision}${decision.species ? ` ${decision.species}` : ''} by ${decision.ranger ?? 'unknown ranger'} at ${decision.stationName ?? decision.originStation}, ${decision.occurredAt}\n`);
    }
  }
  context.stdout.write(`Resolve one with: invasives bundle resolve PHOTO_ID --decision confirmed|corrected|rejected|unsure [--species NAME] [--ranger NAME]\n`);
  return 0;
}

export const bundleCommand: CliCommand = {
  name: 'bundle',
  summary: 'exchange station bundles: export, import, status, conflicts, resolve',
  usage: `invasives bundle export --out FILE [--to STATION] [--full]
invasives bundle import FILE
invasives bundle status
invasives bundle conflicts [--json]
invasives bundle resolve PHOTO_ID --decision D [--species NAME] [--ranger NAME] [--note TEXT]

A station bundle is one file (SQLite, with a sha256 checksum) that carries what another station
has not confirmed yet: photos by content hash with their metadata and thumbnails, predictions
with their model's identity, reviews, placements, zones, the species/watch list, alert states,
and every event (sites, treatments, submissions…).

  export --to STATION   the station it is for (its id or name, see 'bundle status'): only what it has
                        not confirmed; a bundle it never received is sent again next time
  export --full         everything
  import FILE           merges a bundle (all or nothing; importing it twice changes nothing)
  conflicts             photos two stations decided or placed differently; --json prints
                        { "reviews": [...], "placements": [...] }
  resolve PHOTO_ID      records the ranger's decision, which settles the conflict`,
  options: {
    out: { type: 'string' },
    to: { type: 'string' },
    full: { type: 'boolean', default: false },
    decision: { type: 'string' },
    species: { type: 'string' },
    ranger: { type: 'string' },
    note: { type: 'string' },
  },
  async run(context) {
    const [action, argument] = context.positionals;
    if (action === 'export') {
      const out = context.options.out;
      if (typeof out !== 'string') throw usageError('where to? Usage: invasives bundle export --out FILE [--to STATION] [--full]');
      const library = context.library.open('read');
      try {
        const summary = await exportBundle(library, {
          out,
          destination: typeof context.options.to === 'string' ? context.options.to : null,
          full: context.options.full === true,
          onProgress: progressTo(context),
        });
        endProgress(context);
        if (context.json) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          context.stdout.write(`Wrote ${summary.out} (${summary.full ? 'everything' : `changes for ${summary.destination}`}): ${summary.events} events, ${counts(summary.records)}, ${summary.thumbnails} thumbnails, ${(summary.bytes / 1024 ** 2).toFixed(1)} MB, sha256 ${summary.checksum}.\n`);
        }
        return 0;
      } finally {
        library.close();
      }
    }
    if (action === 'import') {
      if (!argument) throw usageError('which bundle? Usage: invasives bundle import FILE');
      const library = context.library.open('write');
      try {
        const summary = await importBundle(library, argument, { onProgress: progressTo(context) as ((stage: MergeStage, done: number) => void) | undefined });
        endProgress(context);
        reportMerge(summary, context);
        return 0;
      } finally {
        library.close();
      }
    }
    if (action === 'status') {
      const library = context.library.open('read');
      try {
        const status = { stationId: library.events.stationId, peers: library.stationSync.peers(), bundlesReceived: library.stationSync.bundlesReceived() };
        if (context.json) context.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        else {
          context.stdout.write(`This station: ${status.stationId}\n`);
          for (const peer of status.peers) {
            context.stdout.write(`  ${peer.stationName ?? '(unnamed)'} ${peer.stationId}: confirmed our events up to ${peer.acknowledgedSeq}${peer.acknowledgedAt ? ` (bundle of ${peer.acknowledgedAt})` : ' (no receipt yet)'}; we have theirs up to ${peer.receivedSeq}\n`);
          }
          for (const bundle of status.bundlesReceived) {
            context.stdout.write(`  received ${bundle.kind} ${bundle.file} from ${bundle.sourceName ?? bundle.sourceStation} on ${bundle.receivedAt}\n`);
          }
        }
        return 0;
      } finally {
        library.close();
      }
    }
    if (action === 'conflicts') {
      const library = context.library.open('read');
      try {
        return printConflicts(library, context);
      } finally {
        library.close();
      }
    }
    if (action === 'resolve') {
      const photoId = Number(argument);
      if (!argument || !Number.isInteger(photoId) || photoId <= 0) throw usageError('which photo? Usage: invasives bundle resolve PHOTO_ID --decision D [--species NAME]');
      const decision = context.options.decision;
      if (decision !== 'confirmed' && decision !== 'corrected' && decision !== 'rejected' && decision !== 'unsure') {
        throw new StationError('INVALID_ARGUMENT', `--decision must be confirmed, corrected, rejected or unsure (got "${String(decision ?? '')}").`);
      }
      const library = context.library.open('write');
      try {
        const who = decisionMaker(library, typeof context.options.ranger === 'string' ? context.options.ranger : null);
        const review = library.reviews.record({
          photoId,
          decision,
          species: typeof context.options.species === 'string' ? context.options.species : null,
          note: typeof context.options.note === 'string' ? context.options.note : null,
          reviewer: who.ranger,
          station: who.station,
        });
        if (context.json) context.stdout.write(`${JSON.stringify(review, null, 2)}\n`);
        else context.stdout.write(`Photo ${photoId}: ${review.decision}${review.species ? ` ${review.species}` : ''} recorded; it settles the stations' different decisions.\n`);
        return 0;
      } finally {
        library.close();
      }
    }
    throw usageError(`bundle export, import, status, conflicts or resolve? See: invasives bundle --help`);
  },
};

export const mergeCommand: CliCommand = {
  name: 'merge',
  summary: "merge another station's library file into this one (the same merge as a bundle)",
  usage: `invasives merge OTHER.sqlite [--db FILE] [--json]

Merges another station's library file (and its thumbnails beside it) into this library, by the
same rules as 'invasives bundle import': photos by content hash, events by id, latest decision
current, different decisions listed as conflicts. The other file is never changed.`,
  options: {},
  async run(context) {
    const other = context.positionals[0];
    if (!other) throw usageError('which library? Usage: invasives merge OTHER.sqlite');
    const library = context.library.open('write');
    try {
      const summary = await mergeLibraryFile(library, other, { onProgress: progressTo(context) as ((stage: MergeStage, done: number) => void) | undefined });
      endProgress(context);
      reportMerge(summary, context);
      return 0;
    } finally {
      library.close();
    }
  },
};
