import { describe, expect, it } from "vitest";
import { countingLimiter, flushBackground, makeDeps, seedUser, T0, testCtx, testSettings } from "../../../test/support/fakes.js";
import { Violations } from "../../domain/errors.js";
import type { User } from "../../domain/user.js";
import type { CodeNotification } from "../ports/delivery.js";
import type { Random } from "../ports/time.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { accountKey, identifierKey } from "./credential-attempts.js";
import {
  accountFor,
  type Contact,
  checkCode,
  checkCodeFormat,
  codeOwner,
  contactFrom,
  markVerified,
  matchCode,
  newCode,
  sendCode,
  sendVerificationCodes,
  stillHolds,
  useCode,
} from "./one-time-codes.js";

const EMAIL: Contact = { channel: "email", destination: "ada@example.com" };
const PHONE: Contact = { channel: "sms", destination: "+4915112345678" };
const GHOST_EMAIL: Contact = { channel: "email", destination: "ghost@example.com" };
const GHOST_PHONE: Contact = { channel: "sms", destination: "+4915199999999" };

async function setup(userOverrides: Partial<User> = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow, settings: testSettings({ otp: { ttlSeconds: 600, maxAttempts: 3, resendSeconds: 60 } }), notices: countingLimiter(2) });
  const user = await seedUser(uow, { phone: PHONE.destination, ...userOverrides });
  /** Sends a login code to the contact and answers the code the notifier was given. */
  const sendTo = async (contact: Contact, purpose: "login" | "verify_contact" | "reset_password" = "login") => {
    await sendCode(deps, contact, purpose, user);
    return (deps.notifier.sent.at(-1) as CodeNotification).code!;
  };
  return { uow, deps, user, sendTo };
}

/** The matched record, failing the test when the code does not match. */
async function matched(...args: Parameters<typeof matchCode>) {
  const match = await matchCode(...args);
  if (!match.ok) throw new Error("expected the code to match");
  return match.record;
}

function violationsOf(fn: (v: Violations) => void): { field: string; description: string }[] {
  const v = new Violations();
  fn(v);
  try {
    v.throwIfAny();
    return [];
  } catch (e) {
    return (e as { fieldViolations: { field: string; description: string }[] }).fieldViolations;
  }
}

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
