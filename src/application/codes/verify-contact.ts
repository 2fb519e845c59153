import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import { auditTrail } from "../shared/audited-write.js";
import { credentialSucceeded } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { checkCode, checkCodeFormat, contactFrom, markVerified, stillHolds, useCode } from "../shared/one-time-codes.js";

/**
 * Proves a contact with a VERIFY_CONTACT code (sent at Register and UpdateMe to the account's
 * own new address). This is the registrant confirming their address, so it keeps the account's
 * password; a person who finds an account squatting on their address signs in with a code
 * (LoginWithOtp) or resets the password instead, and either of those removes what the squatter set.
 */
export class VerifyContact {
  constructor(
    private readonly deps: Pick<
      CoreDeps,
      | "uow"
      | "clock"
      | "ids"
      | "codeHasher"
      | "settings"
      | "ipAttempts"
      | "loginFailures"
      | "failureAudits"
      | "notices"
      | "notifier"
      | "report"
      | "securityEvents"
    >,
  ) {}

  async execute(input: { email?: string | undefined; phone?: string | undefined; code: string }, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    const contact = contactFrom(input, violations);
    checkCodeFormat(input.code, "code", violations);
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);
    const { attempt, record, user } = await checkCode(this.deps, ctx, contact!, "verify_contact", input.code);
    await useCode(this.deps, record);
    await credentialSucceeded(this.deps, attempt);
    const now = this.deps.clock.now();
    await this.deps.uow.transaction(async (tx) => {
      // Only while the address is still the account's: an UpdateMe committing since the code
      // was checked leaves the new address unverified (security.md 41).
      const updated = await tx.users.updateIf(user.id, { canSignIn: true, ...stillHolds(contact!) }, { ...markVerified(contact!), updatedAt: now });
      if (!updated) throw new DomainError("OTP_INVALID", "The code is wrong or no longer valid");
      await auditTrail(this.deps, ctx, { userId: user.id }).record(tx, "contact.verified", { metadata: { channel: contact!.channel } });
    });
  }
}
