import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { prepareDemoFolder } from '../../main/core/demo/demo-folder.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();

test('invasives demo --dir on a folder of the user\'s own files refuses, naming them, and deletes nothing', async () => {
  const documents = path.join(dir, 'Documents');
  fs.mkdirSync(path.join(documents, 'field notes'), { recursive: true });
  fs.writeFileSync(path.join(documents, 'field notes', '2026.txt'), 'knotweed by the mill');
  fs.writeFileSync(path.join(documents, 'thesis.odt'), 'years of work');

  const result = await runCli(['demo', '--dir', documents]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /Documents holds files the demo did not write \("field notes", "thesis\.odt"\)/);
  assert.match(result.stderr, /empty or new folder with --dir/);
  assert.equal(fs.readFileSync(path.join(documents, 'thesis.odt'), 'utf8'), 'years of work');
  assert.equal(fs.readFileSync(path.join(documents, 'field notes', '2026.txt'), 'utf8'), 'knotweed by the mill');
  assert.deepEqual(fs.readdirSync(documents).sort(), ['field notes', 'thesis.odt']);
});

test('a previous demo run (card, model, library and its side folders, exports) is cleared for the next', () => {
  const folder = path.join(dir, 'demo-output');
  for (const sub of ['card/DCIM', 'demo-model', 'library.sqlite.thumbs/ab', 'library.sqlite.models']) fs.mkdirSync(path.join(folder, sub), { recursive: true });
  for (const file of ['library.sqlite', 'library.sqlite-wal', 'photos.csv', 'photos.geojson', 'card/DCIM/IMG_0001.JPG']) fs.writeFileSync(path.join(folder, file), 'x');
  prepareDemoFolder(folder);
  assert.deepEqual(fs.readdirSync(folder), []);

  const fresh = path.join(dir, 'new', 'demo');
  prepareDemoFolder(fresh);
  assert.ok(fs.statSync(fresh).isDirectory(), 'a folder that does not exist yet is created');

  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'keep');
  assert.throws(() => prepareDemoFolder(file), { code: 'NOT_A_FOLDER' });
  assert.equal(fs.readFileSync(file, 'utf8'), 'keep');
});
