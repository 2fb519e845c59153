import { auditRecord } from "../shared/audit.js";
import type { CoreDeps } from "../shared/deps.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "./validate-token.js";

export class RevokeAllSessions {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker">) {}

  async execute(input: { keepCurrent: boolean }, principal: Principal, ctx: RequestContext): Promise<number> {
    const now = this.deps.clock.now();
    const except = input.keepCurrent ? principal.sessionId : undefined;
    const ids = await this.deps.uow.transaction(async (tx) => {
      const ids = await tx.sessions.revokeAllForUser(principal.userId, "revoke_all", now, except);
      await tx.audit.record(
        auditRecord(this.deps, ctx, {
          userId: principal.userId,
          type: "sessions.revoked_all",
          outcome: "success",
          sessionId: principal.sessionId,
          metadata: { count: ids.length, keep_current: input.keepCurrent },
        }),
      );
      return ids;
    });
    await this.deps.revoker.announce(ids);
    return ids.length;
  }
}
