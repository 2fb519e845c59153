import type { RequestContext } from "../ports/time.js";
import { revokingWrite } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { type AdminActor, adminAudit, loadTargetUser } from "./actor.js";

/** Revokes every session of the user; every instance learns of it through the revocation fan-out. */
export class RevokeUserSessions {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker">) {}

  async execute(input: { userId: string }, actor: AdminActor, ctx: RequestContext): Promise<number> {
    const user = await loadTargetUser(this.deps, input.userId);
    const now = this.deps.clock.now();
    const audit = await adminAudit(this.deps, ctx, user, actor);
    return revokingWrite(this.deps, async (tx, revoked) => {
      const ended = await tx.sessions.revokeAllForUser(user.id, "admin", now);
      revoked(ended);
      await audit.trail.record(tx, "admin.sessions_revoked", { metadata: { actor: audit.actor, revoked_sessions: ended.length } });
      return ended.length;
    });
  }
}
