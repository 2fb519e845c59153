import { describe, expect, it } from "vitest";
import { flushBackground, T0, testCtx } from "../../../test/support/fakes.js";
import { EMAIL, GHOST_EMAIL, matched, PHONE, setup } from "../../../test/support/one-time-codes-kit.js";
import { accountKey, identifierKey } from "./credential-attempts.js";
import { checkCode, codeOwner, matchCode, sendCode, sendVerificationCodes, useCode } from "./one-time-codes.js";

describe("matchCode and useCode", () => {
  it("the newest code for the destination and purpose matches; it is not used up until useCode", async () => {
    const { deps, user, sendTo } = await setup();
    const code = await sendTo(EMAIL);
    const record = await matched(deps, EMAIL, "login", ` ${code} `);
    expect(record.userId).toBe(user.id);
    await matched(deps, EMAIL, "login", code);
    await useCode(deps, record);
    expect(await matchCode(deps, EMAIL, "login", code)).toEqual({ ok: false });
    await expect(useCode(deps, record)).rejects.toMatchObject({ reason: "OTP_INVALID" });
  });

  it("a wrong code is OTP_INVALID and counts on the code; the try reaching the limit burns it", async () => {
    const { uow, deps, sendTo } = await setup(); // maxAttempts 3
    const code = await sendTo(EMAIL);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 1; i <= 2; i++) {
      expect(await matchCode(deps, EMAIL, "login", wrong)).toEqual({ ok: false });
      expect((await uow.rows()).otpCodes[0]?.attempts).toBe(i);
    }
    await matched(deps, EMAIL, "login", code); // still alive after 2 wrong tries
    expect(await matchCode(deps, EMAIL, "login", wrong)).toEqual({ ok: false });
    expect(await matchCode(deps, EMAIL, "login", code)).toEqual({ ok: false });
  });

  it("a code at its attempt limit never verifies, even when the store has not burned it", async () => {
    const { deps, sendTo } = await setup(); // maxAttempts 3
    const code = await sendTo(EMAIL);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 2; i++) await matchCode(deps, EMAIL, "login", wrong);
    deps.settings.otp.maxAttempts = 2; // the limit lowered since: 2 counted tries now reach it
    expect(await matchCode(deps, EMAIL, "login", code)).toEqual({ ok: false });
  });

  it("an expired code is OTP_INVALID from the instant it expires", async () => {
    const { deps, sendTo } = await setup();
    const code = await sendTo(EMAIL);
    deps.clock.advance(600_000 - 1);
    await matched(deps, EMAIL, "login", code);
    deps.clock.advance(1);
    expect(await matchCode(deps, EMAIL, "login", code)).toEqual({ ok: false });
  });

  it("a code never works for another purpose, and only the newest code verifies", async () => {
    const { deps, sendTo } = await setup();
    const login = await sendTo(EMAIL, "login");
    expect(await matchCode(deps, EMAIL, "reset_password", login)).toEqual({ ok: false });
    deps.clock.advanceSeconds(60);
    const newer = await sendTo(EMAIL, "login");
    if (newer !== login) expect(await matchCode(deps, EMAIL, "login", login)).toEqual({ ok: false });
    await matched(deps, EMAIL, "login", newer);
  });

  it("the row of a send to an unknown contact never verifies", async () => {
    const { deps } = await setup();
    await sendCode(deps, GHOST_EMAIL, "login", null);
    for (const code of ["000000", "123456"]) expect(await matchCode(deps, GHOST_EMAIL, "login", code)).toEqual({ ok: false });
    expect(await matchCode(deps, EMAIL, "login", "123456")).toEqual({ ok: false });
  });
});

