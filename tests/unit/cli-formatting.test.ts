import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { humanDuration } from '../../main/core/human-duration.js';
import { ProgressPrinter } from '../../main/cli/progress-line.js';
import { protectNegativeNumbers } from '../../main/cli/negative-numbers.js';
import type { WorkProgress } from '../../main/core/ingest/import-events.js';

function terminal(columns: number | undefined): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  Object.assign(stream, { isTTY: true, columns });
  return { stream, text: () => text };
}

const progress = {
  filesDone: 12,
  filesTotal: 40,
  filesFailed: 1,
  rate: 3.5,
  etaSeconds: 8,
  lastError: null,
} as unknown as WorkProgress;

test('the live progress line keeps its last character when the terminal width is unknown', () => {
  const unknown = terminal(undefined);
  new ProgressPrinter(unknown.stream).update(progress);
  assert.ok(unknown.text().endsWith('12/40 files · 3.5 photos/s · ETA 8s · 1 error'), JSON.stringify(unknown.text()));
  const narrow = terminal(20);
  new ProgressPrinter(narrow.stream).update(progress);
  assert.equal(narrow.text().replace('\r\x1b[2K', '').length, 19, 'a known width is respected, minus one column');
});

test('durations read in human units', () => {
  assert.equal(humanDuration(45), '45 s');
  assert.equal(humanDuration(1740), '29 min');
  assert.equal(humanDuration(4080), '68 min');
  assert.equal(humanDuration(12_300), '3 h 25 min');
  assert.equal(humanDuration(7200), '2 h');
  assert.equal(humanDuration(3 * 86_400 + 4 * 3600), '3 days 4 h');
});

test('negative numbers become positionals, or the value of the option before them', () => {
  const options = { lat: { type: 'string' }, clear: { type: 'boolean' } } as const;
  const parsed = protectNegativeNumbers(['12', '41.6', '-93.7', '--lat', '-33.9', '--clear', '-1e3', '-x'], options);
  assert.deepEqual(parsed.args.slice(0, 2), ['12', '41.6']);
  assert.ok(parsed.args.includes('--lat=-33.9'));
  assert.ok(parsed.args.includes('-x'), 'a real short option is left alone');
  assert.deepEqual(parsed.restore(parsed.args.filter((arg) => !arg.startsWith('-'))), ['12', '41.6', '-93.7', '-1e3']);
});
