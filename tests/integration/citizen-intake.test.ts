import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { StationError } from '../../main/core/errors.js';
import { intake, originalsDir } from '../../main/core/intake/intake.js';
import { splitMbox } from '../../main/core/intake/read-mail.js';
import { Library } from '../../main/core/library/index.js';
import { mostRestrictiveLicence } from '../../main/core/licences.js';
import { resolveSettings } from '../../main/core/settings.js';
import { drawSeededPicture, makeJpegWithExif } from '../fixtures/make-photo.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir('invasives-intake-');

function openLibrary(name: string) {
  const databasePath = path.join(dir, name, 'library.sqlite');
  fs.mkdirSync(path.dirname(databasePath), { recursive: true });
  return { library: Library.open(databasePath), settings: resolveSettings({ databasePath, maxFileBytes: 200_000 }) };
}

function base64Lines(bytes: Buffer): string {
  return bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
}

function attachmentPart(boundary: string, name: string, type: string, bytes: Buffer, disposition = 'attachment', cid?: string): string {
  return [
    `--${boundary}`,
    `Content-Type: ${type}; name="${name}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: ${disposition}; filename="${name}"`,
    ...(cid ? [`Content-ID: <${cid}>`] : []),
    '',
    base64Lines(bytes),
  ].join('\r\n');
}

