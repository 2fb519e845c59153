import { DomainError } from "../../domain/errors.js";
import type { User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import { auditRecord } from "./audit.js";
import { type CredentialAttempt, credentialFailed } from "./credential-attempts.js";
import type { CoreDeps } from "./deps.js";
import { SIX_DIGIT_CODE } from "./field-rules.js";

/** Recovery codes are shown with a dash and any case; stored and compared in one form. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, "");
}

export const recoveryContext = (userId: string) => `recovery:${userId}`;
export const totpSecretContext = (userId: string) => `totp:${userId}`;

export type SecondFactorCheck = { ok: true; method: "totp" | "recovery_code" } | { ok: false };

/**
 * Checks a second factor: a current TOTP code (each time step accepted once: a code seen
 * before is a replay) or an unused recovery code (used up now). A wrong, replayed or used code
 * is `{ ok: false }`; a fault (the database, an unsealable secret) throws, and is never taken
 * for a wrong code.
 */
export async function verifySecondFactor(
  deps: Pick<CoreDeps, "uow" | "clock" | "totp" | "sealer" | "codeHasher">,
  user: User,
  code: string,
): Promise<SecondFactorCheck> {
  const trimmed = code.trim();
  if (user.totpSecretEnc === null) return { ok: false };
  if (SIX_DIGIT_CODE.test(trimmed)) {
    const secret = deps.sealer.open(user.totpSecretEnc, totpSecretContext(user.id));
    const step = deps.totp.match(secret, trimmed, deps.clock.now());
    if (step === null || !(await deps.uow.users.advanceTotpStep(user.id, step))) return { ok: false };
    return { ok: true, method: "totp" };
  }
  const normalized = normalizeRecoveryCode(trimmed);
  if (normalized.length < 8 || normalized.length > 32) return { ok: false };
  const used = await deps.uow.recoveryCodes.use(user.id, deps.codeHasher.hash(normalized, recoveryContext(user.id)), deps.clock.now());
  return used ? { ok: true, method: "recovery_code" } : { ok: false };
}

/**
 * The second-factor step of a login (password or one-time code), inside the login's counted
 * attempt. Nothing for an account without one; MFA_REQUIRED when the code is missing. A wrong
 * code is audited `mfa.failed` and stays counted toward the account's failure limit (only a
 * success clears it); a recovery code used is audited too. Returns how the factor was proven.
 */
export async function requireSecondFactor(
  deps: Parameters<typeof checkSecondFactor>[0],
  ctx: RequestContext,
  attempt: CredentialAttempt,
  user: User,
  code: string,
  field: "otp_code" | "mfa_code",
): Promise<"totp" | "recovery_code" | null> {
  if (!user.mfaEnabled) return null;
  if (code.trim() === "") throw new DomainError("MFA_REQUIRED", `This account needs its second factor: send ${field}`);
  return checkSecondFactor(deps, ctx, attempt, user, code);
}

/**
 * Checks a second factor inside a counted attempt (credential-attempts.ts): a wrong one is
 * audited `mfa.failed` (and may lock the account); a recovery code used is audited.
 */
export async function checkSecondFactor(
  deps: Pick<
    CoreDeps,
    | "uow"
    | "clock"
    | "ids"
    | "totp"
    | "sealer"
    | "codeHasher"
    | "loginFailures"
    | "failureAudits"
    | "settings"
    | "notifier"
    | "notices"
    | "report"
    | "securityEvents"
  >,
  ctx: RequestContext,
  attempt: CredentialAttempt,
  user: User,
  code: string,
  sessionId: string | null = null,
): Promise<"totp" | "recovery_code"> {
  const check = await verifySecondFactor(deps, user, code);
  if (!check.ok) {
    await credentialFailed(deps, ctx, attempt, { type: "mfa.failed", user, sessionId });
    throw new DomainError("MFA_INVALID", "The second-factor code is wrong or was already used");
  }
  const method = check.method;
  if (method === "recovery_code") {
    await deps.uow.audit.record(auditRecord(deps, ctx, { userId: user.id, type: "mfa.recovery_code_used", outcome: "success", sessionId }));
  }
  return method;
}
