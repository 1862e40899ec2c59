import { RANGER_STORAGE_KEY } from '../lib/api-client.js';

/** Set once the ranger has answered "who is working?" in this browser session. */
const SESSION_KEY = 'invasives.ranger.session';

function read(storage: () => Storage | undefined, key: string): string | null {
  try {
    return storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(storage: () => Storage | undefined, key: string, value: string): void {
  try {
    storage()?.setItem(key, value);
  } catch {
    // Private mode without storage: the name holds for this page only.
  }
}

/**
 * Who is working at the station: asked once per browser session (the name is remembered in
 * this browser and offered again next time), added by the api client to every decision.
 */
class RangerIdentity {
  name = $state(read(() => globalThis.localStorage, RANGER_STORAGE_KEY) ?? '');
  asked = $state(read(() => globalThis.sessionStorage, SESSION_KEY) === '1');

  choose(name: string): void {
    const trimmed = name.trim();
    if (!trimmed) return;
    this.name = trimmed;
    this.asked = true;
    write(() => globalThis.localStorage, RANGER_STORAGE_KEY, trimmed);
    write(() => globalThis.sessionStorage, SESSION_KEY, '1');
  }

  /** Asks again (another ranger takes over). */
  change(): void {
    this.asked = false;
  }
}

export const ranger = new RangerIdentity();
