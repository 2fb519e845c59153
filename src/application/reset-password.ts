import { Violations } from "../domain/errors.js";
import { auditRecord } from "./audit.js";
import type { CoreDeps } from "./deps.js";
import { countIpAttempt } from "./limits.js";
import { accountFor, checkCodeFormat, codeOwner, consumeCode, contactFrom } from "./one-time-codes.js";
import type { RequestContext } from "./ports.js";

/** Forgot password: a RESET_PASSWORD code sets a new password and ends every session. */
export class ResetPassword {
  constructor(
    private readonly deps: Pick<
      CoreDeps,
      "uow" | "clock" | "ids" | "codeHasher" | "settings" | "ipAttempts" | "hasher" | "passwordPolicy" | "revoker" | "loginFailures"
    >,
  ) {}

  async execute(
    input: { email?: string | undefined; phone?: string | undefined; code: string; newPassword: string },
    ctx: RequestContext,
  ): Promise<void> {
    const violations = new Violations();
    const contact = contactFrom(input, violations);
    checkCodeFormat(input.code, "code", violations);
    if (input.newPassword === "") violations.add("new_password", "is required");
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);

    // The policy is checked before the code is used up, so a weak choice costs no new code.
    const account = await accountFor(this.deps, contact!);
    const password = this.deps.passwordPolicy.check(input.newPassword, "new_password", {
      username: account?.username,
      email: account?.email ?? undefined,
    });
    const record = await consumeCode(this.deps, contact!, "reset_password", input.code);
    const user = await codeOwner(this.deps, record.userId, contact!);
    const passwordHash = await this.deps.hasher.hash(password);
    const now = this.deps.clock.now();
    const revoked = await this.deps.uow.transaction(async (tx) => {
      await tx.users.update(user.id, {
        passwordHash,
        updatedAt: now,
        // The code proved the contact.
        ...(contact!.channel === "email" ? { emailVerified: true } : { phoneVerified: true }),
      });
      const revoked = await tx.sessions.revokeAllForUser(user.id, "password_reset", now);
      await tx.audit.record(
        auditRecord(this.deps, ctx, {
          userId: user.id,
          type: "password.reset",
          outcome: "success",
          metadata: { channel: contact!.channel, revoked_sessions: revoked.length },
        }),
      );
      return revoked;
    });
    await this.deps.revoker.announce(revoked);
    await this.deps.loginFailures.reset(`user:${user.id}`);
  }
}
