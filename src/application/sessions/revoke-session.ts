import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import { auditTrail, revokingWrite } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { isUuid } from "../shared/field-rules.js";
import type { Principal } from "./validate-token.js";

export class RevokeSession {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker">) {}

  async execute(input: { sessionId: string }, principal: Principal, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    if (input.sessionId === "") violations.add("session_id", "is required");
    else if (!isUuid(input.sessionId)) violations.add("session_id", "must be a session id (UUID)");
    violations.throwIfAny();

    const session = await this.deps.uow.sessions.findById(input.sessionId);
    // Another user's session is indistinguishable from a missing one.
    if (!session || session.userId !== principal.userId || session.revokedAt !== null) {
      throw new DomainError("SESSION_NOT_FOUND", "No such session");
    }
    const now = this.deps.clock.now();
    const audit = auditTrail(this.deps, ctx, { userId: principal.userId, sessionId: session.id });
    await revokingWrite(this.deps, async (tx, revoked) => {
      if (!(await tx.sessions.revoke(session.id, "user_revoked", now))) return;
      revoked([session.id]);
      await audit.record(tx, "session.revoked");
    });
  }
}
