import { Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { UserPatch } from "../ports/users.js";
import { auditTrail, revokingWrite } from "../shared/audited-write.js";
import { contactsOf, credentialSucceeded } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { checkCode, checkCodeFormat, contactFrom, markVerified, otpInvalid, stillHolds, useCode } from "../shared/one-time-codes.js";
import { sendNotice } from "../shared/security-notices.js";
import { removeUnprovenSignInMethods } from "../shared/sign-in-methods.js";

/**
 * Forgot password: a RESET_PASSWORD code sets a new password and ends every session. When it
 * is the first proof of any of the account's contacts, the second factor goes too: it was set
 * by someone who had proven nothing (pre-account hijacking).
 */
export class ResetPassword {
  constructor(
    private readonly deps: Pick<
      CoreDeps,
      | "uow"
      | "clock"
      | "ids"
      | "codeHasher"
      | "settings"
      | "ipAttempts"
      | "hasher"
      | "passwordPolicy"
      | "revoker"
      | "loginFailures"
      | "failureAudits"
      | "notices"
      | "notifier"
      | "report"
      | "securityEvents"
    >,
  ) {}

  async execute(input: { email?: string | undefined; phone?: string | undefined; code: string; newPassword: string }, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    const contact = contactFrom(input, violations);
    checkCodeFormat(input.code, "code", violations);
    if (input.newPassword === "") violations.add("new_password", "is required");
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);

    // The code first: a wrong code answers OTP_INVALID whatever new_password is, so the policy
    // (which compares with the username and email) tells a stranger nothing (issue 7, item 7).
    const { attempt, record, user } = await checkCode(this.deps, ctx, contact!, "reset_password", input.code);
    // Checked before the code is used up, so a weak choice costs no new code.
    const password = this.deps.passwordPolicy.check(input.newPassword, "new_password", {
      username: user.username,
      email: user.email ?? undefined,
    });
    await useCode(this.deps, record);
    await credentialSucceeded(this.deps, attempt);
    const passwordHash = await this.deps.hasher.hash(password);
    const now = this.deps.clock.now();
    const claim = !user.emailVerified && !user.phoneVerified;
    const patch: UserPatch = { passwordHash, updatedAt: now, bumpAuthVersion: true, ...markVerified(contact!) };
    if (claim) Object.assign(patch, { mfaEnabled: false, totpSecretEnc: null, totpLastStep: null });
    const audit = auditTrail(this.deps, ctx, { userId: user.id });
    await revokingWrite(this.deps, async (tx, revoked) => {
      const updated = await tx.users.updateIf(user.id, { canSignIn: true, ...stillHolds(contact!) }, patch);
      if (!updated) throw otpInvalid();
      const removed = claim ? await removeUnprovenSignInMethods(tx, user.id) : null;
      if (claim) await tx.recoveryCodes.deleteAll(user.id);
      const ended = await tx.sessions.revokeAllForUser(user.id, claim ? "contact_claimed" : "password_reset", now);
      revoked(ended);
      const metadata = {
        channel: contact!.channel,
        revoked_sessions: ended.length,
        ...(removed ? { removed_identities: removed.identities, removed_passkeys: removed.passkeys } : {}),
      };
      await audit.record(tx, "password.reset", { metadata });
      if (claim) await audit.record(tx, "account.claimed", { metadata });
    });
    void sendNotice(this.deps, contactsOf(user), claim ? "account_claimed" : "password_changed", now);
  }
}
