import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { StationError } from '../errors.js';
import type { Library, PhotoSummary, Submitter } from '../library/index.js';
import { thumbnailCacheDir } from '../settings.js';

/**
 * A thank-you letter per submitter, as one self-contained HTML file (thumbnails embedded as
 * data URIs, no scripts, no links out: it opens offline and prints to PDF): their photos, what
 * the experts confirmed, which were invasive (the watch list) and what happens next.
 */
export interface ThankYouOptions {
  stationName?: string | null;
  /** Only this submitter; every submitter with photos when absent. */
  submitterId?: string;
  now?: Date;
}

export interface ThankYouReport {
  submitterId: string;
  file: string;
  photos: number;
  confirmed: number;
  invasive: number;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function statusLine(photo: PhotoSummary, watch: Set<string>): { text: string; confirmed: boolean; invasive: boolean } {
  const confirmed = photo.status === 'confirmed' || photo.status === 'corrected';
  const invasive = confirmed && photo.species !== null && watch.has(photo.species);
  if (confirmed) return { text: `Confirmed by our experts: <i>${escapeHtml(photo.species!)}</i>${invasive ? ' — an <b>invasive species</b> on our watch list' : ''}.`, confirmed, invasive };
  if (photo.status === 'rejected') return { text: 'Our experts could not identify a plant of interest in this photo.', confirmed, invasive };
  if (photo.status === 'unsure') return { text: 'Our experts are not sure yet; it stays under review.', confirmed, invasive };
  return { text: 'Not reviewed by our experts yet.', confirmed, invasive };
}

/** Writes one report per submitter into `outDir`; returns what each holds. */
export async function writeThankYouReports(library: Library, outDir: string, options: ThankYouOptions = {}): Promise<ThankYouReport[]> {
  const submitters: Submitter[] = options.submitterId
    ? [library.submissions.submitter(library.submissions.resolve(options.submitterId)) ?? missing(options.submitterId)]
    : library.submissions.submitters();
  await fs.mkdir(outDir, { recursive: true });
  const watch = new Set(library.speciesList.list().filter((entry) => entry.watchList).map((entry) => entry.species));
  const thumbs = thumbnailCacheDir(library.databasePath);
  const station = options.stationName ?? 'the park station';
  const reports: ThankYouReport[] = [];
  for (const submitter of submitters) {
    const submissions = library.submissions.submissionsOf(submitter.id);
    const shas = [...new Set(submissions.flatMap((submission) => submission.photos.map((photo) => photo.sha256)))];
    if (!shas.length) continue;
    let confirmed = 0;
    let invasive = 0;
    const cards: string[] = [];
    for (const sha of shas) {
      const photoId = library.photos.idBySha256(sha);
      const photo = photoId === null ? null : library.photos.get(photoId);
      if (!photo) continue;
      const status = statusLine(photo, watch);
      if (status.confirmed) confirmed++;
      if (status.invasive) invasive++;
      let image = '';
      try {
        const jpeg = await fs.readFile(path.join(thumbs, `${sha}.jpg`));
        image = `<img alt="your photo" src="data:image/jpeg;base64,${jpeg.toString('base64')}">`;
      } catch {
        image = '<div class="noimg">(thumbnail not available)</div>';
      }
      const sent = submissions.find((submission) => submission.photos.some((p) => p.sha256 === sha));
      const name = sent?.photos.find((p) => p.sha256 === sha)?.fileName;
      cards.push(`<figure>${image}<figcaption>${name ? `<b>${escapeHtml(name)}</b><br>` : ''}${photo.capturedAt ? `taken ${escapeHtml(photo.capturedAt.slice(0, 10))}<br>` : ''}${status.text}</figcaption></figure>`);
    }
    // A personal letter: the name they gave us (only to them), never their address.
    const greeting = submitter.anonymised ? 'Dear visitor' : `Dear ${escapeHtml(submitter.name ?? submitter.creditName ?? 'visitor')}`;
    const next = invasive
      ? `<p>Because you found ${invasive === 1 ? 'an invasive plant' : `${invasive} invasive plants`}, our rangers will visit the place${invasive === 1 ? '' : 's'}, map the plants and plan their removal before they spread. Your sighting is an early warning that protects the park's native plants.</p>`
      : '<p>Your photos join the park\'s records: they tell our experts where each plant grows and help us notice new arrivals early.</p>';
    const credit = submissions.some((submission) => submission.consentToName) && submitter.creditName
      ? `<p>As you allowed, your observations are credited to <b>${escapeHtml(submitter.creditName)}</b> when we share them with biodiversity databases.</p>`
      : '<p>As you asked, your name is not published with your observations.</p>';
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Thank you from ${escapeHtml(station)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<style>
body{font-family:Georgia,serif;max-width:46em;margin:2em auto;color:#1d2b1f;line-height:1.45}
h1{color:#2f5d34;font-size:1.6em}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(13em,1fr));gap:1em}
figure{margin:0;border:1px solid #c9d6c3;border-radius:6px;padding:.5em;break-inside:avoid}img{width:100%;height:auto;border-radius:4px}
figcaption{font-size:.85em}.noimg{height:6em;background:#eef2ec;text-align:center;padding-top:2.5em}
.summary{background:#eef5ea;padding:.6em 1em;border-radius:6px}@media print{body{margin:0}a{color:inherit}}
</style></head><body>
<h1>Thank you for your photos!</h1>
<p>${greeting},</p>
<p>thank you for sending ${shas.length === 1 ? 'a photo' : `${shas.length} photos`} to ${escapeHtml(station)}.</p>
<p class="summary">${shas.length} photo${shas.length === 1 ? '' : 's'} received · ${confirmed} confirmed by our experts · ${invasive} invasive species found</p>
<div class="grid">${cards.join('\n')}</div>
<h2>What happens next</h2>
${next}
${credit}
<p>With our thanks,<br>the rangers of ${escapeHtml(station)}</p>
<p style="font-size:.75em;color:#667">Written ${escapeHtml((options.now ?? new Date()).toISOString().slice(0, 10))}.</p>
</body></html>
`;
    const file = path.join(outDir, `thank-you-${submitter.id}.html`);
    await writeFileAtomically(file, html);
    reports.push({ submitterId: submitter.id, file, photos: shas.length, confirmed, invasive });
  }
  return reports;
}

function missing(id: string): never {
  throw new StationError('NOT_FOUND', `No submitter ${id} in this library; see: invasives intake submitters.`);
}
