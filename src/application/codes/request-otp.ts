import { Violations } from "../../domain/errors.js";
import type { OtpPurpose } from "../ports/delivery.js";
import type { RequestContext } from "../ports/time.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { accountFor, contactFrom, sendCode } from "../shared/one-time-codes.js";

export class RequestOtp {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "random" | "notifier" | "notices" | "codeHasher" | "settings" | "ipAttempts">) {}

  async execute(
    input: { email?: string | undefined; phone?: string | undefined; purpose: OtpPurpose | null },
    ctx: RequestContext,
  ): Promise<{ expiresAt: Date; resendAfterSeconds: number }> {
    const violations = new Violations();
    const contact = contactFrom(input, violations);
    if (input.purpose === null) violations.add("purpose", "is required: VERIFY_CONTACT, LOGIN or RESET_PASSWORD");
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);
    // Unknown contacts take the same path (sendCode sends them a notice): same answer, same time.
    const user = await accountFor(this.deps, contact!);
    return sendCode(this.deps, contact!, input.purpose!, user);
  }
}
