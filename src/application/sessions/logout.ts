import { DomainError } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import { auditTrail, revokingWrite } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { hashRefreshToken, looksLikeRefreshToken } from "./refresh-token-codec.js";
import type { Principal } from "./validate-token.js";

/**
 * Revokes the session of the bearer token, or the one a refresh token belongs to. Idempotent:
 * an unknown or already revoked session answers OK, which also tells a caller nothing about
 * tokens it does not hold.
 */
export class Logout {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "revoker">) {}

  async execute(input: { refreshToken: string }, principal: Principal | null, ctx: RequestContext): Promise<void> {
    const raw = input.refreshToken.trim();
    let sessionId: string | null = principal?.sessionId ?? null;
    if (sessionId === null) {
      if (raw === "") {
        throw new DomainError("AUTHENTICATION_REQUIRED", "Send a bearer access token or a refresh token");
      }
      if (!looksLikeRefreshToken(raw)) return;
      const record = await this.deps.uow.refreshTokens.findByHash(hashRefreshToken(raw));
      if (!record) return;
      sessionId = record.sessionId;
    }
    const session = await this.deps.uow.sessions.findById(sessionId);
    if (!session) return;
    const now = this.deps.clock.now();
    const audit = auditTrail(this.deps, ctx, { userId: session.userId, sessionId: session.id });
    await revokingWrite(this.deps, async (tx, revoked) => {
      if (!(await tx.sessions.revoke(session.id, "logout", now))) return;
      revoked([session.id]);
      await audit.record(tx, "logout");
    });
  }
}
