import { Violations } from "../domain/errors.js";
import { auditRecord } from "./audit.js";
import type { CoreDeps } from "./deps.js";
import { countIpAttempt } from "./limits.js";
import { checkCodeFormat, codeOwner, consumeCode, contactFrom } from "./one-time-codes.js";
import type { RequestContext } from "./ports.js";

export class VerifyContact {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "codeHasher" | "settings" | "ipAttempts">) {}

  async execute(input: { email?: string | undefined; phone?: string | undefined; code: string }, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    const contact = contactFrom(input, violations);
    checkCodeFormat(input.code, "code", violations);
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);
    const record = await consumeCode(this.deps, contact!, "verify_contact", input.code);
    const user = await codeOwner(this.deps, record.userId, contact!);
    const now = this.deps.clock.now();
    await this.deps.uow.transaction(async (tx) => {
      await tx.users.update(user.id, contact!.channel === "email" ? { emailVerified: true, updatedAt: now } : { phoneVerified: true, updatedAt: now });
      await tx.audit.record(auditRecord(this.deps, ctx, { userId: user.id, type: "contact.verified", outcome: "success", metadata: { channel: contact!.channel } }));
    });
  }
}
