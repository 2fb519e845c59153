import { DomainError } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { loadActiveUser } from "../shared/load-active-user.js";
import { totpSecretContext } from "../shared/second-factor.js";

/** Starts enrolment: a new secret, sealed at rest; the factor is off until ConfirmTotp. */
export class EnrollTotp {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "totp" | "sealer">) {}

  async execute(principal: Principal, ctx: RequestContext): Promise<{ secret: string; otpauthUri: string }> {
    const user = await loadActiveUser(this.deps, principal);
    if (user.mfaEnabled) throw new DomainError("MFA_STATE_CONFLICT", "The second factor is already on; disable it first");
    const secret = this.deps.totp.generateSecret();
    const now = this.deps.clock.now();
    await this.deps.uow.transaction(async (tx) => {
      await tx.users.update(user.id, {
        totpSecretEnc: this.deps.sealer.seal(secret, totpSecretContext(user.id)),
        totpLastStep: null,
        updatedAt: now,
        // A ConfirmTotp checked against the previous secret must not turn this one on.
        bumpAuthVersion: true,
      });
      await auditTrail(this.deps, ctx, principal).record(tx, "mfa.enrolled");
    });
    return { secret, otpauthUri: this.deps.totp.uri(secret, user.email ?? user.username) };
  }
}
