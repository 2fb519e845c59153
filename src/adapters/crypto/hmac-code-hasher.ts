import { createHmac, timingSafeEqual } from "node:crypto";
import type { CodeHasher } from "../../application/ports/credentials.js";

/**
 * HMAC-SHA-256 of short codes under a server key (kept in app_secrets, sealed at rest). A
 * 6-digit code has only 10^6 values: a plain hash would fall to a brute force in a second,
 * a keyed one does not without the key. The context (purpose, destination or user) binds a
 * hash to its use, so a hash never verifies in another place.
 */
export class HmacCodeHasher implements CodeHasher {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error("code hashing key must be at least 32 bytes");
  }

  hash(code: string, context: string): string {
    return createHmac("sha256", this.key).update(context).update("\u0000").update(code).digest("hex");
  }

  matches(code: string, context: string, storedHash: string): boolean {
    const actual = Buffer.from(this.hash(code, context), "hex");
    const expected = Buffer.from(storedHash, "hex");
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
