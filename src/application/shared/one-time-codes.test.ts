import { describe, expect, it } from "vitest";
import { T0 } from "../../../test/support/fakes.js";
import { EMAIL, GHOST_EMAIL, GHOST_PHONE, PHONE, setup, violationsOf } from "../../../test/support/one-time-codes-kit.js";
import { Violations } from "../../domain/errors.js";
import type { CodeNotification } from "../ports/delivery.js";
import type { Random } from "../ports/time.js";
import { accountFor, checkCodeFormat, contactFrom, markVerified, newCode, sendCode, stillHolds } from "./one-time-codes.js";

describe("contactFrom and checkCodeFormat", () => {
  it("takes exactly one of email or phone, normalized", () => {
    const v = new Violations();
    expect(contactFrom({ email: "  Ada@Example.COM " }, v)).toEqual(EMAIL);
    expect(contactFrom({ phone: "+49 151 1234-5678" }, v)).toEqual(PHONE);
    expect(v.isEmpty).toBe(true);
    expect(violationsOf((x) => contactFrom({}, x))).toEqual([{ field: "email", description: "give exactly one of email or phone" }]);
    expect(violationsOf((x) => contactFrom({ email: "a@b.co", phone: "+4915112345678" }, x)).map((f) => f.field)).toEqual(["email"]);
    expect(violationsOf((x) => contactFrom({ email: "nope" }, x)).map((f) => f.field)).toEqual(["email"]);
    expect(violationsOf((x) => contactFrom({ phone: "0151" }, x)).map((f) => f.field)).toEqual(["phone"]);
  });

  it("a code is six digits (blanks around it allowed)", () => {
    expect(violationsOf((v) => checkCodeFormat(" 123456 ", "code", v))).toEqual([]);
    for (const bad of ["12345", "1234567", "12a456", ""]) {
      expect(violationsOf((v) => checkCodeFormat(bad, "otp_code", v))).toEqual([{ field: "otp_code", description: "must be the 6-digit code" }]);
    }
  });

  it("stillHolds and markVerified name the code's channel", () => {
    expect(stillHolds(EMAIL)).toEqual({ email: EMAIL.destination });
    expect(stillHolds(PHONE)).toEqual({ phone: PHONE.destination });
    expect(markVerified(EMAIL)).toEqual({ emailVerified: true });
    expect(markVerified(PHONE)).toEqual({ phoneVerified: true });
  });
});

describe("newCode", () => {
  it("is six digits from the random source, rejecting values that would bias the modulo", () => {
    const draws = [0xffffffff, 4_294_000_000, 1_234_567];
    const random: Random = {
      bytes: () => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(draws.shift()!);
        return new Uint8Array(b);
      },
    };
    expect(newCode({ random })).toBe("234567");
    expect(draws).toEqual([]);
    const zero: Random = { bytes: () => new Uint8Array(4) };
    expect(newCode({ random: zero })).toBe("000000");
  });
});

describe("accountFor", () => {
  it("answers the account that uses the contact only while it may sign in", async () => {
    const { uow, deps, user } = await setup();
    expect((await accountFor(deps, EMAIL))?.id).toBe(user.id);
    expect((await accountFor(deps, PHONE))?.id).toBe(user.id);
    expect(await accountFor(deps, GHOST_EMAIL)).toBeNull();
    await uow.users.update(user.id, { isActive: false, updatedAt: T0 });
    expect(await accountFor(deps, EMAIL)).toBeNull();
  });
});

describe("sendCode", () => {
  it("records the code's hash (never the code) and sends the code to the account's contact", async () => {
    const { uow, deps, user } = await setup();
    const out = await sendCode(deps, EMAIL, "login", user);
    expect(out).toEqual({ expiresAt: new Date(T0.getTime() + 600_000), resendAfterSeconds: 60 });
    const sent = deps.notifier.sent as CodeNotification[];
    expect(sent).toEqual([
      { channel: "email", to: EMAIL.destination, kind: "code", purpose: "login", code: expect.stringMatching(/^\d{6}$/), expiresAt: out.expiresAt },
    ]);
    const [row] = (await uow.rows()).otpCodes;
    expect(row).toMatchObject({ userId: user.id, purpose: "login", channel: "email", destination: EMAIL.destination, attempts: 0, consumedAt: null });
    expect(row?.codeHash).toBe(deps.codeHasher.hash(sent[0]!.code!, `otp:login:${EMAIL.destination}`));
  });

  it("allows one code per destination per resend period, whatever the purpose: RATE_LIMITED with the seconds left", async () => {
    const { deps, user } = await setup();
    await sendCode(deps, EMAIL, "login", user);
    deps.clock.advanceSeconds(20);
    await expect(sendCode(deps, EMAIL, "reset_password", user)).rejects.toMatchObject({ reason: "RATE_LIMITED", retryAfterSeconds: 40 });
    deps.clock.advance(39_999);
    await expect(sendCode(deps, EMAIL, "login", user)).rejects.toMatchObject({ retryAfterSeconds: 1 });
    // Another destination has its own period.
    await sendCode(deps, PHONE, "login", user);
    deps.clock.advance(1);
    await sendCode(deps, EMAIL, "login", user);
    expect(deps.notifier.sent.map((n) => n.to)).toEqual([EMAIL.destination, PHONE.destination, EMAIL.destination]);
  });

  it("for an email no account uses: the send is recorded the same way and a capped `no_account` mail goes out", async () => {
    const { uow, deps } = await setup();
    for (let i = 0; i < 3; i++) {
      await sendCode(deps, GHOST_EMAIL, "login", null);
      deps.clock.advanceSeconds(60);
    }
    expect(deps.notifier.sent).toEqual([
      expect.objectContaining({ kind: "no_account", to: GHOST_EMAIL.destination, purpose: "login" }),
      expect.objectContaining({ kind: "no_account", to: GHOST_EMAIL.destination, purpose: "login" }),
    ]);
    expect(deps.notifier.sent.some((n) => "code" in n && n.code !== undefined)).toBe(false);
    const rows = (await uow.rows()).otpCodes;
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.userId === null)).toBe(true);
    // The resend limit holds for it too, so the answer does not tell whether the contact is known.
    await sendCode(deps, GHOST_EMAIL, "login", null);
    await expect(sendCode(deps, GHOST_EMAIL, "login", null)).rejects.toMatchObject({ reason: "RATE_LIMITED" });
  });

  it("for a phone no account uses: the send is recorded, but no SMS goes out", async () => {
    const { uow, deps } = await setup();
    await sendCode(deps, GHOST_PHONE, "login", null);
    expect(deps.notifier.sent).toEqual([]);
    expect((await uow.rows()).otpCodes).toEqual([expect.objectContaining({ destination: GHOST_PHONE.destination, userId: null })]);
    expect(deps.notices.keys).toEqual([]);
  });

  it("a failed delivery removes the row, so neither the resend period nor a code is spent, and rethrows", async () => {
    const { uow, deps, user } = await setup();
    const failure = new Error("provider down");
    deps.notifier.send = async () => {
      throw failure;
    };
    await expect(sendCode(deps, EMAIL, "login", user)).rejects.toBe(failure);
    expect((await uow.rows()).otpCodes).toEqual([]);
    deps.notifier.send = async () => {};
    await sendCode(deps, EMAIL, "login", user);
  });
});
