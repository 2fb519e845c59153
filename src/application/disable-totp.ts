import { DomainError, Violations } from "../domain/errors.js";
import { normalizePassword } from "../domain/password-policy.js";
import { auditRecord } from "./audit.js";
import type { CoreDeps } from "./deps.js";
import { loadActiveUser } from "./get-me.js";
import type { RequestContext } from "./ports.js";
import { verifySecondFactor } from "./second-factor.js";
import type { Principal } from "./validate-token.js";

/** Turns the second factor off, proven by a current code (or recovery code) or the password. */
export class DisableTotp {
  constructor(
    private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "totp" | "sealer" | "codeHasher" | "hasher" | "settings">,
  ) {}

  async execute(input: { code: string; password: string }, principal: Principal, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    if (input.code.trim() === "" && input.password === "") violations.add("code", "send a current code or the password");
    if (input.password.length > this.deps.settings.maxPasswordLength * 4) violations.add("password", "is too long");
    violations.throwIfAny();
    const user = await loadActiveUser(this.deps, principal);
    if (!user.mfaEnabled) throw new DomainError("MFA_STATE_CONFLICT", "The second factor is not on");
    if (input.code.trim() !== "") {
      await verifySecondFactor(this.deps, user, input.code);
    } else {
      const ok = user.passwordHash !== null && (await this.deps.hasher.verify(user.passwordHash, normalizePassword(input.password)));
      if (!ok) throw new DomainError("INVALID_CREDENTIALS", "The password is wrong");
    }
    const now = this.deps.clock.now();
    await this.deps.uow.transaction(async (tx) => {
      await tx.users.update(user.id, { mfaEnabled: false, totpSecretEnc: null, totpLastStep: null, updatedAt: now });
      await tx.recoveryCodes.deleteAll(user.id);
      await tx.audit.record(auditRecord(this.deps, ctx, { userId: user.id, type: "mfa.disabled", outcome: "success", sessionId: principal.sessionId }));
    });
  }
}
