import { parseApiKey } from "../../domain/api-key-format.js";
import { DomainError } from "../../domain/errors.js";
import { DEFAULT_PLAN } from "../../domain/user.js";
import type { ApiKeyWithOwner } from "../ports/api-keys.js";
import type { CoreDeps } from "../shared/deps.js";
import type { VerifiedApiKey } from "./api-key-status.js";
import { hashApiKey } from "./key-secret.js";

export type { VerifiedApiKey } from "./api-key-status.js";

/** The one answer for every key that does not validate: it tells nothing, and never repeats the key. */
export function apiKeyInvalid(): DomainError {
  return new DomainError("API_KEY_INVALID", "The API key is invalid");
}

/**
 * The one check of a raw key, shared by ValidateApiKey and the service-credential interceptor.
 * A malformed string or a broken checksum is refused before anything is read; then the SHA-256
 * is looked up in the positive cache (1 s, dropped on revocation through the bus) or the
 * database (key and owner in one query). Unknown, revoked, expired (on the injected clock, at
 * every hit), owner inactive: API_KEY_INVALID, the same error for all. A use is recorded in
 * memory for `last_used_at`, never written here.
 */
export class VerifyApiKey {
  /** Reads in flight by hash: concurrent misses of one key (its cache entry just aged out) share one query. */
  private readonly reads = new Map<string, { found: Promise<ApiKeyWithOwner | null>; mark: number }>();

  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "apiKeyStatus" | "apiKeyUsage">) {}

  async execute(raw: string): Promise<VerifiedApiKey> {
    const kind = typeof raw === "string" ? parseApiKey(raw) : null;
    if (kind === null) throw apiKeyInvalid();
    const keyHash = hashApiKey(raw);
    let verified = this.deps.apiKeyStatus.get(keyHash);
    if (verified === null) {
      // The cache mark of when the shared read began: an eviction since keeps it out of the cache.
      const { found: reading, mark } = this.read(keyHash);
      const found = await reading;
      if (found === null || !isUsable(found, this.deps.clock.now()) || found.key.owner.type !== kind) throw apiKeyInvalid();
      verified = toVerified(found);
      this.deps.apiKeyStatus.remember(keyHash, verified, mark);
    }
    if (verified.expiresAt !== null && verified.expiresAt.getTime() <= this.deps.clock.now().getTime()) throw apiKeyInvalid();
    this.deps.apiKeyUsage.record(verified.keyId);
    return verified;
  }

  private read(keyHash: string): { found: Promise<ApiKeyWithOwner | null>; mark: number } {
    const pending = this.reads.get(keyHash);
    if (pending) return pending;
    const read = { mark: this.deps.apiKeyStatus.mark(), found: this.deps.uow.apiKeys.findByHash(keyHash).finally(() => this.reads.delete(keyHash)) };
    this.reads.set(keyHash, read);
    return read;
  }
}

function isUsable(found: ApiKeyWithOwner, now: Date): boolean {
  const { key } = found;
  return found.ownerActive && key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > now.getTime());
}

/** Frozen: the same object is handed to every caller while cached. */
function toVerified(found: ApiKeyWithOwner): VerifiedApiKey {
  const { key } = found;
  return Object.freeze({
    keyId: key.id,
    owner: Object.freeze({ ...key.owner }),
    scopes: Object.freeze([...key.scopes]),
    plan: key.owner.type === "user" ? (found.ownerPlan ?? DEFAULT_PLAN) : "",
    expiresAt: key.expiresAt,
  });
}
