/** API keys and the services that own service keys. Ports owned by the application; adapters implement them. */
import { DomainError } from "../../domain/errors.js";

/** Who a key belongs to: a user (`ak_` key) or a service account (`sk_` key). */
export type ApiKeyOwner = { type: "user"; userId: string } | { type: "service"; serviceId: string };

export interface NewApiKey {
  id: string;
  owner: ApiKeyOwner;
  name: string;
  /** The key's first characters (prefix included), shown in listings. */
  start: string;
  /** SHA-256 of the whole key, hex: the only form of the secret that is stored. */
  keyHash: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
}

export interface ApiKeyRecord extends NewApiKey {
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A key found by its hash, with what ValidateApiKey needs of its owner, read in one query. */
export interface ApiKeyWithOwner {
  key: ApiKeyRecord;
  /** The owner may act: an active, undeleted user, or an active service. */
  ownerActive: boolean;
  /** The owning user's plan; null for a service. */
  ownerPlan: string | null;
}

export interface ApiKeyRepository {
  insert(key: NewApiKey): Promise<ApiKeyRecord>;
  findByHash(keyHash: string): Promise<ApiKeyWithOwner | null>;
  findById(id: string): Promise<ApiKeyRecord | null>;
  /** A user's keys, newest first (revoked ones included). */
  listForUser(userId: string): Promise<ApiKeyRecord[]>;
  /** Sets revokedAt if not yet set (conditional); false when it was revoked already. */
  revoke(id: string, now: Date): Promise<boolean>;
  /** Every unrevoked key of the user, revoked at once; the ids it revoked. */
  revokeAllForUser(userId: string, now: Date): Promise<string[]>;
  /** Records use, batched: sets lastUsedAt of each id to `now` (one statement). */
  touch(ids: readonly string[], now: Date): Promise<void>;
  /** Keys neither revoked nor expired at `now`. */
  countUsableForUser(userId: string, now: Date): Promise<number>;
}

export interface ServiceAccount {
  id: string;
  name: string;
  isActive: boolean;
  createdAt: Date;
}

export interface ServiceAccountRepository {
  /** Throws a DomainError VALIDATION_FAILED on a name already taken (unique index). */
  create(account: ServiceAccount): Promise<ServiceAccount>;
  findByName(name: string): Promise<ServiceAccount | null>;
  findById(id: string): Promise<ServiceAccount | null>;
}

/** What ServiceAccountRepository.create throws, on every adapter, for a name already taken. */
export function serviceNameTaken(): DomainError {
  return new DomainError("VALIDATION_FAILED", "A service with this name already exists", {
    fieldViolations: [{ field: "name", description: "is already taken" }],
  });
}
