import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail, revokingWrite } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { loadActiveUser } from "../shared/load-active-user.js";

/**
 * Soft delete. The row stays, and with it the username, email and phone: they remain taken,
 * so nobody can register them later and silently inherit the identity (or its OAuth links).
 */
export class DeleteMe {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker">) {}

  async execute(principal: Principal, ctx: RequestContext): Promise<void> {
    const user = await loadActiveUser(this.deps, principal);
    const now = this.deps.clock.now();
    const audit = auditTrail(this.deps, ctx, principal);
    await revokingWrite(this.deps, async (tx, revoked) => {
      // bumpAuthVersion: a login in flight for this account fails its conditional write.
      await tx.users.update(user.id, { isActive: false, deletedAt: now, updatedAt: now, bumpAuthVersion: true });
      const ended = await tx.sessions.revokeAllForUser(user.id, "account_deleted", now);
      revoked(ended);
      await audit.record(tx, "user.deleted", { metadata: { revoked_sessions: ended.length } });
    });
  }
}
