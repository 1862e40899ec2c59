import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { FileTransfers, safeDownloadName, safeRelativeName, transfersDir } from '../../main/api/file-transfers.js';
import { makeTempDir } from '../helpers/temp-dir.js';

test('upload names keep their folders but never leave the upload: "..", empty and over-deep names are refused', () => {
  assert.deepEqual(safeRelativeName('pack/models/2024/ckpts/final_model.h5'), ['pack', 'models', '2024', 'ckpts', 'final_model.h5']);
  assert.deepEqual(safeRelativeName('/etc/passwd'), ['etc', 'passwd'], 'a leading slash is dropped: the file stays inside the upload');
  assert.deepEqual(safeRelativeName('a\\b.txt'), ['a', 'b.txt']);
  for (const bad of ['..', '../x', 'a/../../x', '', '/', 'a/./b', 'x\u0000y', `${'d/'.repeat(17)}f`]) {
    assert.throws(() => safeRelativeName(bad), /not a plain file name/, JSON.stringify(bad));
  }
});

test('download names are plain (letters, digits, dot, dash, underscore): nothing for a header or a path to misread', () => {
  assert.equal(safeDownloadName('invasives-2026-05-01.csv'), 'invasives-2026-05-01.csv');
  assert.equal(safeDownloadName('a"; filename=x\r\n.csv'), 'a_filename_x_.csv');
  assert.equal(safeDownloadName('../../.bashrc'), 'bashrc');
  assert.equal(safeDownloadName('...'), 'export');
});

test('an upload serves one call and is removed after it; uploads left by a killed UI are removed by the next one', async () => {
  const dir = makeTempDir();
  const databasePath = path.join(dir, 'library.sqlite');
  // A run folder of a process that no longer exists (a UI killed with its uploads in place).
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const stale = path.join(transfersDir(databasePath), `run-${dead.stdout}-abcdef`);
  fs.mkdirSync(stale, { recursive: true });
  fs.writeFileSync(path.join(stale, 'left.geojson'), '{}');
  const transfers = new FileTransfers(databasePath);
  try {
    const uploaded = await transfers.receiveUpload('zones', 'zones.geojson', Readable.from([Buffer.from('{"type":"Polygon"}')]));
    assert.equal(fs.existsSync(stale), false, 'the dead run\'s folder is gone');
    let seen = '';
    await transfers.useInput(uploaded.handle, 'zones', (file) => {
      seen = fs.readFileSync(file, 'utf8');
    });
    assert.equal(seen, '{"type":"Polygon"}');
    await assert.rejects(transfers.useInput(uploaded.handle, 'zones', () => undefined), /not known/);
    const runs = fs.readdirSync(transfersDir(databasePath));
    assert.equal(runs.length, 1);
    assert.deepEqual(fs.readdirSync(path.join(transfersDir(databasePath), runs[0]!)), [], 'the used upload is deleted');
  } finally {
    await transfers.close();
  }
  assert.deepEqual(fs.readdirSync(transfersDir(databasePath)), [], 'close removes the run folder');
});

test('uploads never used are kept at most 20: the oldest go first, so a page cannot fill the disk with them', async () => {
  const dir = makeTempDir();
  const transfers = new FileTransfers(path.join(dir, 'library.sqlite'));
  try {
    const handles: string[] = [];
    for (let index = 0; index < 22; index++) {
      handles.push((await transfers.receiveUpload('zones', `z${index}.geojson`, Readable.from([Buffer.from('{}')]))).handle);
    }
    await assert.rejects(transfers.useInput(handles[0]!, 'zones', () => undefined), /not known/);
    await assert.rejects(transfers.useInput(handles[1]!, 'zones', () => undefined), /not known/);
    assert.equal(await transfers.useInput(handles[21]!, 'zones', (file) => fs.readFileSync(file, 'utf8')), '{}');
    const run = fs.readdirSync(transfersDir(path.join(dir, 'library.sqlite')))[0]!;
    assert.equal(fs.readdirSync(path.join(transfersDir(path.join(dir, 'library.sqlite')), run)).length, 19, 'the removed uploads are deleted from disk');
  } finally {
    await transfers.close();
  }
});
