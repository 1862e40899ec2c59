import fs from 'node:fs';
import path from 'node:path';
import type { InputFile, InputPurpose, OutputFile, UploadPurpose } from '../../main/api/contract.js';
import type { Station } from '../../main/api/station.js';
import type { RunningServer } from '../../main/server/server.js';

/**
 * How tests hand files to the station the two ways the UI does: a path chosen in Electron's
 * native dialog (registered by the main process, the page sees a handle), or an upload over
 * the browser transport. And how they fetch an export back (the browser's download).
 */
export function chooseInDialog(station: Station, chosenPath: string, purpose: InputPurpose): InputFile {
  const stat = fs.statSync(chosenPath, { throwIfNoEntry: false });
  return station.transfers.registerChosen(chosenPath, purpose, { isDirectory: stat?.isDirectory() ?? false, bytes: stat?.isFile() ? stat.size : 0 });
}

/** Uploads a file, or every file of a folder (with its relative names), as one input. */
export async function uploadOverHttp(server: RunningServer, purpose: UploadPurpose, source: string): Promise<InputFile> {
  const files = fs.statSync(source).isDirectory()
    ? (fs.readdirSync(source, { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(source, name)).isFile()).map((name) => ({ name: path.join(path.basename(source), name), file: path.join(source, name) }))
    : [{ name: path.basename(source), file: source }];
  let uploaded: InputFile | null = null;
  for (const { name, file } of files) {
    const headers: Record<string, string> = { 'x-invasives-token': server.token, 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(name) };
    if (uploaded) headers['x-upload-handle'] = uploaded.handle;
    const response = await fetch(`${server.origin}/upload/${purpose}`, { method: 'POST', headers, body: fs.readFileSync(file) });
    if (!response.ok) throw new Error(`upload of ${name} refused: ${response.status} ${await response.text()}`);
    uploaded = (await response.json()) as InputFile;
  }
  return uploaded!;
}

/** The browser's download of an export: the bytes and the response headers. */
export async function downloadOverHttp(server: RunningServer, file: OutputFile): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${server.origin}/download/${file.id}`, { headers: { 'x-invasives-token': server.token } });
  return { status: response.status, text: await response.text(), headers: response.headers };
}
