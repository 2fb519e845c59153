/**
 * The API key format, after GitHub's tokens: a prefix (`ak_` for a user's key, `sk_` for a
 * service's), 30 base62 characters of randomness (about 178 bits), and 6 base62 characters of
 * the CRC32 of what precedes them. The checksum lets a key be refused before any lookup (a typo,
 * a truncated paste, a random guess) and lets secret scanners recognise leaked keys.
 */

export type ApiKeyKind = "user" | "service";

export const KEY_PREFIX: Record<ApiKeyKind, string> = { user: "ak_", service: "sk_" };
export const RANDOM_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** How many leading characters are kept (and shown) to tell keys apart: the prefix and 6 more. */
export const START_LENGTH = 9;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it) of an ASCII string. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A 32-bit number as 6 base62 characters, zero-padded (62^6 > 2^32). */
function base62Checksum(value: number): string {
  let out = "";
  let v = value;
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** The key for a prefix and its random part (which the caller draws from a CSPRNG). */
export function formatApiKey(kind: ApiKeyKind, random: string): string {
  if (random.length !== RANDOM_LENGTH || !isBase62(random)) throw new RangeError("the random part must be 30 base62 characters");
  const body = KEY_PREFIX[kind] + random;
  return body + base62Checksum(crc32(body));
}

/** 30 base62 characters from random bytes, without modulo bias (248 = 4 × 62). */
export function base62FromBytes(next: (n: number) => Uint8Array): string {
  let out = "";
  while (out.length < RANDOM_LENGTH) {
    for (const b of next(48)) {
      if (b < 248 && out.length < RANDOM_LENGTH) out += BASE62[b % 62];
    }
  }
  return out;
}

function isBase62(text: string): boolean {
  return /^[0-9A-Za-z]*$/.test(text);
}

/**
 * The kind of a well-formed key whose checksum matches, or null: a malformed string or a broken
 * checksum never reaches the database.
 */
export function parseApiKey(raw: string): ApiKeyKind | null {
  const expected = 3 + RANDOM_LENGTH + CHECKSUM_LENGTH;
  if (raw.length !== expected) return null;
  const kind: ApiKeyKind | null = raw.startsWith(KEY_PREFIX.user) ? "user" : raw.startsWith(KEY_PREFIX.service) ? "service" : null;
  if (kind === null || !isBase62(raw.slice(3))) return null;
  const body = raw.slice(0, 3 + RANDOM_LENGTH);
  return base62Checksum(crc32(body)) === raw.slice(3 + RANDOM_LENGTH) ? kind : null;
}
