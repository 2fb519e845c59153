import { DomainError, Violations } from "../../domain/errors.js";
import { auditRecord } from "../shared/audit.js";
import { contactsOf, credentialSucceeded } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { checkDeviceName, openSession, tokensForNewSession } from "../sessions/open-session.js";
import { countIpAttempt } from "../shared/limits.js";
import type { LoginOutput } from "./login.js";
import { checkCode, checkCodeFormat, contactFrom, markVerified, stillHolds, useCode } from "../shared/one-time-codes.js";
import type { RequestContext } from "../ports/time.js";
import type { UserPatch } from "../ports/users.js";
import { requireSecondFactor } from "../shared/second-factor.js";
import { sendNotice } from "../shared/security-notices.js";

type Deps = Pick<
  CoreDeps,
  | "uow"
  | "clock"
  | "ids"
  | "random"
  | "tokens"
  | "codeHasher"
  | "settings"
  | "ipAttempts"
  | "loginFailures"
  | "failureAudits"
  | "notices"
  | "notifier"
  | "report"
  | "revoker"
  | "totp"
  | "sealer"
>;

/**
 * Passwordless login: the code proves the contact, and so verifies it.
 *
 * The first proof of any contact of the account is a claim (pre-account hijacking, USENIX
 * Security 2022): someone may have registered with this person's address before they did. The
 * password, second factor and sessions set up by whoever had proven nothing are removed, so the
 * squatter keeps no way in; the owner sets a password with ChangePassword/ResetPassword later.
 */
export class LoginWithOtp {
  constructor(private readonly deps: Deps) {}

  async execute(
    input: { email?: string | undefined; phone?: string | undefined; code: string; mfaCode: string; deviceName: string },
    ctx: RequestContext,
  ): Promise<LoginOutput> {
    const violations = new Violations();
    const contact = contactFrom(input, violations);
    checkCodeFormat(input.code, "code", violations);
    checkDeviceName(input.deviceName, violations);
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);

    const { attempt, record, user } = await checkCode(this.deps, ctx, contact!, "login", input.code);
    const claim = !user.emailVerified && !user.phoneVerified;
    // A claim drops the unproven second factor, so it is not asked for.
    const factor = claim ? null : await requireSecondFactor(this.deps, ctx, attempt, user, input.mfaCode, "mfa_code");
    await useCode(this.deps, record);
    await credentialSucceeded(this.deps, attempt);
    const method = factor ? `otp+${factor}` : "otp";
    const now = this.deps.clock.now();
    const patch: UserPatch = { lastLoginAt: now, updatedAt: now, ...markVerified(contact!) };
    if (claim) {
      Object.assign(patch, { passwordHash: null, mfaEnabled: false, totpSecretEnc: null, totpLastStep: null, bumpAuthVersion: true });
    }
    const { updated, opened, revoked } = await this.deps.uow.transaction(async (tx) => {
      // Conditional: the contact is still the account's and nothing about how it signs in
      // changed since the checks (security.md 40, 41).
      const updated = await tx.users.updateIf(user.id, { authVersion: user.authVersion, canSignIn: true, ...stillHolds(contact!) }, patch);
      if (!updated) throw new DomainError("OTP_INVALID", "The code is wrong or no longer valid");
      let revoked: string[] = [];
      if (claim) {
        await tx.recoveryCodes.deleteAll(user.id);
        revoked = await tx.sessions.revokeAllForUser(user.id, "contact_claimed", now);
        await tx.audit.record(
          auditRecord(this.deps, ctx, {
            userId: user.id,
            type: "account.claimed",
            outcome: "success",
            metadata: { channel: contact!.channel, revoked_sessions: revoked.length, password_removed: user.passwordHash !== null },
          }),
        );
      }
      const opened = await openSession(this.deps, tx, updated, ctx, { authMethod: method, deviceName: input.deviceName });
      await tx.audit.record(
        auditRecord(this.deps, ctx, {
          userId: user.id,
          type: "login.succeeded",
          outcome: "success",
          sessionId: opened.session.id,
          metadata: { method, channel: contact!.channel },
        }),
      );
      return { updated, opened, revoked };
    });
    if (claim) {
      await this.deps.revoker.announce(revoked);
      void sendNotice(this.deps, contactsOf(user), "account_claimed", now);
    }
    return { user: updated, session: opened.session, tokens: await tokensForNewSession(this.deps, updated, opened) };
  }
}
