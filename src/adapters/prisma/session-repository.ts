// SessionRepository over Prisma. Every state change is a conditional write decided by the
// database (`... AND revoked_at IS NULL`), never read-then-write in JavaScript, so concurrent
// revocations (logout racing "sign out everywhere", two instances) each report only the
// sessions they actually revoked and a revocation is never overwritten.

import type { NewSession, SessionRepository, SessionStatus } from "../../application/ports/sessions.js";
import type { RevokeReason, Session } from "../../domain/session.js";
import { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { toSession } from "./mappers.js";

/** The part of a `pg` Pool the status read uses (kept structural: no `pg` import here). */
export interface SqlPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * A named (prepared once per connection) statement: ValidateToken and every bearer call read
 * these two columns whenever the status cache cannot answer, so this skips Prisma's generic
 * query path (building, compiling and mapping a findUnique) for the driver's own.
 */
const SESSION_STATUS = { name: "auth_session_status_v1", text: "SELECT expires_at, revoked_at FROM sessions WHERE id = $1::uuid" };

export class PrismaSessionRepository implements SessionRepository {
  /**
   * The root client or an interactive transaction's client: both satisfy this type. `pool`: the
   * PostgreSQL pool under the root client, for the status read (never given inside a transaction).
   */
  constructor(
    private readonly db: Prisma.TransactionClient,
    private readonly pool: SqlPool | null = null,
  ) {}

  async create(session: NewSession): Promise<Session> {
    const row = await withPrismaErrors(() =>
      this.db.session.create({
        data: {
          id: session.id,
          userId: session.userId,
          deviceName: session.deviceName,
          userAgent: session.userAgent,
          ipAddress: session.ipAddress,
          authMethod: session.authMethod,
          createdAt: session.createdAt,
          // A new session has been "used" at the moment it was created.
          lastUsedAt: session.createdAt,
          // Opening a session is an authentication.
          authenticatedAt: session.createdAt,
          expiresAt: session.expiresAt,
        },
      }),
    );
    return toSession(row);
  }

  async findById(id: string): Promise<Session | null> {
    const row = await withPrismaErrors(() => this.db.session.findUnique({ where: { id } }));
    return row === null ? null : toSession(row);
  }

  async statusOf(id: string): Promise<SessionStatus | null> {
    const pool = this.pool;
    if (pool) {
      // pg parses timestamptz into a Date, as Prisma does.
      const { rows } = await withPrismaErrors(() => pool.query({ ...SESSION_STATUS, values: [id] }));
      const row = rows[0] as { expires_at: Date; revoked_at: Date | null } | undefined;
      return row ? { expiresAt: row.expires_at, revokedAt: row.revoked_at } : null;
    }
    return withPrismaErrors(() => this.db.session.findUnique({ where: { id }, select: { expiresAt: true, revokedAt: true } }));
  }

  async listLive(userId: string, now: Date, page: { limit: number; before?: { createdAt: Date; id: string } }): Promise<Session[]> {
    // Served by the (user_id, revoked_at) index. Keyset paging on (createdAt, id), like the
    // audit log: `id` breaks ties between sessions created in the same millisecond so the
    // order is stable, and the cursor row itself is excluded.
    const { before } = page;
    const rows = await withPrismaErrors(() =>
      this.db.session.findMany({
        where: {
          userId,
          revokedAt: null,
          expiresAt: { gt: now },
          ...(before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] } : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: Math.max(0, Math.trunc(page.limit)),
      }),
    );
    return rows.map(toSession);
  }

  async revoke(id: string, reason: RevokeReason, now: Date): Promise<boolean> {
    const { count } = await withPrismaErrors(() =>
      this.db.session.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: now, revokedReason: reason },
      }),
    );
    return count === 1;
  }

  async revokeAllForUser(userId: string, reason: RevokeReason, now: Date, exceptId?: string): Promise<string[]> {
    // One statement that updates and reports the same rows: a select followed by an update
    // could report a session another request revoked in between. Under READ COMMITTED a row
    // being revoked concurrently is locked, re-checked after the lock, and skipped here if
    // the other revocation won. `now` is passed as a Date like Prisma's own queries pass it,
    // so the stored instant reads back identically through the ORM.
    const except = exceptId === undefined ? Prisma.empty : Prisma.sql`AND id <> ${exceptId}::uuid`;
    const rows = await withPrismaErrors(
      () =>
        this.db.$queryRaw<{ id: string }[]>`
        UPDATE sessions
           SET revoked_at = ${now}, revoked_reason = ${reason}
         WHERE user_id = ${userId}::uuid AND revoked_at IS NULL ${except}
        RETURNING id::text AS id`,
    );
    return rows.map((r) => r.id);
  }

  async touch(id: string, now: Date): Promise<void> {
    // updateMany, not update: touching a session that was purged meanwhile is not an error
    // worth failing a request for.
    await withPrismaErrors(() => this.db.session.updateMany({ where: { id }, data: { lastUsedAt: now } }));
  }

  async markAuthenticated(id: string, now: Date): Promise<boolean> {
    const { count } = await withPrismaErrors(() =>
      this.db.session.updateMany({
        where: { id, revokedAt: null, expiresAt: { gt: now } },
        data: { authenticatedAt: now, lastUsedAt: now },
      }),
    );
    return count === 1;
  }
}
