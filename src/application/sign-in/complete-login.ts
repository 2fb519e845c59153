import { DomainError } from "../../domain/errors.js";
import type { Session } from "../../domain/session.js";
import { canSignIn, type User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import type { Repositories } from "../ports/unit-of-work.js";
import type { UserExpectation, UserPatch } from "../ports/users.js";
import { type IssuedTokens, openSession, tokensForNewSession } from "../sessions/open-session.js";
import { type AuditTrail, auditTrail, revokingWrite } from "../shared/audited-write.js";
import { type CredentialAttempt, credentialSucceeded } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";

export interface LoginOutput {
  user: User;
  session: Session;
  tokens: IssuedTokens;
}

export interface CompletedCheck {
  user: User;
  /** The counted attempt whose checks all passed: its count is cleared. */
  attempt: CredentialAttempt;
  /** What the checks read and the write needs to still hold (security.md 40, 41). */
  expected: UserExpectation;
  /** What the login writes to the user beyond lastLoginAt (a rehash, a verified contact...). */
  patch: Omit<UserPatch, "lastLoginAt" | "updatedAt">;
  /** The answer when `expected` no longer holds (the same as a failed check of this kind). */
  stale: () => DomainError;
  /** `password`, `otp+totp`, ... : the session's auth_method and the audit's method. */
  method: string;
  deviceName: string;
  auditMetadata: Record<string, string | number | boolean>;
  /** Extra writes of this kind of login, in the same transaction, before the session opens. */
  alsoWrite?: (tx: Repositories, audit: AuditTrail, revoked: (sessionIds: readonly string[]) => void) => Promise<void>;
}

type Deps = Pick<CoreDeps, "uow" | "clock" | "ids" | "random" | "tokens" | "settings" | "loginFailures" | "revoker">;

/**
 * The one end of every login (password, one-time code, and next OAuth): in one transaction it
 * writes the user only while what the checks read still holds (a password change, reset, deletion or contact change committed meanwhile makes the
 * login fail, so a login in flight never outlives it), runs the kind's extra writes, opens the
 * session and audits `login.succeeded`; announces any sessions it revoked once committed, clears
 * the account's failure count, and returns the token pair.
 */
export async function completeLogin(deps: Deps, ctx: RequestContext, done: CompletedCheck): Promise<LoginOutput> {
  const now = deps.clock.now();
  const audit = auditTrail(deps, ctx, { userId: done.user.id });
  const { updated, opened } = await revokingWrite(deps, async (tx, revoked) => {
    const updated = await tx.users.updateIf(done.user.id, done.expected, { ...done.patch, lastLoginAt: now, updatedAt: now });
    if (!updated) throw done.stale();
    await done.alsoWrite?.(tx, audit, revoked);
    const opened = await openSession(deps, tx, updated, ctx, { authMethod: done.method, deviceName: done.deviceName });
    await audit.record(tx, "login.succeeded", { sessionId: opened.session.id, metadata: { method: done.method, ...done.auditMetadata } });
    return { updated, opened };
  });
  // Only a login that went through clears the count: one that lost the race to a credential
  // change stays counted like any other failed attempt.
  await credentialSucceeded(deps, done.attempt);
  return { user: updated, session: opened.session, tokens: await tokensForNewSession(deps, updated, opened) };
}

/**
 * Once a credential checked out (never before: it would tell a stranger about the account): a
 * disabled or deleted account is audited and refused (ACCOUNT_DISABLED), and with
 * AUTH__REQUIRE_VERIFIED_CONTACT an account with no verified contact is CONTACT_NOT_VERIFIED.
 */
export async function requireAccountCanSignIn(
  deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "settings">,
  ctx: RequestContext,
  user: User,
  method: string,
): Promise<void> {
  if (!canSignIn(user)) {
    await auditTrail(deps, ctx, { userId: user.id }).record(deps.uow, "login.failed", { outcome: "failure", metadata: { reason: "disabled", method } });
    throw new DomainError("ACCOUNT_DISABLED", "The account is disabled");
  }
  if (deps.settings.requireVerifiedContact && !user.emailVerified && !user.phoneVerified) {
    throw new DomainError("CONTACT_NOT_VERIFIED", "Verify your email or phone first (RequestOtp with VERIFY_CONTACT)");
  }
}
