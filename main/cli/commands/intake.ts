import path from 'node:path';
import { StationError } from '../../core/errors.js';
import { refreshAlerts } from '../../core/geo/alerts.js';
import { intake } from '../../core/intake/intake.js';
import { writeThankYouReports } from '../../core/intake/thank-you-report.js';
import { resolveSettings } from '../../core/settings.js';
import { decisionMaker } from '../../core/station-settings.js';
import { openClassifier } from '../../core/vision/open-classifier.js';
import { type CliCommand, type CommandContext, usageError } from '../command.js';
import { EXIT_CODES } from '../exit-codes.js';

const SUBCOMMANDS = ['submitters', 'pending-places', 'anonymise', 'merge', 'thank-you'];

export const intakeCommand: CliCommand = {
  name: 'intake',
  summary: 'take in visitors\' photos from mail (.eml, .mbox) or submitter folders, with who, licence and consent',
  usage: `invasives intake <file.eml|file.mbox|folder> [--db FILE] [--model ID|PATH] [--no-classify] [--ranger NAME] [--json]
invasives intake submitters
invasives intake pending-places
invasives intake anonymise <submitterId> [--reason TEXT] [--ranger NAME]
invasives intake merge <fromSubmitterId> <intoSubmitterId> [--ranger NAME]
invasives intake thank-you --out DIR [--submitter ID]

Mail: every mail in the file becomes a submission from its sender (name, address, date,
subject, text); its photo attachments (inline images and forwarded mails' too) go through the
import like a card's. "Licence: CC0|CC-BY|CC-BY-NC" and "Consent: yes" lines in the mail set
the licence and consent to be named; a "Location:" line (else the mail text) is kept for photos
without GPS. A folder: every sub-folder holding photos is one submitter's, with an optional
sidecar (submission.json / submission.csv: name, contact, licence, consent, location, note).
A bad sidecar stops the intake before anything is stored. No licence given: CC-BY-NC 4.0, and
without consent such photos stay out of published archives.

Received photos are kept in <library>.originals/ by content hash; the same photo sent twice is
stored once with both submissions; the same mail or folder taken in twice adds nothing.

  submitters      everyone who sent photos (contact addresses are shown only here)
  pending-places  photos without GPS whose mail describes a place: place them on the map
  anonymise       remove a submitter's name and contact (their records stay); travels to other stations
  merge           the same person known twice: the first's submissions become the second's
  thank-you       one HTML letter per submitter (prints to PDF, offline) into --out DIR`,
  options: {
    model: { type: 'string' },
    'no-classify': { type: 'boolean', default: false },
    ranger: { type: 'string' },
    reason: { type: 'string' },
    out: { type: 'string' },
    submitter: { type: 'string' },
  },
  async run(context) {
    const [first, ...rest] = context.positionals;
    if (!first) throw usageError('what to take in? Usage: invasives intake <file.eml|file.mbox|folder> (see --help)');
    if (SUBCOMMANDS.includes(first)) return runSubcommand(first, rest, context);
    return runIntake(first, context);
  },
};

async function runIntake(source: string, context: CommandContext): Promise<number> {
  const settings = resolveSettings({ databasePath: context.databasePath });
  const library = context.library.open('write');
  const classifier = context.options['no-classify'] ? null : await openClassifier(library, { model: context.options.model as string | undefined, settings });
  try {
    const { ranger } = decisionMaker(library, context.options.ranger as string | undefined);
    const result = await intake(library, source, { settings, classifier, ranger });
    const alerts = refreshAlerts(library, settings.geo);
    if (context.json) {
      context.stdout.write(`${JSON.stringify({ ...result, alerts: { raised: alerts.raised.length, open: alerts.open } }, null, 2)}\n`);
    } else {
      const out = context.stdout;
      out.write(`${result.submissions.length} submission(s) taken in, ${new Set(result.submissions.flatMap((s) => s.photos.map((p) => p.sha256))).size} photo(s).\n`);
      for (const submission of result.submissions) {
        out.write(`  ${submission.id}  ${submission.channel}  ${submission.receivedAt.slice(0, 10)}  ${submission.photos.length} photo(s)  ${submission.licence}${submission.consentToName ? ', may be named' : ', not to be named'}${submission.subject ? `  "${submission.subject}"` : ''}\n`);
      }
      for (const source of result.alreadyReceived) out.write(`  already taken in: ${source}\n`);
      for (const skip of result.skipped) out.write(`  no submission from ${skip.source}: ${skip.reason}\n`);
      for (const problem of result.problems) out.write(`  damaged part in ${problem.source}: ${problem.problem}\n`);
      for (const error of result.errors) out.write(`  not stored: ${error.message} [${error.code}]\n`);
      if (result.submissions.length + result.alreadyReceived.length + result.skipped.length + result.problems.length + result.errors.length === 0) {
        out.write(`  Nothing to take in under ${source}: give a saved mail (.eml), a mailbox (.mbox), or a folder with one folder of photos per visitor.\n`);
      }
      const pending = library.submissions.pendingPlacements().length;
      if (pending) out.write(`${pending} photo(s) without GPS describe a place: invasives intake pending-places\n`);
      for (const alert of alerts.raised) out.write(`NEW ALERT #${alert.id}: ${alert.kind} ${alert.species}, ${alert.placeLabel}\n`);
    }
    return result.import && result.import.summary.state !== 'completed' ? EXIT_CODES.incomplete : EXIT_CODES.ok;
  } finally {
    await classifier?.close();
    library.close();
  }
}

