// ApiKeyRepository over Prisma. findByHash is the hot path of ValidateApiKey: one statement
// (the key joined to its owner), never a key read followed by an owner read. Revocations are
// conditional writes (`... AND revoked_at IS NULL`) so each caller reports only what it revoked.
import type { ApiKeyRecord, ApiKeyRepository, ApiKeyWithOwner, NewApiKey } from "../../application/ports/api-keys.js";
import type { ApiKey as ApiKeyRow, Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { toApiKey } from "./mappers.js";

/** One row of the findByHash join: the key's columns and what ValidateApiKey needs of its owner. */
type KeyWithOwnerRow = ApiKeyRow & { ownerActive: boolean | null; ownerPlan: string | null };

export class PrismaApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Prisma.TransactionClient) {}

  async insert(key: NewApiKey): Promise<ApiKeyRecord> {
    const row = await withPrismaErrors(() =>
      this.db.apiKey.create({
        data: {
          id: key.id,
          userId: key.owner.type === "user" ? key.owner.userId : null,
          serviceId: key.owner.type === "service" ? key.owner.serviceId : null,
          name: key.name,
          start: key.start,
          keyHash: key.keyHash,
          scopes: [...key.scopes],
          createdAt: key.createdAt,
          expiresAt: key.expiresAt,
        },
      }),
    );
    return toApiKey(row);
  }

  async findByHash(keyHash: string): Promise<ApiKeyWithOwner | null> {
    // Served by the unique index on key_hash; the owner comes from its primary key in the same
    // statement. A user may act while active and not deleted, a service while active.
    const rows = await withPrismaErrors(
      () =>
        this.db.$queryRaw<KeyWithOwnerRow[]>`
        SELECT k.id::text AS "id", k.user_id::text AS "userId", k.service_id::text AS "serviceId",
               k.name, k.start, k.key_hash AS "keyHash", k.scopes, k.created_at AS "createdAt",
               k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt",
               CASE WHEN k.user_id IS NOT NULL THEN (u.is_active AND u.deleted_at IS NULL) ELSE s.is_active END AS "ownerActive",
               u.plan AS "ownerPlan"
          FROM api_keys k
          LEFT JOIN users u ON u.id = k.user_id
          LEFT JOIN service_accounts s ON s.id = k.service_id
         WHERE k.key_hash = ${keyHash}`,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      key: toApiKey({
        ...row,
        createdAt: asDate(row.createdAt),
        expiresAt: asDateOrNull(row.expiresAt),
        lastUsedAt: asDateOrNull(row.lastUsedAt),
        revokedAt: asDateOrNull(row.revokedAt),
      }),
      ownerActive: row.ownerActive === true,
      ownerPlan: row.userId !== null ? row.ownerPlan : null,
    };
  }

  async findById(id: string): Promise<ApiKeyRecord | null> {
    const row = await withPrismaErrors(() => this.db.apiKey.findUnique({ where: { id } }));
    return row === null ? null : toApiKey(row);
  }

  async listForUser(userId: string): Promise<ApiKeyRecord[]> {
    const rows = await withPrismaErrors(() => this.db.apiKey.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }));
    return rows.map(toApiKey);
  }

  async revoke(id: string, now: Date): Promise<boolean> {
    const { count } = await withPrismaErrors(() => this.db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } }));
    return count === 1;
  }

  async revokeAllForUser(userId: string, now: Date): Promise<string[]> {
    // One statement that updates and reports the same rows (see PrismaSessionRepository).
    const rows = await withPrismaErrors(
      () =>
        this.db.$queryRaw<{ id: string }[]>`
        UPDATE api_keys SET revoked_at = ${now}
         WHERE user_id = ${userId}::uuid AND revoked_at IS NULL
        RETURNING id::text AS id`,
    );
    return rows.map((r) => r.id);
  }

  async touch(ids: readonly string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await withPrismaErrors(() => this.db.apiKey.updateMany({ where: { id: { in: [...ids] } }, data: { lastUsedAt: now } }));
  }

  async countUsableForUser(userId: string, now: Date): Promise<number> {
    return withPrismaErrors(() => this.db.apiKey.count({ where: { userId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } }));
  }
}

/** Raw queries hand timestamps back as Dates on both drivers; a string is parsed to be safe. */
function asDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function asDateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : asDate(value);
}
