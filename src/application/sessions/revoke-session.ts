import { DomainError, Violations } from "../../domain/errors.js";
import { auditRecord } from "../shared/audit.js";
import type { CoreDeps } from "../shared/deps.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "./validate-token.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class RevokeSession {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker">) {}

  async execute(input: { sessionId: string }, principal: Principal, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    if (input.sessionId === "") violations.add("session_id", "is required");
    else if (!UUID.test(input.sessionId)) violations.add("session_id", "must be a session id (UUID)");
    violations.throwIfAny();

    const session = await this.deps.uow.sessions.findById(input.sessionId);
    // Another user's session is indistinguishable from a missing one.
    if (!session || session.userId !== principal.userId || session.revokedAt !== null) {
      throw new DomainError("SESSION_NOT_FOUND", "No such session");
    }
    const now = this.deps.clock.now();
    const revoked = await this.deps.uow.transaction(async (tx) => {
      const changed = await tx.sessions.revoke(session.id, "user_revoked", now);
      if (changed) {
        await tx.audit.record(
          auditRecord(this.deps, ctx, {
            userId: principal.userId,
            type: "session.revoked",
            outcome: "success",
            sessionId: session.id,
          }),
        );
      }
      return changed;
    });
    if (revoked) await this.deps.revoker.announce([session.id]);
  }
}
