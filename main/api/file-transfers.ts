import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StationError } from '../core/errors.js';
import { exportToTemporaryFile } from '../core/export-to-temporary-file.js';
import { INPUT_PURPOSES, type InputFile, type InputPurpose, type OutputFile } from './contract.js';

/**
 * The files that cross the UI boundary, held by opaque ids so the page never names a path:
 * inputs (uploaded into a private folder of the library, or chosen in Electron's open dialog)
 * and outputs (exports written to a private temporary file, then downloaded or saved).
 * Everything lives under `<library>.transfers/run-<random>/` (mode 0700), removed on close.
 */
interface HeldInput extends InputFile {
  /** The uploaded folder (owned: deleted after use) or the path chosen in a dialog (never deleted). */
  path: string;
  owned: boolean;
  /** A file's path when the upload holds exactly one file; the folder otherwise. */
  entry(): string;
}

interface HeldOutput extends OutputFile {
  path: string;
  remove(): Promise<void>;
}

/** Outputs waiting for their download, and uploads waiting for their call, are kept at most this many each (oldest removed first). */
const MAX_WAITING_OUTPUTS = 20;
const MAX_WAITING_UPLOADS = 20;
const MAX_NAME_SEGMENTS = 16;

export function transfersDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath)}.transfers`);
}

function newId(prefix: 'in' | 'out'): string {
  return `${prefix}-${randomBytes(16).toString('base64url')}`;
}

/** A file name the page sent, as safe relative path segments (folders of a model pack kept). */
export function safeRelativeName(raw: string): string[] {
  const segments = raw.replace(/\\/g, '/').split('/').filter((segment) => segment !== '');
  const valid =
    raw.length <= 1024 &&
    segments.length > 0 &&
    segments.length <= MAX_NAME_SEGMENTS &&
    segments.every((segment) => segment !== '.' && segment !== '..' && segment.length <= 255 && !/[\u0000-\u001f]/.test(segment));
  if (!valid) throw new StationError('INVALID_ARGUMENT', 'The uploaded file name is not a plain file name (no "..", no control characters, at most 16 folders deep).');
  return segments;
}

/** A download name that is safe in a Content-Disposition header and on every file system. */
export function safeDownloadName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 120);
  return cleaned || 'export';
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

export class FileTransfers {
  private readonly runDir: string;
  private readonly inputs = new Map<string, HeldInput>();
  private readonly outputs = new Map<string, HeldOutput>();

  constructor(databasePath: string) {
    this.runDir = path.join(transfersDir(databasePath), `run-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  private staleRunsRemoved = false;

  private async ensureRunDir(): Promise<void> {
    const parent = path.dirname(this.runDir);
    await fs.promises.mkdir(parent, { recursive: true, mode: 0o700 });
    if (!this.staleRunsRemoved) {
      this.staleRunsRemoved = true;
      await removeStaleRuns(parent);
    }
    await fs.promises.mkdir(this.runDir, { recursive: true, mode: 0o700 });
  }

  /** Electron: a path the user chose in the main process's open dialog. */
  registerChosen(chosenPath: string, purpose: InputPurpose, stat: { isDirectory: boolean; bytes: number }): InputFile {
    const handle = newId('in');
    const held: HeldInput = {
      handle,
      purpose,
      name: path.basename(chosenPath),
      files: stat.isDirectory ? 0 : 1,
      bytes: stat.bytes,
      path: chosenPath,
      owned: false,
      entry: () => chosenPath,
    };
    this.inputs.set(handle, held);
    return publicInput(held);
  }

  /**
   * Browser: one uploaded file streamed into the upload's private folder, refused (and removed)
   * past the purpose's size or file count. Without `handle` a new upload starts.
   */
  async receiveUpload(purpose: InputPurpose, rawName: string, body: AsyncIterable<Buffer>, handle?: string): Promise<InputFile> {
    const limits = INPUT_PURPOSES[purpose];
    if (limits.maxFiles === 0) throw new StationError('INVALID_ARGUMENT', `${limits.description} cannot be uploaded.`);
    const segments = safeRelativeName(rawName);
    let held = handle ? this.inputs.get(handle) : undefined;
    if (handle && (!held || !held.owned || held.purpose !== purpose)) {
      throw new StationError('NOT_FOUND', 'That upload is not known (it was used or the station restarted); upload the files again.');
    }
    if (!held) {
      await this.ensureRunDir();
      const id = newId('in');
      const folder = path.join(this.runDir, id);
      await fs.promises.mkdir(folder, { mode: 0o700 });
      const created: HeldInput = {
        handle: id,
        purpose,
        name: segments[0]!,
        files: 0,
        bytes: 0,
        path: folder,
        owned: true,
        entry: () => {
          const files = listFiles(folder);
          return files.length === 1 ? files[0]! : packRoot(folder);
        },
      };
      held = created;
      this.inputs.set(id, created);
      const uploads = [...this.inputs.values()].filter((input) => input.owned);
      for (const oldest of uploads.slice(0, Math.max(0, uploads.length - MAX_WAITING_UPLOADS))) {
        this.inputs.delete(oldest.handle);
        await fs.promises.rm(oldest.path, { recursive: true, force: true });
      }
    }
    if (held.files >= limits.maxFiles) {
      throw new StationError('FILE_TOO_LARGE', `${limits.description} is at most ${limits.maxFiles} file${limits.maxFiles === 1 ? '' : 's'}; start a new upload.`);
    }
    const target = path.join(held.path, ...segments);
    await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const allowance = limits.maxBytes - held.bytes;
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > allowance) done(new StationError('FILE_TOO_LARGE', `${limits.description} is limited to ${megabytes(limits.maxBytes)}; this upload is larger.`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      await fs.promises.rm(target, { force: true });
      if (error instanceof StationError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new StationError('INVALID_ARGUMENT', 'Two uploaded files have the same name; upload each file once.');
      throw new StationError('FILE_UNREADABLE', 'The upload was interrupted before the whole file arrived; try again.');
    }
    held.files += 1;
    held.bytes += received;
    if (held.files > 1) held.name = segments.length > 1 ? segments[0]! : held.name;
    return publicInput(held);
  }

  /** The name of a held input, checked as `useInput` checks it (for a job that uses it later). */
  inputName(handle: string, purpose: InputPurpose): string {
    return this.heldInput(handle, purpose).name;
  }

  private heldInput(handle: string, purpose: InputPurpose) {
    const held = this.inputs.get(handle);
    if (!held || held.purpose !== purpose) {
      throw new StationError('NOT_FOUND', `That file is not known as ${INPUT_PURPOSES[purpose].description} (it was used already or the station restarted); choose it again.`);
    }
    return held;
  }

  /**
   * Runs `use` with the path behind an input handle of this purpose; an uploaded input is
   * removed afterwards (each upload serves one call).
   */
  async useInput<T>(handle: string, purpose: InputPurpose, use: (filePath: string, name: string, uploaded: boolean) => Promise<T> | T): Promise<T> {
    const held = this.heldInput(handle, purpose);
    if (held.owned && held.files === 0) throw new StationError('FILE_EMPTY', 'The upload holds no file; choose the file again.');
    try {
      return await use(held.entry(), held.name, held.owned);
    } finally {
      if (held.owned) {
        this.inputs.delete(handle);
        await fs.promises.rm(held.path, { recursive: true, force: true });
      }
    }
  }

  /** Writes an export to a private temporary file and holds it for its download or save. */
  async createOutput<T>(name: string, contentType: string, write: (target: string) => Promise<T>): Promise<{ file: OutputFile; result: T }> {
    await this.ensureRunDir();
    const safeName = safeDownloadName(name);
    const exported = await exportToTemporaryFile(this.runDir, safeName, write);
    const bytes = (await fs.promises.stat(exported.file)).size;
    const held: HeldOutput = { id: newId('out'), name: safeName, bytes, contentType, path: exported.file, remove: exported.remove };
    this.outputs.set(held.id, held);
    while (this.outputs.size > MAX_WAITING_OUTPUTS) {
      const [oldest] = this.outputs.keys();
      await this.outputs.get(oldest!)!.remove();
      this.outputs.delete(oldest!);
    }
    return { file: publicOutput(held), result: exported.result };
  }

  /** An output waiting for its download or save, without taking it. */
  peekOutput(id: string): OutputFile | null {
    const held = this.outputs.get(id);
    return held ? publicOutput(held) : null;
  }

  /** Hands an output over once (a download, a save): the caller streams `path`, then calls `done`. */
  takeOutput(id: string): (OutputFile & { path: string; done(): Promise<void> }) | null {
    const held = this.outputs.get(id);
    if (!held) return null;
    this.outputs.delete(id);
    return { ...publicOutput(held), path: held.path, done: held.remove };
  }

  /** Electron: copies an output where the save dialog pointed, atomically (a temporary name beside it, then rename). */
  async saveOutput(id: string, destination: string): Promise<void> {
    const output = this.takeOutput(id);
    if (!output) throw new StationError('NOT_FOUND', 'That export is no longer waiting to be saved; export it again.');
    const partial = path.join(path.dirname(destination), `.${path.basename(destination)}.${process.pid}.${Date.now()}.partial`);
    try {
      await fs.promises.copyFile(output.path, partial);
      await fs.promises.rename(partial, destination);
    } catch (error) {
      await fs.promises.rm(partial, { force: true });
      throw new StationError('FILE_UNREADABLE', `Cannot save the export as ${destination}: ${(error as NodeJS.ErrnoException).code ?? 'write error'}; choose another folder.`);
    } finally {
      await output.done();
    }
  }

  async close(): Promise<void> {
    this.inputs.clear();
    this.outputs.clear();
    await fs.promises.rm(this.runDir, { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Uploads and exports left by a UI that was killed (its process is gone) are removed. */
async function removeStaleRuns(parent: string): Promise<void> {
  for (const entry of await fs.promises.readdir(parent).catch(() => [] as string[])) {
    const pid = Number(/^run-(\d+)-[0-9a-f]+$/.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !isRunning(pid)) await fs.promises.rm(path.join(parent, entry), { recursive: true, force: true });
  }
}

function publicInput(held: HeldInput): InputFile {
  return { handle: held.handle, purpose: held.purpose, name: held.name, files: held.files, bytes: held.bytes };
}

function publicOutput(held: HeldOutput): OutputFile {
  return { id: held.id, name: held.name, bytes: held.bytes, contentType: held.contentType };
}

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** An uploaded folder arrives as "<folder>/<files>": the pack is that one top folder when there is one. */
function packRoot(uploadDir: string): string {
  const top = fs.readdirSync(uploadDir, { withFileTypes: true });
  return top.length === 1 && top[0]!.isDirectory() ? path.join(uploadDir, top[0]!.name) : uploadDir;
}