async function runSubcommand(name: string, args: string[], context: CommandContext): Promise<number> {
  const write = name !== 'submitters' && name !== 'pending-places' && name !== 'thank-you';
  const library = context.library.open(write ? 'write' : 'read');
  try {
    const out = context.stdout;
    const { ranger, station } = decisionMaker(library, context.options.ranger as string | undefined);
    if (name === 'submitters') {
      const submitters = library.submissions.submitters();
      if (context.json) out.write(`${JSON.stringify(submitters, null, 2)}\n`);
      else for (const s of submitters) out.write(`${s.id}  ${s.anonymised ? '(anonymised)' : `${s.name ?? '-'} <${s.contact ?? '-'}>`}  credit: ${s.creditName ?? 'not named'}  ${s.submissions} submission(s), ${s.photos} photo(s)\n`);
    } else if (name === 'pending-places') {
      const pending = library.submissions.pendingPlacements();
      if (context.json) out.write(`${JSON.stringify(pending, null, 2)}\n`);
      else {
        if (!pending.length) out.write('No photo without GPS describes a place.\n');
        for (const p of pending) out.write(`photo ${p.photoId}  ${p.fileName ?? ''}  received ${p.receivedAt.slice(0, 10)}\n    "${p.locationText}"\n    place it: invasives place ${p.photoId} <lat> <lon>, or on the Map screen\n`);
      }
    } else if (name === 'anonymise') {
      const id = args[0];
      if (!id) throw usageError('which submitter? Usage: invasives intake anonymise <submitterId> (ids: invasives intake submitters)');
      if (!library.submissions.submitter(id)) throw new StationError('NOT_FOUND', `No submitter ${id} in this library; see: invasives intake submitters.`);
      library.submissions.anonymise(id, ranger, (context.options.reason as string | undefined) ?? null);
      if (context.json) out.write(`${JSON.stringify(library.submissions.submitter(id), null, 2)}\n`);
      else out.write(`Submitter ${id} anonymised: name and contact removed, ${library.submissions.submissionsOf(id).length} submission(s) kept.\n`);
    } else if (name === 'merge') {
      const [from, into] = args;
      if (!from || !into || from === into) throw usageError('Usage: invasives intake merge <fromSubmitterId> <intoSubmitterId> (two different ids)');
      for (const id of [from, into]) if (!library.submissions.submitter(id)) throw new StationError('NOT_FOUND', `No submitter ${id} in this library; see: invasives intake submitters.`);
      library.submissions.merge(from, into, ranger, (context.options.reason as string | undefined) ?? null);
      if (context.json) out.write(`${JSON.stringify(library.submissions.submitter(into), null, 2)}\n`);
      else out.write(`Submitter ${from} merged into ${into}: ${library.submissions.submissionsOf(into).length} submission(s) now.\n`);
    } else {
      const outDir = context.options.out as string | undefined;
      if (!outDir) throw usageError('where to? Usage: invasives intake thank-you --out DIR');
      const reports = await writeThankYouReports(library, path.resolve(outDir), { stationName: station, submitterId: context.options.submitter as string | undefined });
      if (context.json) out.write(`${JSON.stringify(reports, null, 2)}\n`);
      else {
        out.write(`${reports.length} thank-you report(s) written to ${path.resolve(outDir)}\n`);
        for (const r of reports) out.write(`  ${r.file}: ${r.photos} photo(s), ${r.confirmed} confirmed, ${r.invasive} invasive\n`);
      }
    }
    return EXIT_CODES.ok;
  } finally {
    library.close();
  }
}
