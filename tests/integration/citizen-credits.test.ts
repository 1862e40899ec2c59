import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { writeDarwinCoreCsv } from '../../main/core/geo/export-darwin-core.js';
import { intake } from '../../main/core/intake/intake.js';
import { datasetLicence } from '../../main/core/intake/photo-credits.js';
import { writeThankYouReports } from '../../main/core/intake/thank-you-report.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { makeJpegWithExif } from '../fixtures/make-photo.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir('invasives-credits-');

async function writeSubmitter(root: string, name: string, seed: number, sidecar: Record<string, unknown>, gps = true): Promise<void> {
  fs.mkdirSync(path.join(root, name), { recursive: true });
  const photo = await makeJpegWithExif(gps ? { seed, latitude: 46.6 + seed / 1000, longitude: 10.2, capturedAt: '2026-05-01T10:00:00', offset: '+02:00' } : { seed });
  fs.writeFileSync(path.join(root, name, `${name}.jpg`), photo);
  fs.writeFileSync(path.join(root, name, 'submission.json'), JSON.stringify(sidecar));
}

test('Darwin Core: a name only with consent, never a contact; no consent → CC0 without a name or left out; dataset licence the most restrictive', async () => {
  const databasePath = path.join(dir, 'dwc', 'library.sqlite');
  fs.mkdirSync(path.dirname(databasePath), { recursive: true });
  const library = Library.open(databasePath);
  const settings = resolveSettings({ databasePath });
  try {
    const root = path.join(dir, 'visitors');
    await writeSubmitter(root, 'named', 1, { name: 'Ana Named', contact: 'ana@example.org', licence: 'CC-BY-NC-4.0', consent: 'yes' });
    await writeSubmitter(root, 'anonymous-cc0', 2, { name: 'Bo Private', contact: 'bo@example.net', licence: 'CC0', consent: 'no' });
    await writeSubmitter(root, 'anonymous-ccby', 3, { name: 'Carla Private', contact: 'carla@example.com', licence: 'CC-BY', consent: 'no' });
    const result = await intake(library, root, { settings });
    assert.equal(result.submissions.length, 3);
    for (const photo of library.photos.query()) library.reviews.record({ photoId: photo.id, decision: 'confirmed', species: 'Ailanthus altissima', reviewer: 'A. Ranger' });
    library.speciesList.save([{ species: 'Ailanthus altissima', watchList: true, priority: 1, minScore: null, alertsOn: true, canOccur: true, note: null }], 'A. Ranger');

    const out = path.join(dir, 'occurrences.csv');
    await writeDarwinCoreCsv(library, settings.geo, out, { recordedBy: 'park rangers' });
    const text = fs.readFileSync(out, 'utf8');
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, 2, 'the visitor who gave CC-BY without consent to be named stays out');
    assert.ok(!/@example/.test(text), 'no contact address in the export');
    assert.ok(!/Private/.test(text), 'no name without consent');
    const named = rows.find((row) => row.recordedBy === 'Ana Named')!;
    assert.equal(named.rightsHolder, 'Ana Named');
    assert.equal(named.license, 'http://creativecommons.org/licenses/by-nc/4.0/legalcode');
    const cc0 = rows.find((row) => row.recordedBy !== 'Ana Named')!;
    assert.equal(cc0.license, 'http://creativecommons.org/publicdomain/zero/1.0/legalcode');
    assert.equal(cc0.rightsHolder, '');
    assert.equal(datasetLicence(rows), 'CC-BY-NC-4.0');

    // The thank-you letters: offline HTML with embedded thumbnails, what was confirmed, what was invasive.
    const letters = path.join(dir, 'letters');
    const reports = await writeThankYouReports(library, letters, { stationName: 'Val Müstair station' });
    assert.equal(reports.length, 3);
    const ana = reports.find((report) => report.submitterId === result.submissions[0]!.submitterId)!;
    assert.deepEqual([ana.photos, ana.confirmed, ana.invasive], [1, 1, 1]);
    const html = fs.readFileSync(ana.file, 'utf8');
    assert.match(html, /src="data:image\/jpeg;base64,\/9j\//);
    assert.match(html, /Ailanthus altissima/);
    assert.match(html, /invasive species/);
    assert.match(html, /What happens next/);
    assert.ok(!/https?:\/\//.test(html), 'nothing to fetch: it opens offline');
    assert.ok(!html.includes('ana@example.org'));
  } finally {
    library.close();
  }
});

test('CLI: intake a mail, list pending places, anonymise, write thank-you letters', async () => {
  const db = path.join(dir, 'cli', 'library.sqlite');
  fs.mkdirSync(path.dirname(db), { recursive: true });
  const jpeg = await makeJpegWithExif({ seed: 51 });
  const eml = [
    'From: Dora Hiker <dora@example.org>',
    'Subject: plant by the hut',
    'Date: Fri, 08 May 2026 07:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="XX"',
    '',
    '--XX',
    'Content-Type: text/plain',
    '',
    'Location: 200 m above the Lischana hut, left of the path',
    '--XX',
    'Content-Type: image/jpeg; name="dora.jpg"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="dora.jpg"',
    '',
    jpeg.toString('base64'),
    '--XX--',
    '',
  ].join('\r\n');
  const file = path.join(dir, 'dora.eml');
  fs.writeFileSync(file, eml);
  const taken = await runCli(['intake', file, '--db', db, '--no-classify', '--json']);
  assert.equal(taken.code, 0, taken.stderr);
  const result = JSON.parse(taken.stdout) as { submissions: Array<{ submitterId: string; licence: string }> };
  assert.equal(result.submissions.length, 1);
  assert.equal(result.submissions[0]!.licence, 'CC-BY-NC-4.0', 'no licence given: the most restrictive');
  const pending = await runCli(['intake', 'pending-places', '--db', db]);
  assert.equal(pending.code, 0, pending.stderr);
  assert.match(pending.stdout, /200 m above the Lischana hut, left of the path/);
  const anonymised = await runCli(['intake', 'anonymise', result.submissions[0]!.submitterId, '--db', db, '--reason', 'asked']);
  assert.equal(anonymised.code, 0, anonymised.stderr);
  const listed = await runCli(['intake', 'submitters', '--db', db]);
  assert.match(listed.stdout, /\(anonymised\)/);
  assert.ok(!listed.stdout.includes('dora@example.org'));
  const letters = await runCli(['intake', 'thank-you', '--out', path.join(dir, 'cli-letters'), '--db', db]);
  assert.equal(letters.code, 0, letters.stderr);
  assert.equal(fs.readdirSync(path.join(dir, 'cli-letters')).length, 1);
  const bad = await runCli(['intake', path.join(dir, 'missing.eml'), '--db', db, '--no-classify']);
  assert.equal(bad.code, 3, 'a missing file is an input error');
});

test('contract: intake:start takes a submitter folder in and intake:pendingPlaces lists its described place; a bad sidecar is SUBMISSION_INVALID', async () => {
  const { openStation } = await import('../../main/api/station.js');
  const station = openStation({ databasePath: path.join(dir, 'api', 'library.sqlite') });
  try {
    const root = path.join(dir, 'api-visitors');
    await writeSubmitter(root, 'eve', 61, { name: 'Eve', licence: 'CC0', consent: 'no', location: 'behind the visitor centre' }, false);
    const outcome = await station.dispatch('intake:start', { path: root });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    const summary = outcome.value as { submissions: Array<{ licence: string; creditName: string | null }>; photos: number; pendingPlaces: number };
    assert.equal(summary.photos, 1);
    assert.equal(summary.submissions[0]!.licence, 'CC0-1.0');
    assert.equal(summary.submissions[0]!.creditName, null);
    assert.equal(summary.pendingPlaces, 1);
    const pending = await station.dispatch('intake:pendingPlaces', {});
    assert.ok(pending.ok);
    assert.equal((pending.value as Array<{ locationText: string }>)[0]!.locationText, 'behind the visitor centre');
    fs.writeFileSync(path.join(root, 'eve', 'submission.json'), JSON.stringify({ name: 'Eve', licence: 'GPL' }));
    const refused = await station.dispatch('intake:start', { path: root });
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, 'SUBMISSION_INVALID');
    assert.match(refused.error.message, /licence "GPL"/);
  } finally {
    station.close();
  }
});