function mail(options: { from: string; subject: string; date: string; text: string; parts?: string[]; boundary?: string }): string {
  const boundary = options.boundary ?? 'b-' + Math.random().toString(36).slice(2);
  const head = [`From: ${options.from}`, 'To: station@park.example', `Subject: ${options.subject}`, `Date: ${options.date}`, `Message-ID: <${Math.random().toString(36).slice(2)}@example>`, 'MIME-Version: 1.0'];
  if (!options.parts?.length) return [...head, 'Content-Type: text/plain; charset=utf-8', '', options.text, ''].join('\r\n');
  return [...head, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', options.text, ...options.parts.map((part) => part.replace(/^--B/gm, `--${boundary}`)), `--${boundary}--`, ''].join('\r\n');
}

test('an .eml with JPEG and HEIC attachments and an inline image becomes one submission through the real import', async () => {
  const { library, settings } = openLibrary('eml');
  try {
    const gps = await makeJpegWithExif({ seed: 11, latitude: 46.5, longitude: 7.9, capturedAt: '2026-05-01T10:00:00', offset: '+02:00' });
    const heic = await sharp(drawSeededPicture(64, 48, 12), { raw: { width: 64, height: 48, channels: 3 } }).heif({ compression: 'av1' }).toBuffer();
    const inline = await makeJpegWithExif({ seed: 13 });
    const eml = mail({
      from: 'Ana Visitor <Ana@Example.org>',
      subject: 'Strange plant on the lake trail',
      date: 'Tue, 05 May 2026 09:30:00 +0000',
      text: 'Hello! Found this near the old bridge on the lake trail.\nLicence: CC-BY\nConsent: yes\n<img src="cid:pic1">',
      parts: [attachmentPart('B', 'IMG_1.jpg', 'image/jpeg', gps), attachmentPart('B', 'IMG_2.HEIC', 'image/heic', heic), attachmentPart('B', 'inline.jpg', 'image/jpeg', inline, 'inline', 'pic1')],
    });
    const file = path.join(dir, 'one.eml');
    fs.writeFileSync(file, eml);
    const result = await intake(library, file, { settings });
    assert.equal(result.submissions.length, 1);
    const submission = result.submissions[0]!;
    assert.equal(submission.photos.length, 3);
    assert.equal(submission.channel, 'email');
    assert.equal(submission.licence, 'CC-BY-4.0');
    assert.equal(submission.consentToName, true);
    assert.equal(submission.receivedAt, '2026-05-05T09:30:00.000Z');
    assert.match(submission.locationText!, /old bridge on the lake trail/);
    const submitter = library.submissions.submitter(submission.submitterId)!;
    assert.equal(submitter.contact, 'ana@example.org');
    assert.equal(submitter.creditName, 'Ana Visitor');
    // Through the real pipeline: photos stored with EXIF, originals content-addressed beside the library.
    assert.equal(library.photos.count(), 3);
    const withGps = library.photos.query().filter((photo) => photo.latitude !== null);
    assert.equal(withGps.length, 1);
    for (const photo of submission.photos) assert.ok(fs.readdirSync(originalsDir(library.databasePath)).some((name) => name.startsWith(photo.sha256)));
    // Photos without GPS but a described place wait for placement, with the text.
    const pending = library.submissions.pendingPlacements();
    assert.equal(pending.length, 2);
    assert.match(pending[0]!.locationText, /old bridge/);
    // The same mail again adds nothing.
    const again = await intake(library, file, { settings });
    assert.equal(again.submissions.length, 0);
    assert.deepEqual(again.alreadyReceived, [file]);
    assert.equal(library.photos.count(), 3);
  } finally {
    library.close();
  }
});

test('an .mbox: forwarded mail, no attachment, malformed part, attachment over the limit; the same photo sent twice is stored once with both submissions', async () => {
  const { library, settings } = openLibrary('mbox');
  try {
    const shared = await makeJpegWithExif({ seed: 21 });
    const other = await makeJpegWithExif({ seed: 22 });
    const huge = Buffer.concat([await makeJpegWithExif({ seed: 23 }), Buffer.alloc(300_000, 1)]);
    const forwardedInner = mail({ from: 'Bo Walker <bo@example.net>', subject: 'plant', date: 'Mon, 04 May 2026 08:00:00 +0000', text: 'From the picnic area', parts: [attachmentPart('B', 'bo.jpg', 'image/jpeg', other)] });
    const messages = [
      mail({ from: 'Ana <ana@example.org>', subject: 'photo', date: 'Tue, 05 May 2026 09:30:00 +0000', text: 'From the car park I saw it.\nLicence: CC0', parts: [attachmentPart('B', 'a.jpg', 'image/jpeg', shared)] }),
      mail({ from: 'Carla <carla@example.com>', subject: 'same plant', date: 'Wed, 06 May 2026 09:30:00 +0000', text: 'Licence: CC-BY-NC', parts: [attachmentPart('B', 'c.jpg', 'image/jpeg', shared)] }),
      mail({
        from: 'Ranger Desk <desk@park.example>',
        subject: 'Fwd: plant',
        date: 'Thu, 07 May 2026 09:30:00 +0000',
        text: 'forwarding',
        parts: [['--B', 'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="fwd.eml"', '', forwardedInner].join('\r\n')],
      }),
      mail({ from: 'Dan <dan@example.com>', subject: 'no photo', date: 'Thu, 07 May 2026 10:30:00 +0000', text: 'I forgot the picture, sorry' }),
      mail({
        from: 'Eve <eve@example.com>',
        subject: 'broken',
        date: 'Thu, 07 May 2026 11:30:00 +0000',
        text: 'two files',
        parts: [attachmentPart('B', 'good.jpg', 'image/jpeg', await makeJpegWithExif({ seed: 24 })), ['--B', 'Content-Type: image/jpeg; name="bad.jpg"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="bad.jpg"', '', '!!!! not base64 at all ####'].join('\r\n')],
      }),
      mail({ from: 'Fay <fay@example.com>', subject: 'big', date: 'Thu, 07 May 2026 12:30:00 +0000', text: 'huge file', parts: [attachmentPart('B', 'huge.jpg', 'image/jpeg', huge)] }),
    ];
    // Written the mboxrd way: body lines starting "From " (or ">From ") get one more ">".
    const mbox = messages.map((message) => `From sender@example Thu May  7 12:00:00 2026\n${message.replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1')}\n`).join('\n');
    const file = path.join(dir, 'inbox.mbox');
    fs.writeFileSync(file, mbox);
    assert.equal(splitMbox(Buffer.from(mbox)).length, 6);
    assert.match(splitMbox(Buffer.from(mbox))[0]!.toString(), /^From the car park/m);

    const result = await intake(library, file, { settings });
    const bySubject = new Map(result.submissions.map((submission) => [submission.subject, submission]));
    assert.deepEqual([...bySubject.keys()].sort(), ['Fwd: plant', 'broken', 'photo', 'same plant']);
    assert.equal(bySubject.get('Fwd: plant')!.photos.length, 1, 'the forwarded mail\'s photo counts');
    assert.equal(bySubject.get('broken')!.photos.length >= 1, true, 'the readable part of a mail with a malformed part is kept');
    assert.ok(result.skipped.some((skip) => /#4/.test(skip.source) && /no photo/.test(skip.reason)));
    assert.ok(result.errors.some((error) => error.code === 'FILE_TOO_LARGE' && error.fileName === 'huge.jpg'));
    const sharedSha = bySubject.get('photo')!.photos[0]!.sha256;
    assert.equal(bySubject.get('same plant')!.photos[0]!.sha256, sharedSha);
    assert.equal(library.submissions.submissionsForPhoto(sharedSha).length, 2, 'stored once, with both submissions');
    assert.equal(library.photos.query().filter((photo) => photo.sha256 === sharedSha).length, 1);
    // The photo may be published under its least restrictive licence; a dataset takes the most restrictive.
    assert.equal(library.submissions.creditFor(sharedSha)!.licence, 'CC0-1.0');
    assert.equal(mostRestrictiveLicence(['CC0-1.0', 'CC-BY-NC-4.0', 'CC-BY-4.0']), 'CC-BY-NC-4.0');
  } finally {
    library.close();
  }
});

test('submitter folders with sidecars; a bad licence or an unknown column is refused by name and nothing stored is lost', async () => {
  const { library, settings } = openLibrary('folders');
  try {
    const root = path.join(dir, 'visitors');
    fs.mkdirSync(path.join(root, 'ana'), { recursive: true });
    fs.writeFileSync(path.join(root, 'ana', 'p1.jpg'), await makeJpegWithExif({ seed: 31 }));
    fs.writeFileSync(path.join(root, 'ana', 'submission.json'), JSON.stringify({ name: 'Ana V', contact: 'ana@example.org', licence: 'CC-BY-4.0', consent: true, location: 'north meadow' }));
    fs.mkdirSync(path.join(root, 'bo'));
    fs.writeFileSync(path.join(root, 'bo', 'p2.jpg'), await makeJpegWithExif({ seed: 32 }));
    fs.writeFileSync(path.join(root, 'bo', 'submission.csv'), 'name,contact,licence,consent,note\nBo,bo@example.net,CC0,no,by the lake\n');
    const first = await intake(library, root, { settings });
    assert.equal(first.submissions.length, 2);
    const photosBefore = library.photos.count();
    const eventsBefore = library.events.ofType('submission').length;
    const originalsBefore = fs.readdirSync(originalsDir(library.databasePath)).length;

    const bad = path.join(dir, 'bad-licence', 'carla');
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'p3.jpg'), await makeJpegWithExif({ seed: 33 }));
    fs.writeFileSync(path.join(bad, 'submission.csv'), 'name,licence\nCarla,All rights reserved\n');
    await assert.rejects(intake(library, path.dirname(bad), { settings }), (error: unknown) => error instanceof StationError && error.code === 'SUBMISSION_INVALID' && /licence "All rights reserved"/.test(error.message) && error.message.includes('submission.csv'));
    fs.writeFileSync(path.join(bad, 'submission.csv'), 'name,licence,phone\nCarla,CC0,12345\n');
    await assert.rejects(intake(library, path.dirname(bad), { settings }), (error: unknown) => error instanceof StationError && error.code === 'SUBMISSION_INVALID' && /unknown column "phone"/.test(error.message));
    assert.equal(library.photos.count(), photosBefore);
    assert.equal(library.events.ofType('submission').length, eventsBefore);
    assert.equal(library.submissions.submitters().length, 2);
    assert.equal(fs.readdirSync(originalsDir(library.databasePath)).length, originalsBefore, 'a refused intake writes no original');
  } finally {
    library.close();
  }
});

test('anonymising a submitter removes the contact, keeps the records, and wins over older events received later', async () => {
  const { library, settings } = openLibrary('anonymise');
  try {
    const root = path.join(dir, 'anon', 'ana');
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'p.jpg'), await makeJpegWithExif({ seed: 41 }));
    fs.writeFileSync(path.join(root, 'sidecar.json'), JSON.stringify({ name: 'Ana V', contact: 'ana@example.org', licence: 'CC-BY', consent: 'yes' }));
    const { submissions } = await intake(library, path.dirname(root), { settings });
    const submitterId = submissions[0]!.submitterId;
    const sha = submissions[0]!.photos[0]!.sha256;
    assert.equal(library.submissions.creditFor(sha)!.creditName, 'Ana V');
    library.submissions.anonymise(submitterId, 'A. Ranger', 'asked by mail');
    // An older bundle's 'named' event arrives afterwards: the anonymisation still wins.
    library.events.receive({ eventId: crypto.randomUUID(), originStation: 'other', entityType: 'submitter', entityId: submitterId, action: 'named', payload: { creditName: 'Ana V' }, ranger: null, reason: null, occurredAt: '2000-01-01T00:00:00.000Z' });
    library.submissions.refold('submitter', submitterId);
    const submitter = library.submissions.submitter(submitterId)!;
    assert.equal(submitter.anonymised, true);
    assert.equal(submitter.contact, null);
    assert.equal(submitter.creditName, null);
    assert.equal(library.submissions.submissionsOf(submitterId).length, 1, 'records kept');
    assert.equal(library.submissions.creditFor(sha)!.creditName, null);
    assert.ok(!JSON.stringify(library.events.ofType('submitter')).includes('ana@example.org'), 'the travelling event log never held the contact');
  } finally {
    library.close();
  }
});

