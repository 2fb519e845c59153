// AuditLog over Prisma: the user's own security trail (ListAuditEvents). Rows are append-only;
// metadata never holds secrets (the AuditEventInput contract), so it is stored as given.
import type { AuditLog, AuditRecord } from "../../application/ports/audit.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";
import { toAuditRecord } from "./mappers.js";

export class PrismaAuditLog implements AuditLog {
  /** The root client or an interactive transaction's client: both satisfy this type. */
  constructor(private readonly db: Prisma.TransactionClient) {}

  async record(event: AuditRecord): Promise<void> {
    await withPrismaErrors(() =>
      this.db.auditEvent.create({
        data: {
          id: event.id,
          userId: event.userId,
          type: event.type,
          outcome: event.outcome,
          ipAddress: event.ipAddress,
          userAgent: event.userAgent,
          requestId: event.requestId,
          sessionId: event.sessionId,
          metadata: event.metadata,
          createdAt: event.createdAt,
        },
      }),
    );
  }

  async listForUser(userId: string, options: { limit: number; before?: { createdAt: Date; id: string } }): Promise<AuditRecord[]> {
    const { limit, before } = options;
    // Keyset pagination on (createdAt, id): stable while new events arrive, unlike OFFSET,
    // and `id` orders events of the same millisecond. The cursor row itself is excluded.
    const where: Prisma.AuditEventWhereInput = before
      ? {
          userId,
          OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }],
        }
      : { userId };
    const rows = await withPrismaErrors(() =>
      this.db.auditEvent.findMany({
        where,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: Math.max(0, Math.trunc(limit)),
      }),
    );
    return rows.map(toAuditRecord);
  }
}
