import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail } from "../shared/audited-write.js";
import { accountKey, beginCredentialCheck, contactsOf, credentialFailed, credentialSucceeded } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { SIX_DIGIT_CODE } from "../shared/field-rules.js";
import { loadActiveUser } from "../shared/load-active-user.js";
import { recoveryContext, totpSecretContext } from "../shared/second-factor.js";
import { sendNotice } from "../shared/security-notices.js";

const RECOVERY_CODES = 10;
/** No look-alikes (0/o, 1/l/i): codes are typed from paper. 31 symbols, 10 per code ≈ 49 bits. */
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** Turns the second factor on with a first valid code and hands out the recovery codes once. */
export class ConfirmTotp {
  constructor(
    private readonly deps: Pick<
      CoreDeps,
      | "uow"
      | "clock"
      | "ids"
      | "random"
      | "totp"
      | "sealer"
      | "codeHasher"
      | "settings"
      | "loginFailures"
      | "failureAudits"
      | "notices"
      | "notifier"
      | "report"
      | "securityEvents"
    >,
  ) {}

  async execute(input: { code: string }, principal: Principal, ctx: RequestContext): Promise<string[]> {
    const violations = new Violations();
    if (!SIX_DIGIT_CODE.test(input.code.trim())) violations.add("code", "must be the 6-digit code from the authenticator app");
    violations.throwIfAny();
    const user = await loadActiveUser(this.deps, principal);
    if (user.mfaEnabled || user.totpSecretEnc === null) {
      throw new DomainError("MFA_STATE_CONFLICT", user.mfaEnabled ? "The second factor is already on" : "Call EnrollTotp first");
    }
    // Counted like every credential check: the secret must not be guessable code by code.
    const attempt = await beginCredentialCheck(this.deps, ctx, accountKey(user.id), { userId: user.id, type: "mfa.failed" });
    const secret = this.deps.sealer.open(user.totpSecretEnc, totpSecretContext(user.id));
    const step = this.deps.totp.match(secret, input.code.trim(), this.deps.clock.now());
    if (step === null || !(await this.deps.uow.users.advanceTotpStep(user.id, step))) {
      await credentialFailed(this.deps, ctx, attempt, { type: "mfa.failed", user, sessionId: principal.sessionId });
      throw new DomainError("MFA_INVALID", "The code does not match; check the app's clock and try the current code");
    }
    await credentialSucceeded(this.deps, attempt);
    const codes = Array.from({ length: RECOVERY_CODES }, () => this.recoveryCode());
    const now = this.deps.clock.now();
    await this.deps.uow.transaction(async (tx) => {
      // Conditional on the enrolment this code was checked against (a new EnrollTotp, a
      // password change or a deletion since then makes it fail).
      const updated = await tx.users.updateIf(
        user.id,
        { authVersion: user.authVersion, canSignIn: true },
        { mfaEnabled: true, updatedAt: now, bumpAuthVersion: true },
      );
      if (!updated) throw new DomainError("MFA_STATE_CONFLICT", "The account changed meanwhile; call EnrollTotp again");
      // Only keyed hashes are stored; the codes themselves exist only in this response.
      await tx.recoveryCodes.replaceAll(
        user.id,
        codes.map((c) => ({ id: this.deps.ids.newId(), codeHash: this.deps.codeHasher.hash(c.replace("-", ""), recoveryContext(user.id)) })),
        now,
      );
      await auditTrail(this.deps, ctx, principal).record(tx, "mfa.enabled");
    });
    void sendNotice(this.deps, contactsOf(user), "mfa_enabled", now);
    return codes;
  }

  private recoveryCode(): string {
    let out = "";
    while (out.length < 10) {
      for (const b of this.deps.random.bytes(16)) {
        // Rejection sampling: 248 = 8 * 31, so every symbol is equally likely.
        if (b < 248 && out.length < 10) out += ALPHABET[b % ALPHABET.length];
      }
    }
    return `${out.slice(0, 5)}-${out.slice(5)}`;
  }
}