test('another station re-folds submitters and submissions from received events (projector), without the contact; merge joins two submitters', async () => {
  const { submissionsProjector } = await import('../../main/core/intake/submissions-projector.js');
  const a = openLibrary('station-a');
  const b = openLibrary('station-b');
  try {
    const root = path.join(dir, 'merge-visitors');
    for (const [name, seed, contact] of [['gil', 71, 'gil@example.org'], ['gil-again', 72, 'gil.other@example.org']] as const) {
      fs.mkdirSync(path.join(root, name), { recursive: true });
      fs.writeFileSync(path.join(root, name, 'p.jpg'), await makeJpegWithExif({ seed }));
      fs.writeFileSync(path.join(root, name, 'submission.json'), JSON.stringify({ name: 'Gil', contact, licence: 'CC-BY', consent: true }));
    }
    const { submissions } = await intake(a.library, root, { settings: a.settings });
    const [first, second] = submissions.map((submission) => submission.submitterId);
    assert.notEqual(first, second);
    a.library.submissions.merge(second!, first!, 'A. Ranger', 'same person');
    assert.equal(a.library.submissions.submissionsOf(first!).length, 2);
    assert.equal(a.library.submissions.submitters().length, 1);

    for (const event of a.library.events.after(0)) b.library.events.receive(event);
    for (const type of submissionsProjector.entityTypes) {
      for (const id of new Set(b.library.events.ofType(type).map((event) => event.entityId))) submissionsProjector.refold(b.library, type, id);
    }
    const there = b.library.submissions.submitter(first!)!;
    assert.equal(there.creditName, 'Gil');
    assert.equal(there.contact, null, 'contact details stay at the station that received them');
    assert.equal(b.library.submissions.submissionsOf(first!).length, 2);
    assert.equal(b.library.submissions.submission(submissions[0]!.id)!.photos[0]!.sha256, submissions[0]!.photos[0]!.sha256);
  } finally {
    a.library.close();
    b.library.close();
  }
});

