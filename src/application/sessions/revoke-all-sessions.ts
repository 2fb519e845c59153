import type { RequestContext } from "../ports/time.js";
import { auditTrail, revokingWrite } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import type { Principal } from "./validate-token.js";

export class RevokeAllSessions {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker">) {}

  async execute(input: { keepCurrent: boolean }, principal: Principal, ctx: RequestContext): Promise<number> {
    const now = this.deps.clock.now();
    const except = input.keepCurrent ? principal.sessionId : undefined;
    const audit = auditTrail(this.deps, ctx, principal);
    return revokingWrite(this.deps, async (tx, revoked) => {
      const ids = await tx.sessions.revokeAllForUser(principal.userId, "revoke_all", now, except);
      revoked(ids);
      await audit.record(tx, "sessions.revoked_all", { metadata: { count: ids.length, keep_current: input.keepCurrent } });
      return ids.length;
    });
  }
}
