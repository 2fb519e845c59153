import { DomainError, Violations } from "../domain/errors.js";
import { normalizePassword } from "../domain/password-policy.js";
import { auditRecord } from "./audit.js";
import type { CoreDeps } from "./deps.js";
import { loadActiveUser } from "./get-me.js";
import type { RequestContext } from "./ports.js";
import type { Principal } from "./validate-token.js";

export class ChangePassword {
  constructor(
    private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "hasher" | "passwordPolicy" | "revoker" | "settings">,
  ) {}

  /** Returns how many other sessions were revoked. */
  async execute(
    input: { currentPassword: string; newPassword: string },
    principal: Principal,
    ctx: RequestContext,
  ): Promise<number> {
    const violations = new Violations();
    if (input.currentPassword === "") violations.add("current_password", "is required");
    if (input.currentPassword.length > this.deps.settings.maxPasswordLength * 4) {
      violations.add("current_password", "is too long");
    }
    if (input.newPassword === "") violations.add("new_password", "is required");
    violations.throwIfAny();

    const user = await loadActiveUser(this.deps, principal);
    const newPassword = this.deps.passwordPolicy.check(input.newPassword, "new_password", {
      username: user.username,
      email: user.email ?? undefined,
    });
    // The current password is required even with a valid token (ASVS 2.1.6): a stolen
    // session must not be enough to take the account over.
    const ok = user.passwordHash !== null && (await this.deps.hasher.verify(user.passwordHash, normalizePassword(input.currentPassword)));
    if (!ok) {
      await this.deps.uow.audit.record(
        auditRecord(this.deps, ctx, { userId: user.id, type: "password.changed", outcome: "failure", sessionId: principal.sessionId }),
      );
      throw new DomainError("INVALID_CREDENTIALS", "The current password is wrong", {
        fieldViolations: [{ field: "current_password", description: "does not match" }],
      });
    }
    const passwordHash = await this.deps.hasher.hash(newPassword);
    const now = this.deps.clock.now();
    const revoked = await this.deps.uow.transaction(async (tx) => {
      await tx.users.update(user.id, { passwordHash, updatedAt: now });
      const revoked = await tx.sessions.revokeAllForUser(user.id, "password_changed", now, principal.sessionId);
      await tx.audit.record(
        auditRecord(this.deps, ctx, {
          userId: user.id,
          type: "password.changed",
          outcome: "success",
          sessionId: principal.sessionId,
          metadata: { revoked_sessions: revoked.length },
        }),
      );
      return revoked;
    });
    await this.deps.revoker.announce(revoked);
    return revoked.length;
  }
}
