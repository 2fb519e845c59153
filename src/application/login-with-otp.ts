import { Violations } from "../domain/errors.js";
import { auditRecord } from "./audit.js";
import type { CoreDeps } from "./deps.js";
import { checkDeviceName, openSession, tokensForNewSession } from "./issue-session.js";
import { accountLocked, countIpAttempt, countLoginAttempt } from "./limits.js";
import type { LoginOutput } from "./login.js";
import { checkCodeFormat, codeOwner, consumeCode, contactFrom } from "./one-time-codes.js";
import type { RequestContext } from "./ports.js";
import { requireSecondFactor } from "./second-factor.js";

type Deps = Pick<
  CoreDeps,
  "uow" | "clock" | "ids" | "random" | "tokens" | "codeHasher" | "settings" | "ipAttempts" | "loginFailures" | "totp" | "sealer"
>;

/** Passwordless login: the code proves the contact, and so verifies it. */
export class LoginWithOtp {
  constructor(private readonly deps: Deps) {}

  async execute(
    input: { email?: string | undefined; phone?: string | undefined; code: string; mfaCode: string; deviceName: string },
    ctx: RequestContext,
  ): Promise<LoginOutput> {
    const violations = new Violations();
    const contact = contactFrom(input, violations);
    checkCodeFormat(input.code, "code", violations);
    checkDeviceName(input.deviceName, violations);
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);

    const record = await consumeCode(this.deps, contact!, "login", input.code);
    const user = await codeOwner(this.deps, record.userId, contact!);
    const throttleKey = `user:${user.id}`;
    const attempt = await countLoginAttempt(this.deps.loginFailures, throttleKey);
    if (attempt.locked) throw accountLocked(attempt.state);
    const factor = await requireSecondFactor(this.deps, ctx, user, input.mfaCode, "mfa_code");
    const now = this.deps.clock.now();
    const { updated, opened } = await this.deps.uow.transaction(async (tx) => {
      const updated = await tx.users.update(user.id, {
        lastLoginAt: now,
        updatedAt: now,
        ...(contact!.channel === "email" ? { emailVerified: true } : { phoneVerified: true }),
      });
      const opened = await openSession(this.deps, tx, updated, ctx, {
        authMethod: factor ? `otp+${factor}` : "otp",
        deviceName: input.deviceName,
      });
      await tx.audit.record(
        auditRecord(this.deps, ctx, {
          userId: user.id,
          type: "login.succeeded",
          outcome: "success",
          sessionId: opened.session.id,
          metadata: { method: factor ? `otp+${factor}` : "otp", channel: contact!.channel },
        }),
      );
      return { updated, opened };
    });
    await this.deps.loginFailures.reset(throttleKey);
    return { user: updated, session: opened.session, tokens: await tokensForNewSession(this.deps, updated, opened) };
  }
}
