import type { AuditEventType } from "../../domain/audit.js";
import { DomainError } from "../../domain/errors.js";
import type { IdentifierKind } from "../../domain/identifiers.js";
import { normalizePassword } from "../../domain/password-policy.js";
import type { User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import { auditRecord } from "./audit.js";
import type { CoreDeps } from "./deps.js";
import { sendNotice } from "./security-notices.js";

/**
 * One failure limit per account for every credential check: a login password, a current
 * password, a second-factor code, a one-time code, Reauthenticate (security.md 39). An
 * identifier that matches no account is counted under its own key the same way, so a lock
 * tells nothing about whether the account exists.
 */
export const accountKey = (userId: string) => `user:${userId}`;
export const identifierKey = (kind: IdentifierKind, value: string) => `ident:${kind}:${value}`;

/** A counted attempt: `lastTry` when it used the account's last remaining one. */
export interface CredentialAttempt {
  key: string;
  userId: string | null;
  lastTry: boolean;
}

type Deps = Pick<CoreDeps, "loginFailures" | "failureAudits" | "settings" | "uow" | "clock" | "ids">;
type NoticeDeps = Pick<CoreDeps, "notifier" | "notices" | "report" | "securityEvents">;

/**
 * ACCOUNT_LOCKED. The answer is the same for every caller and every value sent while the lock
 * holds (a constant RetryInfo: the lockout period), so it can never tell a right password from
 * a wrong one.
 */
export function accountLocked(settings: Pick<CoreDeps["settings"], "lockoutSeconds">): DomainError {
  return new DomainError("ACCOUNT_LOCKED", "The account is temporarily locked after too many failed attempts", {
    retryAfterSeconds: settings.lockoutSeconds,
  });
}

/**
 * Call BEFORE checking a credential. A locked key answers ACCOUNT_LOCKED and nothing is
 * checked (no argon2, no code compared); otherwise the attempt is counted up front, so N
 * concurrent guesses cannot all slip through the last remaining try. Attempts refused while
 * locked are not counted, so they never extend the lock (security.md 12).
 */
export async function beginCredentialCheck(
  deps: Deps,
  ctx: RequestContext,
  key: string,
  event: { userId: string | null; type: AuditEventType },
): Promise<CredentialAttempt> {
  const before = await deps.loginFailures.peek(key);
  const after = before.allowed ? await deps.loginFailures.consume(key) : before;
  if (!after.allowed) {
    await recordCapped(deps, ctx, key, { userId: event.userId, type: event.type, metadata: { reason: "locked" } });
    throw accountLocked(deps.settings);
  }
  return { key, userId: event.userId, lastTry: after.remaining === 0 };
}

/**
 * A wrong credential: audits it (capped per key, so one account cannot flood the audit log)
 * and, when this failure locked the account, audits the lock and tells the owner.
 */
export async function credentialFailed(
  deps: Deps & NoticeDeps,
  ctx: RequestContext,
  attempt: CredentialAttempt,
  event: { type: AuditEventType; user: User | null; sessionId?: string | null; metadata?: Record<string, string | number | boolean> },
): Promise<void> {
  await recordCapped(deps, ctx, attempt.key, {
    userId: event.user?.id ?? null,
    type: event.type,
    sessionId: event.sessionId ?? null,
    metadata: event.metadata ?? {},
  });
  if (attempt.lastTry && event.user) {
    await deps.uow.audit.record(
      auditRecord(deps, ctx, {
        userId: event.user.id,
        type: "account.locked",
        outcome: "failure",
        metadata: { minutes: Math.round(deps.settings.lockoutSeconds / 60) },
      }),
    );
    deps.securityEvents.record("account_locked");
    void sendNotice(deps, contactsOf(event.user), "account_locked", deps.clock.now());
  }
}

/** A credential checked out: the account's count starts again. */
export async function credentialSucceeded(deps: Pick<CoreDeps, "loginFailures">, attempt: CredentialAttempt): Promise<void> {
  await deps.loginFailures.reset(attempt.key);
}

/** The account's email and phone, whether verified or not (the owner may not have proven them yet). */
export function contactsOf(user: Pick<User, "email" | "phone">): { channel: "email" | "sms"; destination: string }[] {
  return [
    ...(user.email ? [{ channel: "email" as const, destination: user.email }] : []),
    ...(user.phone ? [{ channel: "sms" as const, destination: user.phone }] : []),
  ];
}

async function recordCapped(
  deps: Deps,
  ctx: RequestContext,
  key: string,
  event: { userId: string | null; type: AuditEventType; sessionId?: string | null; metadata: Record<string, string | number | boolean> },
): Promise<void> {
  // Past the cap the failure is still counted and refused: only its audit row is skipped.
  if (!(await deps.failureAudits.consume(key)).allowed) return;
  await deps.uow.audit.record(auditRecord(deps, ctx, { ...event, outcome: "failure" }));
}

/**
 * Checks the account's current password inside a counted attempt (ChangePassword, DisableTotp,
 * Reauthenticate): a wrong one is audited `password.check_failed`, counted, and answers
 * INVALID_CREDENTIALS on `field`.
 */
export async function checkCurrentPassword(
  deps: Deps & NoticeDeps & Pick<CoreDeps, "hasher">,
  ctx: RequestContext,
  attempt: CredentialAttempt,
  user: User,
  password: string,
  where: { field: string; sessionId: string | null },
): Promise<void> {
  const ok = user.passwordHash !== null && (await deps.hasher.verify(user.passwordHash, normalizePassword(password)));
  if (ok) return;
  await credentialFailed(deps, ctx, attempt, { type: "password.check_failed", user, sessionId: where.sessionId });
  throw new DomainError("INVALID_CREDENTIALS", "The password is wrong", {
    fieldViolations: [{ field: where.field, description: "does not match" }],
  });
}