test('a real iPhone HEIC mailed as an attachment is decoded, its EXIF GPS read, and kept as an original', { skip: skipUnlessShared('data', 'photos-exif', 'heic-iphone.heic') }, async () => {
  const databasePath = path.join(dir, 'heic', 'library.sqlite');
  fs.mkdirSync(path.dirname(databasePath), { recursive: true });
  const library = Library.open(databasePath);
  try {
    const heic = fs.readFileSync(sharedPath('data', 'photos-exif', 'heic-iphone.heic'));
    const file = path.join(dir, 'iphone.eml');
    fs.writeFileSync(file, mail({ from: 'Ivy <ivy@example.org>', subject: 'from my phone', date: 'Sat, 09 May 2026 10:00:00 +0000', text: 'Sent from my iPhone', parts: [attachmentPart('B', 'IMG_0001.HEIC', 'image/heic', heic)] }));
    const result = await intake(library, file, { settings: resolveSettings({ databasePath }) });
    assert.equal(result.submissions.length, 1, JSON.stringify(result.errors));
    const photo = library.photos.get(library.photos.idBySha256(result.submissions[0]!.photos[0]!.sha256)!)!;
    assert.equal(photo.format, 'heif');
    assert.ok(photo.latitude !== null && Math.abs(photo.latitude - 7.83143) < 1e-4, 'the phone\'s GPS position is read from the mailed file');
    assert.equal(library.submissions.pendingPlacements().length, 0, 'a photo with GPS needs no placement');
    assert.ok(fs.existsSync(path.join(originalsDir(databasePath), `${photo.sha256}.heic`)));
  } finally {
    library.close();
  }
});
