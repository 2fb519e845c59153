import { Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { UserPatch } from "../ports/users.js";
import { checkDeviceName } from "../sessions/open-session.js";
import { contactsOf } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { checkCode, checkCodeFormat, contactFrom, markVerified, otpInvalid, stillHolds, useCode } from "../shared/one-time-codes.js";
import { requireSecondFactor } from "../shared/second-factor.js";
import { sendNotice } from "../shared/security-notices.js";
import { removeUnprovenSignInMethods } from "../shared/sign-in-methods.js";
import { completeLogin, type LoginOutput } from "./complete-login.js";

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
  | "securityEvents"
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
    const unproven: Omit<UserPatch, "updatedAt"> | null = claim
      ? { passwordHash: null, mfaEnabled: false, totpSecretEnc: null, totpLastStep: null, bumpAuthVersion: true }
      : null;
    const out = await completeLogin(this.deps, ctx, {
      user,
      attempt,
      // The contact is still the account's and nothing about how it signs in changed since the checks.
      expected: { authVersion: user.authVersion, canSignIn: true, ...stillHolds(contact!) },
      patch: { ...markVerified(contact!), ...unproven },
      stale: otpInvalid,
      method: factor ? `otp+${factor}` : "otp",
      deviceName: input.deviceName,
      auditMetadata: { channel: contact!.channel },
      alsoWrite: claim
        ? async (tx, audit, revoked) => {
            await tx.recoveryCodes.deleteAll(user.id);
            const removed = await removeUnprovenSignInMethods(tx, user.id);
            const ended = await tx.sessions.revokeAllForUser(user.id, "contact_claimed", this.deps.clock.now());
            revoked(ended);
            await audit.record(tx, "account.claimed", {
              metadata: {
                channel: contact!.channel,
                revoked_sessions: ended.length,
                password_removed: user.passwordHash !== null,
                removed_identities: removed.identities,
                removed_passkeys: removed.passkeys,
              },
            });
          }
        : undefined,
    });
    if (claim) void sendNotice(this.deps, contactsOf(user), "account_claimed", this.deps.clock.now());
    return out;
  }
}
