import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import { auditTrail } from "../shared/audited-write.js";
import { accountKey, beginCredentialCheck, checkCurrentPassword, credentialSucceeded } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { checkPasswordInput } from "../shared/field-rules.js";
import { loadActiveUser } from "../shared/load-active-user.js";
import { checkSecondFactor } from "../shared/second-factor.js";
import type { Principal } from "./validate-token.js";

/**
 * Proves the caller again (the password, or a second-factor code) and marks the session as
 * freshly authenticated, so it may make sensitive changes for AUTH__REAUTH_MAX_AGE_MINUTES.
 * Counted like a login attempt: past the account's failure limit even the right value is refused.
 */
export class Reauthenticate {
  constructor(
    private readonly deps: Pick<
      CoreDeps,
      | "uow"
      | "clock"
      | "ids"
      | "hasher"
      | "totp"
      | "sealer"
      | "codeHasher"
      | "settings"
      | "loginFailures"
      | "failureAudits"
      | "notices"
      | "notifier"
      | "report"
      | "securityEvents"
    >,
  ) {}

  async execute(input: { password: string; code: string }, principal: Principal, ctx: RequestContext): Promise<{ freshUntil: Date }> {
    const violations = new Violations();
    if ((input.password === "") === (input.code.trim() === "")) violations.add("password", "send exactly one of password or code");
    checkPasswordInput(input.password, "password", this.deps.settings, violations);
    if (input.code.length > 64) violations.add("code", "is too long");
    violations.throwIfAny();
    const user = await loadActiveUser(this.deps, principal);
    if (input.code.trim() !== "" && !user.mfaEnabled) {
      throw new DomainError("MFA_STATE_CONFLICT", "The account has no second factor: send the password");
    }
    const attempt = await beginCredentialCheck(this.deps, ctx, accountKey(user.id), { userId: user.id, type: "login.failed" });
    let method: string;
    if (input.code.trim() !== "") {
      method = await checkSecondFactor(this.deps, ctx, attempt, user, input.code, principal.sessionId);
    } else {
      await checkCurrentPassword(this.deps, ctx, attempt, user, input.password, { field: "password", sessionId: principal.sessionId });
      method = "password";
    }
    await credentialSucceeded(this.deps, attempt);
    const now = this.deps.clock.now();
    await this.deps.uow.transaction(async (tx) => {
      if (!(await tx.sessions.markAuthenticated(principal.sessionId, now))) {
        throw new DomainError("SESSION_REVOKED", "The session has been revoked");
      }
      await auditTrail(this.deps, ctx, principal).record(tx, "session.reauthenticated", { metadata: { method } });
    });
    return { freshUntil: new Date(now.getTime() + this.deps.settings.reauthMaxAgeSeconds * 1000) };
  }
}
