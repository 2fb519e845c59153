import { DomainError } from "../domain/errors.js";
import type { User } from "../domain/user.js";
import type { CoreDeps } from "./deps.js";

/** Recovery codes are shown with a dash and any case; stored and compared in one form. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, "");
}

export const recoveryContext = (userId: string) => `recovery:${userId}`;
export const totpSecretContext = (userId: string) => `totp:${userId}`;

/**
 * Checks a second factor: a current TOTP code (each time step accepted once: a code seen
 * before is a replay) or an unused recovery code (used up now). Throws MFA_INVALID.
 */
export async function verifySecondFactor(
  deps: Pick<CoreDeps, "uow" | "clock" | "totp" | "sealer" | "codeHasher">,
  user: User,
  code: string,
): Promise<"totp" | "recovery_code"> {
  const invalid = new DomainError("MFA_INVALID", "The second-factor code is wrong or was already used");
  const trimmed = code.trim();
  if (user.totpSecretEnc === null) throw invalid;
  if (/^\d{6}$/.test(trimmed)) {
    const secret = deps.sealer.open(user.totpSecretEnc, totpSecretContext(user.id));
    const step = deps.totp.match(secret, trimmed, deps.clock.now());
    if (step === null || !(await deps.uow.users.advanceTotpStep(user.id, step))) throw invalid;
    return "totp";
  }
  const normalized = normalizeRecoveryCode(trimmed);
  if (normalized.length < 8 || normalized.length > 32) throw invalid;
  const used = await deps.uow.recoveryCodes.use(user.id, deps.codeHasher.hash(normalized, recoveryContext(user.id)), deps.clock.now());
  if (!used) throw invalid;
  return "recovery_code";
}
