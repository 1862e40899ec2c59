import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CallName, OutputFile, SiteListItem, SitesExportResult } from '../../main/api/contract.js';
import type { RunningServer } from '../../main/server/server.js';
import { callOverHttp, startServerInDir, valueOverHttp } from '../helpers/api-over-http.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** The Sites screen's downloads through the real HTTP transport: an output file id, never a path. */
const dir = makeTempDir();
let server: RunningServer;
let treated: SiteListItem;
let reported: SiteListItem;

const call = <K extends CallName>(name: K, args: unknown) => callOverHttp(server, name, args);
const value = <K extends CallName>(name: K, args: unknown) => valueOverHttp(server, name, args);

async function download(file: OutputFile): Promise<{ text: string; contentType: string | null; disposition: string | null }> {
  const response = await fetch(`${server.origin}/download/${file.id}`, { headers: { 'x-invasives-token': server.token } });
  assert.equal(response.status, 200);
  return { text: await response.text(), contentType: response.headers.get('content-type'), disposition: response.headers.get('content-disposition') };
}

before(async () => {
  server = await startServerInDir(dir);
  const ranger = 'Ranger Test';
  const first = (await value('sites:create', { species: 'Ailanthus altissima', name: 'Old quarry', extent: { type: 'point', latitude: 46.7, longitude: 10.1, radiusMetres: 20 }, confirmed: true, firstRecordOn: '2023-05-01', ranger })) as SiteListItem;
  await value('sites:plan', { siteId: first.site.id, ranger });
  // Treated two years ago: its first re-check is overdue, so it is on the due route.
  treated = (await value('sites:treat', { siteId: first.site.id, treatedOn: '2024-05-01', method: 'cutting', product: 'none', crew: 'A, B', ranger })) as SiteListItem;
  reported = (await value('sites:create', { species: 'Robinia pseudoacacia', extent: { type: 'point', latitude: 46.71, longitude: 10.11, radiusMetres: 5 }, ranger })) as SiteListItem;
});
after(() => server?.close());

test('sites GeoJSON and CSV are downloads of every site', async () => {
  const geojson = (await value('sites:export', { format: 'geojson' })) as SitesExportResult;
  assert.equal(geojson.count, 2);
  assert.match(geojson.file.name, /^invasives-\d{4}-\d{2}-\d{2}-sites\.geojson$/);
  const geo = await download(geojson.file);
  assert.equal(geo.contentType, 'application/geo+json');
  assert.match(geo.disposition ?? '', /attachment/);
  const collection = JSON.parse(geo.text) as { features: { id: string; properties: { species: string } }[] };
  assert.deepEqual(collection.features.map((f) => f.id).sort(), [treated.site.id, reported.site.id].sort());

  const csv = (await value('sites:export', { format: 'csv', siteIds: [reported.site.id] })) as SitesExportResult;
  assert.equal(csv.count, 1);
  const lines = (await download(csv.file)).text.trim().split(/\r?\n/);
  assert.match(lines[0]!, /^"?siteID"?,"?name"?,"?species"?,"?state"?/);
  assert.equal(lines.length, 2, 'only the site asked for');
  assert.ok(lines[1]!.replace(/^"/, '').startsWith(reported.site.id));
});

test('the treatments CSV holds one row per treatment in the upload layout', async () => {
  const result = (await value('sites:export', { format: 'treatments' })) as SitesExportResult;
  assert.equal(result.count, 1);
  assert.match(result.file.name, /treatments\.csv$/);
  const { text, contentType } = await download(result.file);
  assert.equal(contentType, 'text/csv; charset=utf-8');
  const [header, row] = text.trim().split(/\r?\n/);
  assert.match(header!, /^"?SciName"?,"?ObsDate"?,/);
  assert.match(row!, /^"?Ailanthus altissima"?,/);
  assert.match(row!, /2024-05-01/);
  assert.match(row!, /cutting/);
});

test('the printable field sheet is the due route (or the sites named), as HTML', async () => {
  const due = (await value('sites:export', { format: 'sheet', dueWithinWeeks: 4 })) as SitesExportResult;
  assert.equal(due.count, 1, 'only the overdue treated site is on the route');
  const sheet = await download(due.file);
  assert.equal(sheet.contentType, 'text/html; charset=utf-8');
  assert.match(sheet.text, /Ailanthus altissima/);
  assert.doesNotMatch(sheet.text, /Robinia pseudoacacia/);
  const named = (await value('sites:export', { format: 'sheet', siteIds: [reported.site.id] })) as SitesExportResult;
  assert.equal(named.count, 1);
  assert.match((await download(named.file)).text, /Robinia pseudoacacia/);
});

test('a site that does not exist, or a path instead of a format, is refused with nothing written', async () => {
  const unknown = await call('sites:export', { format: 'csv', siteIds: ['ffffffff-0000'] });
  assert.equal(unknown.ok ? null : unknown.error.code, 'NOT_FOUND');
  const withPath = await call('sites:export', { format: 'csv', out: '/tmp/sites.csv' });
  assert.equal(withPath.ok ? null : withPath.error.code, 'BAD_ARGUMENTS', 'the page never names a path');
});
