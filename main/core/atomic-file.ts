import fs from 'node:fs';
import path from 'node:path';

function temporaryPathFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${process.pid}.${Date.now()}.partial`);
}

/**
 * Writes a file so that readers see either the old content or the whole new one, never a
 * half-written file: write beside it, flush, then rename over it.
 */
export async function writeFileAtomically(finalPath: string, data: Buffer | string): Promise<void> {
  const temporary = temporaryPathFor(finalPath);
  try {
    await fs.promises.writeFile(temporary, data, { flush: true });
    await fs.promises.rename(temporary, finalPath);
  } catch (error) {
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Streams many chunks into a file atomically (exports of big libraries): `write` is called
 * with an appender; the file appears under its final name only when all of it is written.
 */
export async function writeStreamAtomically(finalPath: string, write: (append: (chunk: string) => void) => void): Promise<void> {
  const temporary = temporaryPathFor(finalPath);
  const fd = fs.openSync(temporary, 'w');
  try {
    let buffered: string[] = [];
    let size = 0;
    const flush = () => {
      if (buffered.length) fs.writeSync(fd, buffered.join(''));
      buffered = [];
      size = 0;
    };
    write((chunk) => {
      buffered.push(chunk);
      size += chunk.length;
      if (size > 1 << 20) flush();
    });
    flush();
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    await fs.promises.rename(temporary, finalPath);
  } catch (error) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
}
