import { randomBytes } from "node:crypto";
import type { SecretSealer } from "../../application/ports/credentials.js";
import { HmacCodeHasher } from "./hmac-code-hasher.js";

/** Where server secrets live, made once and shared by every instance (PrismaAppSecretRepository). */
export interface AppSecretStore {
  getOrCreate(name: string, make: () => string, now: Date): Promise<string>;
}

const CODE_KEY = "code-hmac-key";

/**
 * The hasher of one-time and recovery codes. Its key is made once and shared through the
 * database, so every instance verifies the codes any other one stored; it is stored sealed
 * (the secret's name bound as associated data), so a database dump alone cannot brute-force
 * a 6-digit code.
 */
export async function loadCodeHasher(secrets: AppSecretStore, sealer: SecretSealer, now: Date): Promise<HmacCodeHasher> {
  const sealed = await secrets.getOrCreate(CODE_KEY, () => sealer.seal(randomBytes(32).toString("base64"), CODE_KEY), now);
  return new HmacCodeHasher(Buffer.from(sealer.open(sealed, CODE_KEY), "base64"));
}
