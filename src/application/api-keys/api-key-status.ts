import type { ApiKeyOwner } from "../ports/api-keys.js";
import type { RevocationBus } from "../ports/coordination.js";
import type { Clock } from "../ports/time.js";

/** What a usable key answers: VerifyApiKey's result, and what the positive cache holds. */
export interface VerifiedApiKey {
  readonly keyId: string;
  readonly owner: ApiKeyOwner;
  readonly scopes: readonly string[];
  /** The owner's plan code: a user's (`free` when none), "" for a service. */
  readonly plan: string;
  readonly expiresAt: Date | null;
}

/**
 * API key revocations travel on the session revocation bus as markers that can never be a
 * session id (those are UUIDs): `apikey:<key id>` for one key, `apikey-owner:<user or service
 * id>` for every key of an owner (disabled, deleted).
 */
export const API_KEY_MARKER = "apikey:";
export const API_KEY_OWNER_MARKER = "apikey-owner:";

export function ownerIdOf(owner: ApiKeyOwner): string {
  return owner.type === "user" ? owner.userId : owner.serviceId;
}

interface Entry {
  verified: VerifiedApiKey;
  checkedAt: number;
}

/**
 * The positive cache of ValidateApiKey, keyed by the key's hash, with the rule of the session
 * status cache: an entry is trusted at most `ttlMs` (SESSION__STATUS_CACHE_MS, 1 s) and only
 * while the revocation bus is healthy; a revocation of the key or of its owner on any instance
 * drops it at once (the bus), a reset drops everything. Only usable keys are cached, never a
 * refusal, so a revoked key always goes back to the database within the TTL at worst. The
 * caller checks expiry on every hit against its clock.
 */
export class ApiKeyStatusCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every eviction: a read that began before one may not cache what it saw. */
  private generation = 0;
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    private readonly bus: RevocationBus,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; maxEntries: number },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe({
      onRevoked: (ids) => this.evictMarked(ids),
      onReset: () => this.clear(),
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The cached answer for this hash while it may be trusted, else null. */
  get(keyHash: string): VerifiedApiKey | null {
    const entry = this.entries.get(keyHash);
    if (!entry) return null;
    if (!this.bus.isHealthy() || this.clock.now().getTime() - entry.checkedAt >= this.options.ttlMs) {
      this.entries.delete(keyHash);
      return null;
    }
    return entry.verified;
  }

  /** Take before reading the database; hand back to remember(). */
  mark(): number {
    return this.generation;
  }

  /** Caches a usable key read when `mark` was taken, unless anything was evicted since. */
  remember(keyHash: string, verified: VerifiedApiKey, mark: number): void {
    if (mark !== this.generation || !this.bus.isHealthy()) return;
    this.entries.delete(keyHash);
    this.entries.set(keyHash, { verified, checkedAt: this.clock.now().getTime() });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops the keys with these ids (revoked here, at once). */
  evictKeys(keyIds: readonly string[]): void {
    this.generation += 1;
    const ids = new Set(keyIds);
    for (const [hash, entry] of this.entries) if (ids.has(entry.verified.keyId)) this.entries.delete(hash);
  }

  /** Drops every key of these owners (user or service ids). */
  evictOwners(ownerIds: readonly string[]): void {
    this.generation += 1;
    const ids = new Set(ownerIds);
    for (const [hash, entry] of this.entries) if (ids.has(ownerIdOf(entry.verified.owner))) this.entries.delete(hash);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** What arrives over the bus: session ids (ignored here) and our markers. */
  private evictMarked(ids: readonly string[]): void {
    const keys: string[] = [];
    const owners: string[] = [];
    for (const id of ids) {
      if (id.startsWith(API_KEY_MARKER)) keys.push(id.slice(API_KEY_MARKER.length));
      else if (id.startsWith(API_KEY_OWNER_MARKER)) owners.push(id.slice(API_KEY_OWNER_MARKER.length));
    }
    if (keys.length > 0) this.evictKeys(keys);
    if (owners.length > 0) this.evictOwners(owners);
  }
}
