import { describe, expect, it } from "vitest";
import { testCtx as ctx, flushBackground } from "../../../test/support/fakes.js";
import { rejection, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import type { OtpPurpose } from "../ports/delivery.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { RequestOtp } from "./request-otp.js";

function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow);
  return { uow, deps, requestOtp: new RequestOtp(deps) };
}

const ask = (over: Partial<{ email: string; phone: string; purpose: OtpPurpose | null }>) => ({ purpose: "login" as OtpPurpose | null, ...over });

describe("RequestOtp", () => {
  it("needs exactly one contact and a purpose; nothing is counted or sent otherwise", async () => {
    const { deps, requestOtp } = setup();
    const neither = await rejection(requestOtp.execute(ask({ purpose: null }), ctx));
    expect(neither.reason).toBe("VALIDATION_FAILED");
    expect(neither.fieldViolations?.map((v) => v.field).sort()).toEqual(["email", "purpose"]);
    const both = await rejection(requestOtp.execute(ask({ email: "ada@example.com", phone: "+4915112345678" }), ctx));
    expect(both.fieldViolations?.map((v) => v.field)).toEqual(["email"]);
    expect((await rejection(requestOtp.execute(ask({ email: "ada@" }), ctx))).fieldViolations?.map((v) => v.field)).toEqual(["email"]);
    expect(deps.ipAttempts.keys).toEqual([]);
    expect(deps.notifier.sent).toEqual([]);
  });

  it("sends a 6-digit code of the purpose to the account's contact; only its hash is stored", async () => {
    const { uow, deps, requestOtp } = setup();
    const user = await seedUser(deps, { username: "ada", email: "ada@example.com" });
    const out = await requestOtp.execute(ask({ email: " ADA@example.com", purpose: "reset_password" }), ctx);
    const expiresAt = new Date(deps.clock.now().getTime() + 600_000);
    expect(out).toEqual({ expiresAt, resendAfterSeconds: 60 });
    expect(deps.notifier.sent).toEqual([
      { channel: "email", to: "ada@example.com", kind: "code", purpose: "reset_password", code: expect.stringMatching(/^\d{6}$/), expiresAt },
    ]);
    const sent = deps.notifier.sent[0] as { code: string };
    const [row] = (await uow.rows()).otpCodes;
    expect(row).toMatchObject({ userId: user.id, purpose: "reset_password", channel: "email", destination: "ada@example.com", attempts: 0, consumedAt: null });
    expect(row?.codeHash).toBe(deps.codeHasher.hash(sent.code, "otp:reset_password:ada@example.com"));
    expect(deps.ipAttempts.keys).toEqual([`ip:${ctx.ipAddress}`]);
  });

  it("an unknown email gets the same answer and a 'no account' notice; an unknown phone gets nothing", async () => {
    const { uow, deps, requestOtp } = setup();
    await seedUser(deps, { username: "ada", email: "ada@example.com" });
    await seedUser(deps, { username: "bob", email: "bob@example.com", isActive: false });
    const known = await requestOtp.execute(ask({ email: "ada@example.com" }), ctx);
    const unknown = await requestOtp.execute(ask({ email: "ghost@example.com" }), ctx);
    const disabled = await requestOtp.execute(ask({ email: "bob@example.com" }), ctx);
    const phone = await requestOtp.execute(ask({ phone: "+4915199999999" }), ctx);
    expect(unknown).toEqual(known);
    expect(disabled).toEqual(known);
    expect(phone).toEqual(known);
    expect(deps.notifier.sent.map((n) => [n.kind, n.to])).toEqual([
      ["code", "ada@example.com"],
      ["no_account", "ghost@example.com"],
      ["no_account", "bob@example.com"],
    ]);
    expect(deps.notifier.sent.slice(1).every((n) => !("code" in n))).toBe(true);
    // The send is recorded the same way (so the resend limit holds), owned by nobody.
    const rows = (await uow.rows()).otpCodes;
    expect(
      rows
        .filter((c) => c.userId === null)
        .map((c) => c.destination)
        .sort(),
    ).toEqual(["+4915199999999", "bob@example.com", "ghost@example.com"]);
  });

  it("'no account' notices to one address are capped per day", async () => {
    const { deps, requestOtp } = setup();
    for (let i = 0; i < 5; i++) {
      await requestOtp.execute(ask({ email: "ghost@example.com" }), ctx);
      deps.clock.advanceSeconds(60);
    }
    expect(deps.notifier.sent).toHaveLength(3);
  });

  it("one code per destination per resend window, whatever the purpose", async () => {
    const { deps, requestOtp } = setup();
    await seedUser(deps, { username: "ada", email: "ada@example.com" });
    await requestOtp.execute(ask({ email: "ada@example.com" }), ctx);
    deps.clock.advanceSeconds(45);
    const e = await rejection(requestOtp.execute(ask({ email: "ada@example.com", purpose: "verify_contact" }), ctx));
    expect(e.reason).toBe("RATE_LIMITED");
    expect(e.retryAfterSeconds).toBe(15);
    deps.clock.advanceSeconds(15);
    await expect(requestOtp.execute(ask({ email: "ada@example.com", purpose: "verify_contact" }), ctx)).resolves.toBeDefined();
    expect(deps.notifier.sent).toHaveLength(2);
  });

  it("a failed delivery is thrown and spends neither the resend window nor a code", async () => {
    const { uow, deps, requestOtp } = setup();
    await seedUser(deps, { username: "ada", email: "ada@example.com" });
    const send = deps.notifier.send.bind(deps.notifier);
    let down = true;
    deps.notifier.send = async (n) => {
      if (down) throw new Error("provider down");
      return send(n);
    };
    await expect(requestOtp.execute(ask({ email: "ada@example.com" }), ctx)).rejects.toThrow("provider down");
    expect((await uow.rows()).otpCodes).toEqual([]);
    down = false;
    await expect(requestOtp.execute(ask({ email: "ada@example.com" }), ctx)).resolves.toBeDefined();
    await flushBackground();
    expect(deps.notifier.sent).toHaveLength(1);
  });
});
