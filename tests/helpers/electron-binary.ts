import fs from 'node:fs';
import { createRequire } from 'node:module';

/** The Electron binary when the optional `electron` package installed it, else null (its download needs the internet). */
export function findElectronBinary(): string | null {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}
