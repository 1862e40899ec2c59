import fs from 'node:fs/promises';
import path from 'node:path';
import { rendererContentType } from './renderer-content-types.js';

/**
 * Which file of the built renderer a request path names, for both transports (the HTTP
 * server and Electron's app:// protocol): never a file outside the renderer folder, whatever
 * `..`, encoded or doubled slashes the path holds; unknown paths without an extension get the
 * one page (index.html).
 */
export type RendererFile =
  | { ok: true; file: string; contentType: string; isPage: boolean }
  | { ok: false; status: 404 | 503; message: string };

const NOT_FOUND: RendererFile = { ok: false, status: 404, message: 'Not found.' };

export async function resolveRendererFile(rendererDir: string | null, pathname: string): Promise<RendererFile> {
  if (!rendererDir) {
    return { ok: false, status: 503, message: 'The review UI is not built: run `npm run build:renderer` (or `npm run build`), then restart.' };
  }
  let relative: string;
  try {
    relative = decodeURIComponent(pathname).replace(/^[/\\]+/, '') || 'index.html';
  } catch {
    return NOT_FOUND;
  }
  if (relative.includes('\0')) return NOT_FOUND;
  const root = path.resolve(rendererDir);
  let file = path.resolve(root, relative);
  if (file !== root && !file.startsWith(root + path.sep)) return NOT_FOUND;
  const stat = await fs.stat(file).catch(() => null);
  if (!stat || !stat.isFile()) {
    if (path.extname(relative)) return NOT_FOUND;
    file = path.join(root, 'index.html');
  }
  return { ok: true, file, contentType: rendererContentType(file), isPage: path.extname(file) === '.html' };
}
