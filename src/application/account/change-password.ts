import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail, revokingWrite } from "../shared/audited-write.js";
import { accountKey, beginCredentialCheck, checkCurrentPassword, contactsOf, credentialSucceeded } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { checkPasswordInput } from "../shared/field-rules.js";
import { loadActiveUser } from "../shared/load-active-user.js";
import { sendNotice } from "../shared/security-notices.js";

export class ChangePassword {
  constructor(
    private readonly deps: Pick<
      CoreDeps,
      | "uow"
      | "clock"
      | "ids"
      | "hasher"
      | "passwordPolicy"
      | "revoker"
      | "settings"
      | "loginFailures"
      | "failureAudits"
      | "notices"
      | "notifier"
      | "report"
      | "securityEvents"
    >,
  ) {}

  /** Returns how many other sessions were revoked. */
  async execute(input: { currentPassword: string; newPassword: string }, principal: Principal, ctx: RequestContext): Promise<number> {
    const violations = new Violations();
    if (input.currentPassword === "") violations.add("current_password", "is required");
    checkPasswordInput(input.currentPassword, "current_password", this.deps.settings, violations);
    if (input.newPassword === "") violations.add("new_password", "is required");
    violations.throwIfAny();

    const user = await loadActiveUser(this.deps, principal);
    const newPassword = this.deps.passwordPolicy.check(input.newPassword, "new_password", {
      username: user.username,
      email: user.email ?? undefined,
    });
    // The current password is required even with a valid token (ASVS 2.1.6), and its check
    // shares the account's failure limit with logins (security.md 39).
    const attempt = await beginCredentialCheck(this.deps, ctx, accountKey(user.id), { userId: user.id, type: "password.check_failed" });
    await checkCurrentPassword(this.deps, ctx, attempt, user, input.currentPassword, {
      field: "current_password",
      sessionId: principal.sessionId,
    });
    await credentialSucceeded(this.deps, attempt);
    const passwordHash = await this.deps.hasher.hash(newPassword);
    const now = this.deps.clock.now();
    const audit = auditTrail(this.deps, ctx, principal);
    const count = await revokingWrite(this.deps, async (tx, revoked) => {
      // Conditional: a concurrent change of the password (or deletion) wins, this one fails.
      const updated = await tx.users.updateIf(
        user.id,
        { authVersion: user.authVersion, canSignIn: true },
        { passwordHash, updatedAt: now, bumpAuthVersion: true },
      );
      if (!updated) throw new DomainError("INVALID_CREDENTIALS", "The current password is wrong");
      const ended = await tx.sessions.revokeAllForUser(user.id, "password_changed", now, principal.sessionId);
      revoked(ended);
      await audit.record(tx, "password.changed", { metadata: { revoked_sessions: ended.length } });
      return ended.length;
    });
    void sendNotice(this.deps, contactsOf(user), "password_changed", now);
    return count;
  }
}
