import { auditRecord } from "../shared/audit.js";
import type { CoreDeps } from "../shared/deps.js";
import { loadActiveUser } from "../shared/load-active-user.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";

/**
 * Soft delete. The row stays, and with it the username, email and phone: they remain taken,
 * so nobody can register them later and silently inherit the identity (or its OAuth links).
 */
export class DeleteMe {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker">) {}

  async execute(principal: Principal, ctx: RequestContext): Promise<void> {
    const user = await loadActiveUser(this.deps, principal);
    const now = this.deps.clock.now();
    const revoked = await this.deps.uow.transaction(async (tx) => {
      await tx.users.update(user.id, { isActive: false, deletedAt: now, updatedAt: now, bumpAuthVersion: true });
      const revoked = await tx.sessions.revokeAllForUser(user.id, "account_deleted", now);
      await tx.audit.record(
        auditRecord(this.deps, ctx, {
          userId: user.id,
          type: "user.deleted",
          outcome: "success",
          sessionId: principal.sessionId,
          metadata: { revoked_sessions: revoked.length },
        }),
      );
      return revoked;
    });
    await this.deps.revoker.announce(revoked);
  }
}
