import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail } from "../shared/audited-write.js";
import { accountKey, beginCredentialCheck, checkCurrentPassword, contactsOf, credentialSucceeded } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { checkPasswordInput } from "../shared/field-rules.js";
import { loadActiveUser } from "../shared/load-active-user.js";
import { checkSecondFactor } from "../shared/second-factor.js";
import { sendNotice } from "../shared/security-notices.js";

/**
 * Turns the second factor off, proven by a current code (or recovery code) or the password,
 * inside the account's failure limit. Needs a fresh authentication (declared in the contract).
 */
export class DisableTotp {
  constructor(
    private readonly deps: Pick<
      CoreDeps,
      | "uow"
      | "clock"
      | "ids"
      | "totp"
      | "sealer"
      | "codeHasher"
      | "hasher"
      | "settings"
      | "loginFailures"
      | "failureAudits"
      | "notices"
      | "notifier"
      | "report"
      | "securityEvents"
    >,
  ) {}

  async execute(input: { code: string; password: string }, principal: Principal, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    if (input.code.trim() === "" && input.password === "") violations.add("code", "send a current code or the password");
    checkPasswordInput(input.password, "password", this.deps.settings, violations);
    violations.throwIfAny();
    const user = await loadActiveUser(this.deps, principal);
    if (!user.mfaEnabled) throw new DomainError("MFA_STATE_CONFLICT", "The second factor is not on");
    const attempt = await beginCredentialCheck(this.deps, ctx, accountKey(user.id), { userId: user.id, type: "mfa.failed" });
    if (input.code.trim() !== "") {
      await checkSecondFactor(this.deps, ctx, attempt, user, input.code, principal.sessionId);
    } else {
      await checkCurrentPassword(this.deps, ctx, attempt, user, input.password, { field: "password", sessionId: principal.sessionId });
    }
    await credentialSucceeded(this.deps, attempt);
    const now = this.deps.clock.now();
    await this.deps.uow.transaction(async (tx) => {
      const updated = await tx.users.updateIf(
        user.id,
        { authVersion: user.authVersion, canSignIn: true },
        { mfaEnabled: false, totpSecretEnc: null, totpLastStep: null, updatedAt: now, bumpAuthVersion: true },
      );
      if (!updated) throw new DomainError("MFA_STATE_CONFLICT", "The account changed meanwhile; try again");
      await tx.recoveryCodes.deleteAll(user.id);
      await auditTrail(this.deps, ctx, principal).record(tx, "mfa.disabled");
    });
    void sendNotice(this.deps, contactsOf(user), "mfa_disabled", now);
  }
}
