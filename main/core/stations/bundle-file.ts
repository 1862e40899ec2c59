import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { StationError, errorMessage } from '../errors.js';

/**
 * The station bundle file: one SQLite file holding a header (`meta`), the records in order and
 * the thumbnails by content hash. A sha256 over the header and every record and thumbnail, in
 * order, is stored in the header: a truncated or altered bundle is refused before anything is
 * merged. Values are JSON; binary columns travel as {"$base64": "..."}.
 */
export const BUNDLE_FORMAT = 'invasives-station-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

export interface BundleReceipt {
  /** The station that received… */
  station: string;
  /** …events of this station… */
  from: string;
  /** …up to this seq of `from`'s own log… */
  seq: number;
  /** …in the bundle `from` made at this time. */
  bundleAt: string;
}

export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  /** The library schema version of the station that wrote it. */
  schemaVersion: number;
  bundleId: string;
  sourceStation: string;
  sourceName: string | null;
  /** The station it was made for (null: anyone, a full bundle). */
  destination: string | null;
  full: boolean;
  createdAt: string;
  /** The source's last event seq the bundle covers. */
  upToSeq: number;
  /** Records changed at or after this time of the source's clock (null: all). */
  since: string | null;
  receipts: BundleReceipt[];
}

function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, item: unknown) {
    const raw = this[key];
    return Buffer.isBuffer(raw) || raw instanceof Uint8Array ? { $base64: Buffer.from(raw as Uint8Array).toString('base64') } : item;
  });
}

function decode(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) =>
    item && typeof item === 'object' && typeof (item as { $base64?: unknown }).$base64 === 'string'
      ? Buffer.from((item as { $base64: string }).$base64, 'base64')
      : item,
  );
}

/** Writes a bundle to a temporary file beside `out`, renamed into place when complete. */
export class BundleWriter {
  private readonly db: Database.Database;
  private readonly hash = createHash('sha256');
  private readonly insertRecord;
  private readonly insertThumbnail;
  private count = 0;
  private readonly temp: string;

  constructor(private readonly out: string) {
    this.temp = `${out}.partial-${process.pid}`;
    fs.rmSync(this.temp, { force: true });
    this.db = new Database(this.temp);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE records (n INTEGER PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL);
      CREATE TABLE thumbnails (n INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, jpeg BLOB NOT NULL);`);
    this.insertRecord = this.db.prepare('INSERT INTO records (n, kind, body) VALUES (?, ?, ?)');
    this.insertThumbnail = this.db.prepare('INSERT INTO thumbnails (n, sha256, jpeg) VALUES (?, ?, ?)');
    this.db.exec('BEGIN');
  }

  record(kind: string, value: unknown): void {
    const body = encode(value);
    const n = ++this.count;
    this.hash.update(`r${n}\u0000${kind}\u0000${body}\u0000`);
    this.insertRecord.run(n, kind, body);
  }

  thumbnail(sha256: string, jpeg: Buffer): void {
    const n = ++this.count;
    this.hash.update(`t${n}\u0000${sha256}\u0000`);
    this.hash.update(jpeg);
    this.insertThumbnail.run(n, sha256, jpeg);
  }

  finish(header: BundleHeader): { checksum: string } {
    const headerText = JSON.stringify(header);
    this.hash.update(`h\u0000${headerText}`);
    const checksum = this.hash.digest('hex');
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('header', headerText);
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('checksum', checksum);
    this.db.exec('COMMIT');
    this.db.close();
    fs.renameSync(this.temp, this.out);
    return { checksum };
  }

  abandon(): void {
    if (this.db.open) this.db.close();
    fs.rmSync(this.temp, { force: true });
  }
}

function damaged(file: string, why: string, cause?: unknown): StationError {
  return new StationError('BUNDLE_INVALID', `${file} is not a complete station bundle (${why}); nothing was merged. Copy the bundle again from the station that made it.`, {
    cause,
    details: { path: file },
  });
}

/** Reads a bundle: the header, then (after `verify`) its records and thumbnails in order. */
export class BundleReader {
  private readonly db: Database.Database;
  readonly header: BundleHeader;
  private readonly checksum: string;

  constructor(private readonly file: string) {
    if (!fs.existsSync(file)) throw new StationError('NOT_FOUND', `There is no bundle at ${file}; check the path.`, { details: { path: file } });
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      const meta = new Map(this.db.prepare<[], { key: string; value: string }>('SELECT key, value FROM meta').all().map((row) => [row.key, row.value]));
      this.header = JSON.parse(meta.get('header') ?? 'null') as BundleHeader;
      this.checksum = meta.get('checksum') ?? '';
    } catch (error) {
      throw damaged(file, errorMessage(error), error);
    }
    if (!this.header || this.header.format !== BUNDLE_FORMAT) {
      this.db.close();
      throw damaged(file, 'no bundle header');
    }
  }

  /** Recomputes the checksum over everything; throws BUNDLE_INVALID when it differs (truncated, altered). */
  verify(onProgress?: (done: number) => void): void {
    const hash = createHash('sha256');
    let n = 0;
    try {
      for (const row of this.db.prepare<[], { n: number; kind: string; body: string }>('SELECT n, kind, body FROM records ORDER BY n').iterate()) {
        hash.update(`r${row.n}\u0000${row.kind}\u0000${row.body}\u0000`);
        if (++n % 10_000 === 0) onProgress?.(n);
      }
      for (const row of this.db.prepare<[], { n: number; sha256: string; jpeg: Buffer }>('SELECT n, sha256, jpeg FROM thumbnails ORDER BY n').iterate()) {
        hash.update(`t${row.n}\u0000${row.sha256}\u0000`);
        hash.update(row.jpeg);
      }
    } catch (error) {
      throw damaged(this.file, errorMessage(error), error);
    }
    hash.update(`h\u0000${JSON.stringify(this.header)}`);
    if (hash.digest('hex') !== this.checksum) throw damaged(this.file, 'its checksum does not match: it was cut short or changed');
  }

  /** How many records and thumbnails the bundle holds (for progress). */
  counts(): { records: number; thumbnails: number } {
    try {
      const count = (table: string) => this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
      return { records: count('records'), thumbnails: count('thumbnails') };
    } catch (error) {
      throw damaged(this.file, errorMessage(error), error);
    }
  }

  *records(): Generator<{ kind: string; value: unknown }> {
    for (const row of this.db.prepare<[], { kind: string; body: string }>('SELECT kind, body FROM records ORDER BY n').iterate()) {
      yield { kind: row.kind, value: decode(row.body) };
    }
  }

  *thumbnails(): Generator<{ sha256: string; jpeg: Buffer }> {
    yield* this.db.prepare<[], { sha256: string; jpeg: Buffer }>('SELECT sha256, jpeg FROM thumbnails ORDER BY n').iterate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
