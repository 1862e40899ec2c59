import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StationError } from '../../main/core/errors.js';
import { openDatabase } from '../../main/core/library/database.js';
import { Library } from '../../main/core/library/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../main/core/library/migrations.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir();

test('a new library gets the current schema, WAL journaling and foreign keys', () => {
  const dbPath = path.join(dir, 'nested', 'folder', 'new.sqlite');
  const db = openDatabase(dbPath);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
});

test('a library written by a newer program is refused and left untouched', () => {
  const dbPath = path.join(dir, 'newer.sqlite');
  const raw = new Database(dbPath);
  raw.exec('CREATE TABLE future (x)');
  raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
  raw.close();
  const before = fs.readFileSync(dbPath);
  assert.throws(() => openDatabase(dbPath), (error: unknown) => error instanceof StationError && error.code === 'DATABASE_NEWER' && error.message.includes(dbPath));
  assert.deepEqual(fs.readFileSync(dbPath), before);
});

test('an older library migrates forward, keeping its rows, after a backup copy is written', () => {
  const dbPath = path.join(dir, 'older.sqlite');
  openDatabase(dbPath).close(); // at the current schema
  const library = Library.open(dbPath);
  const importId = library.imports.start('/card', null);
  library.close();
  const nextMigration = 'ALTER TABLE photos ADD COLUMN zone TEXT';
  const db = openDatabase(dbPath, [...MIGRATIONS, nextMigration]);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
  assert.equal((db.prepare('SELECT count(*) AS n FROM imports WHERE id = ?').get(importId) as { n: number }).n, 1);
  db.close();
  const backups = fs.readdirSync(dir).filter((name) => name.startsWith(`older.sqlite.schema${SCHEMA_VERSION}-`) && name.endsWith('.bak'));
  assert.equal(backups.length, 1);
  const backup = new Database(path.join(dir, backups[0]!), { readonly: true });
  assert.equal(backup.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal((backup.prepare('SELECT count(*) AS n FROM imports').get() as { n: number }).n, 1);
  backup.close();
});

test('a file that is not a database gets a clear error naming it', () => {
  const dbPath = path.join(dir, 'not-a-db.sqlite');
  fs.writeFileSync(dbPath, 'this is a text file, not SQLite '.repeat(100));
  assert.throws(() => openDatabase(dbPath), (error: unknown) => error instanceof StationError && error.code === 'DATABASE_CORRUPT' && error.message.includes(dbPath));
});