describe("checkCode (inside the account's failure limit)", () => {
  it("answers the attempt, the matched code and its owner", async () => {
    const { deps, user, sendTo } = await setup();
    const code = await sendTo(PHONE);
    const out = await checkCode(deps, testCtx, PHONE, "login", code);
    expect(out.user.id).toBe(user.id);
    expect(out.attempt).toEqual({ key: accountKey(user.id), userId: user.id, lastTry: false });
    expect(out.record.destination).toBe(PHONE.destination);
  });

  it("a wrong code is audited `otp.failed` with the purpose and counted on the ACCOUNT (shared by its contacts)", async () => {
    const { uow, deps, user, sendTo } = await setup();
    await sendTo(EMAIL);
    await expect(checkCode(deps, testCtx, EMAIL, "login", "999999")).rejects.toMatchObject({ reason: "OTP_INVALID" });
    await expect(checkCode(deps, testCtx, PHONE, "login", "999999")).rejects.toMatchObject({ reason: "OTP_INVALID" });
    expect(deps.loginFailures.keys).toEqual([accountKey(user.id), accountKey(user.id)]);
    expect((await uow.rows()).auditEvents.map((e) => [e.type, e.userId, e.metadata])).toEqual([
      ["otp.failed", user.id, { purpose: "login" }],
      ["otp.failed", user.id, { purpose: "login" }],
    ]);
  });

  it("locked: even the right code is ACCOUNT_LOCKED and no code is compared", async () => {
    const { uow, deps, sendTo } = await setup();
    const code = await sendTo(EMAIL);
    deps.settings.otp.maxAttempts = 100;
    for (let i = 0; i < 5; i++) await checkCode(deps, testCtx, EMAIL, "login", "999999").catch(() => {});
    const attemptsBefore = (await uow.rows()).otpCodes[0]?.attempts;
    await expect(checkCode(deps, testCtx, EMAIL, "login", code)).rejects.toMatchObject({ reason: "ACCOUNT_LOCKED" });
    await expect(checkCode(deps, testCtx, EMAIL, "login", "999999")).rejects.toMatchObject({ reason: "ACCOUNT_LOCKED" });
    expect((await uow.rows()).otpCodes[0]?.attempts).toBe(attemptsBefore);
    await flushBackground();
    expect(deps.notifier.sent.filter((n) => n.kind === "notice").map((n) => n.to)).toEqual([EMAIL.destination, PHONE.destination]);
  });

  it("an unknown contact is counted under its own identifier key", async () => {
    const { uow, deps } = await setup();
    await expect(checkCode(deps, testCtx, GHOST_EMAIL, "login", "123456")).rejects.toMatchObject({ reason: "OTP_INVALID" });
    expect(deps.loginFailures.keys).toEqual([identifierKey("email", GHOST_EMAIL.destination)]);
    expect((await uow.rows()).auditEvents.map((e) => [e.type, e.userId])).toEqual([["otp.failed", null]]);
  });

  it("a code whose contact has left the account since (or whose account was disabled) is OTP_INVALID", async () => {
    const { uow, deps, user, sendTo } = await setup();
    const code = await sendTo(EMAIL);
    const record = await matched(deps, EMAIL, "login", code);
    expect((await codeOwner(deps, record.userId, EMAIL))?.id).toBe(user.id);
    await uow.users.update(user.id, { email: "moved@example.com", updatedAt: T0 });
    expect(await codeOwner(deps, record.userId, EMAIL)).toBeNull();
    await expect(checkCode(deps, testCtx, EMAIL, "login", code)).rejects.toMatchObject({ reason: "OTP_INVALID" });
    await uow.users.update(user.id, { email: EMAIL.destination, isActive: false, updatedAt: T0 });
    expect(await codeOwner(deps, record.userId, EMAIL)).toBeNull();
    expect(await codeOwner(deps, "00000000-0000-7000-8000-00000000ffff", EMAIL)).toBeNull();
  });
});

describe("sendVerificationCodes (in the background)", () => {
  it("sends a verify_contact code on each asked channel the user has, without the caller waiting", async () => {
    const { deps, user } = await setup();
    sendVerificationCodes(deps, user, ["email", "sms"]);
    expect(deps.notifier.sent).toEqual([]);
    await flushBackground();
    expect(deps.notifier.sent.map((n) => [n.channel, n.to, n.kind, "purpose" in n && n.purpose])).toEqual([
      ["email", EMAIL.destination, "code", "verify_contact"],
      ["sms", PHONE.destination, "code", "verify_contact"],
    ]);
  });

  it("skips channels the user has no contact on, and reports a failed send", async () => {
    const { deps, user } = await setup({ phone: null });
    await sendCode(deps, EMAIL, "login", user); // the email is inside its resend period
    sendVerificationCodes(deps, user, ["email", "sms"]);
    await flushBackground();
    expect(deps.notifier.sent).toHaveLength(1);
    expect(deps.report.calls).toEqual([["verification code to email not sent", expect.objectContaining({ reason: "RATE_LIMITED" })]]);
  });
});
