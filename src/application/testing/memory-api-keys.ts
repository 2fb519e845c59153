// The ApiKeyRepository and ServiceAccountRepository over in-memory tables, as the Prisma ones
// behave: the unique indexes (key_hash, service name), the foreign keys to the owner, and the
// conditional revocation decided in one synchronous step.
import {
  type ApiKeyRecord,
  type ApiKeyRepository,
  type NewApiKey,
  type ServiceAccount,
  type ServiceAccountRepository,
  serviceNameTaken,
} from "../ports/api-keys.js";
import { constraintViolation, detached, newestFirst, type Run, type Tables } from "./memory-tables.js";

/** A key is usable at `now` while neither revoked nor expired. */
function usable(key: ApiKeyRecord, now: Date): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > now.getTime());
}

function ownerOf(t: Tables, key: ApiKeyRecord): { ownerActive: boolean; ownerPlan: string | null } {
  if (key.owner.type === "user") {
    const user = t.users.get(key.owner.userId);
    return { ownerActive: user?.isActive === true && user.deletedAt === null, ownerPlan: user?.plan ?? null };
  }
  const service = t.serviceAccounts.get(key.owner.serviceId);
  return { ownerActive: service?.isActive ?? false, ownerPlan: null };
}

export function memoryApiKeyRepository(run: Run): ApiKeyRepository {
  return {
    insert: (k: NewApiKey) =>
      run((t) => {
        if (t.apiKeys.has(k.id)) throw constraintViolation("unique", "api_keys_pkey");
        for (const other of t.apiKeys.values()) if (other.keyHash === k.keyHash) throw constraintViolation("unique", "api_keys_key_hash_key");
        if (k.owner.type === "user" && !t.users.has(k.owner.userId)) throw constraintViolation("foreign key", "api_keys_user_id_fkey");
        if (k.owner.type === "service" && !t.serviceAccounts.has(k.owner.serviceId)) {
          throw constraintViolation("foreign key", "api_keys_service_id_fkey");
        }
        const row: ApiKeyRecord = { ...detached(k), lastUsedAt: null, revokedAt: null };
        t.apiKeys.set(row.id, row);
        return detached(row);
      }),
    findByHash: (keyHash) =>
      run((t) => {
        for (const key of t.apiKeys.values()) if (key.keyHash === keyHash) return { key: detached(key), ...ownerOf(t, key) };
        return null;
      }),
    findById: (id) => run((t) => detached(t.apiKeys.get(id) ?? null)),
    listForUser: (userId) =>
      run((t) =>
        [...t.apiKeys.values()]
          .filter((k) => k.owner.type === "user" && k.owner.userId === userId)
          .sort(newestFirst)
          .map(detached),
      ),
    revoke: (id, now) =>
      run((t) => {
        const key = t.apiKeys.get(id);
        if (!key || key.revokedAt !== null) return false;
        t.apiKeys.set(id, { ...key, revokedAt: new Date(now) });
        return true;
      }),
    revokeAllForUser: (userId, now) =>
      run((t) => {
        const revoked: string[] = [];
        for (const key of [...t.apiKeys.values()]) {
          if (key.owner.type !== "user" || key.owner.userId !== userId || key.revokedAt !== null) continue;
          t.apiKeys.set(key.id, { ...key, revokedAt: new Date(now) });
          revoked.push(key.id);
        }
        return revoked;
      }),
    touch: (ids, now) =>
      run((t) => {
        for (const id of ids) {
          const key = t.apiKeys.get(id);
          if (key) t.apiKeys.set(id, { ...key, lastUsedAt: new Date(now) });
        }
      }),
    countUsableForUser: (userId, now) =>
      run((t) => [...t.apiKeys.values()].filter((k) => k.owner.type === "user" && k.owner.userId === userId && usable(k, now)).length),
  };
}

export function memoryServiceAccountRepository(run: Run): ServiceAccountRepository {
  return {
    create: (a: ServiceAccount) =>
      run((t) => {
        if (t.serviceAccounts.has(a.id)) throw constraintViolation("unique", "service_accounts_pkey");
        for (const other of t.serviceAccounts.values()) if (other.name === a.name) throw serviceNameTaken();
        const row = detached(a);
        t.serviceAccounts.set(row.id, row);
        return detached(row);
      }),
    findByName: (name) =>
      run((t) => {
        for (const a of t.serviceAccounts.values()) if (a.name === name) return detached(a);
        return null;
      }),
    findById: (id) => run((t) => detached(t.serviceAccounts.get(id) ?? null)),
  };
}
