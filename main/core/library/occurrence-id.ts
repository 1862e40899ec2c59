import { createHash } from 'node:crypto';

/** The station's UUID namespace for occurrence ids (RFC 9562 name-based, v5). */
const OCCURRENCE_NAMESPACE = Buffer.from('3f6c2a9e5d1b4c7f8e0a6b2d9c4f1e73', 'hex');

/**
 * A photo's occurrenceID: the version 5 UUID of its SHA-256 content hash in the station's
 * namespace. Derived from the bytes, so the same photo gets the same id in any library (two
 * libraries merged agree), and never from grouping, so regrouped bursts keep their ids.
 */
export function occurrenceIdOf(sha256: string): string {
  const hash = createHash('sha1').update(OCCURRENCE_NAMESPACE).update(sha256.toLowerCase(), 'latin1').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
