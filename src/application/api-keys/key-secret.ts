import { createHash } from "node:crypto";
import { type ApiKeyKind, base62FromBytes, formatApiKey, START_LENGTH } from "../../domain/api-key-format.js";
import type { Random } from "../ports/time.js";

/** SHA-256 of the whole key, hex: the only form of a key that is stored or cached. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new key from the CSPRNG, with what is stored of it (never the key itself). */
export function newApiKeySecret(random: Random, kind: ApiKeyKind): { secret: string; keyHash: string; start: string } {
  const secret = formatApiKey(
    kind,
    base62FromBytes((n) => random.bytes(n)),
  );
  return { secret, keyHash: hashApiKey(secret), start: secret.slice(0, START_LENGTH) };
}
