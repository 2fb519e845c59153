/**
 * Issue 7: the account-takeover paths of the red-team review, each shown closed end to end on a
 * real server (embedded defaults, or PostgreSQL + Redis in CI's second pass), with a real SMTP
 * peer and SMS webhook for codes and notices, and an injected clock for windows and expiry.
 */
import { status } from "@grpc/grpc-js";
import { generateSync } from "otplib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PasswordHasher } from "../../src/application/ports/credentials.js";
import type { UnitOfWork } from "../../src/application/ports/unit-of-work.js";
import { OtpPurpose } from "../../src/gen/pb/auth/v1/auth_service.js";
import { PASSWORD, registerUser, uniqueName } from "../support/fixtures.js";
import { call, type DecodedError, failure } from "../support/grpc.js";
import { ManualClock, startTestServer, type TestServer } from "../support/server.js";
import { startSmsWebhook, type TestSmsWebhook } from "../support/sms-webhook.js";
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from "../support/smtp.js";

const WINDOW_MS = 15 * 60_000; // AUTH__LOCKOUT_MINUTES
const REAUTH_MS = 10 * 60_000; // AUTH__REAUTH_MAX_AGE_MINUTES

/** Counts password checks, so a test can show none ran. */
let verifies = 0;
/** When set, the next transaction waits for this gate before it starts (a login "in flight"). */
let holdNextTransaction: { reached: () => void; gate: Promise<void> } | null = null;

const countingHasher = (inner: PasswordHasher): PasswordHasher => ({
  hash: (p) => inner.hash(p),
  needsRehash: (h) => inner.needsRehash(h),
  verify: async (h, p) => {
    verifies++;
    return inner.verify(h, p);
  },
  verifyDummy: async (p) => {
    verifies++;
    return inner.verifyDummy(p);
  },
});

const holdingUow = (inner: UnitOfWork): UnitOfWork =>
  new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== "transaction") return Reflect.get(target, prop, receiver) as unknown;
      return async (fn: Parameters<UnitOfWork["transaction"]>[0]) => {
        const hold = holdNextTransaction;
        if (hold) {
          holdNextTransaction = null;
          hold.reached();
          await hold.gate;
        }
        return target.transaction(fn);
      };
    },
  });

/** Arms the hold; `reached` resolves when a call is parked, `release` lets it go on. */
function armHold(): { reached: Promise<void>; release: () => void } {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const parked = new Promise<void>((r) => (reached = r));
  holdNextTransaction = { reached, gate };
  return { reached: parked, release };
}

let smtp: TestSmtpServer;
let sms: TestSmsWebhook;
let server: TestServer;
const clock = new ManualClock();

beforeAll(async () => {
  [smtp, sms] = await Promise.all([startSmtpServer(), startSmsWebhook()]);
  server = await startTestServer({
    clock,
    // 127.0.0.1 is a trusted proxy so the tests can speak for many client addresses.
    env: { MAIL__SMTP_URL: smtp.url, MAIL__TIMEOUT_MS: "1000", SMS__WEBHOOK_URL: sms.url, SMS__TIMEOUT_MS: "1000", SERVER__TRUSTED_PROXIES: "127.0.0.1" },
    appOptions: { wrapHasher: countingHasher, wrapUnitOfWork: holdingUow },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([smtp?.stop(), sms?.stop()]);
});
beforeEach(() => {
  holdNextTransaction = null;
  // Every test starts past the windows of the one before, so no lock carries over.
  clock.advance(2 * WINDOW_MS + 1000);
});

const login = (identifier: string, password: string, ip?: string, otpCode = "") =>
  call(server.clients.auth, server.clients.auth.login, { identifier, password, otpCode, deviceName: "" }, ip ? { metadata: { "x-forwarded-for": ip } } : {});
const codeOf = (text: string) => /\b(\d{6})\b/.exec(text)?.[1];
/** The next mail to `to` whose text matches, skipping others (codes and notices share an inbox). */
async function mailMatching(to: string, re: RegExp, timeoutMs = 3000): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = await smtp.waitForMail(to, Math.max(1, deadline - Date.now()));
    if (re.test(`${mail.subject}\n${mail.text}`)) return mail;
  }
}
const mailCode = async (to: string) => codeOf((await mailMatching(to, /\b\d{6}\b/)).text)!;
const requestOtp = (contact: { email?: string; phone?: string }, purpose: OtpPurpose) =>
  call(server.clients.auth, server.clients.auth.requestOtp, { ...contact, purpose });
const nextCodeWindow = () => clock.advance(61_000); // past OTP__RESEND_SECONDS
const wrongCode = (right: string) => (right === "000000" ? "111111" : "000000");
const shape = (e: DecodedError) => ({ code: e.code, reason: e.reason, message: e.message, details: e.detailBytes });
const totpNow = (secret: string) => generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
const events = async (bearer: string) =>
  (await call(server.clients.users, server.clients.users.listAuditEvents, { pageSize: 100, pageToken: "" }, { bearer })).events.map((e) => e.type);
const getMe = async (bearer: string) => (await call(server.clients.users, server.clients.users.getMe, {}, { bearer })).user!;

const smsMatching = {
  async waitFor(to: string, re: RegExp, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await sms.waitForSms(to, Math.max(1, deadline - Date.now()));
      if (re.test(m.body)) return m.body;
    }
  },
};

describe("1. the lock is not a password oracle", () => {
  it("while locked, 100 guesses from many addresses get one identical answer and no password is checked", async () => {
    const reg = await registerUser(server.clients);
    await mailCode(reg.email); // the Register verification code
    for (let i = 0; i < 10; i++) await failure(login(reg.username, `wrong password ${i}`, `198.51.100.${i + 1}`));
    const checkedBefore = verifies;
    const answers: DecodedError[] = [];
    for (let i = 0; i < 100; i++) {
      const guess = i === 99 ? PASSWORD : `guess number ${i}`;
      answers.push(await failure(login(reg.username, guess, `203.0.${Math.floor(i / 50)}.${(i % 50) + 1}`)));
    }
    expect(verifies - checkedBefore).toBe(0);
    expect(answers[0]).toMatchObject({ code: status.PERMISSION_DENIED, reason: "ACCOUNT_LOCKED" });
    expect(answers[0]!.retryDelaySeconds).toBeGreaterThan(0);
    for (const a of answers) expect(shape(a)).toEqual(shape(answers[0]!));
    // The owner is told, at the account's address.
    const notice = await mailMatching(reg.email, /locked/i);
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    // Once the window has passed the right password works again.
    clock.advance(2 * WINDOW_MS + 1000);
    await login(reg.username, PASSWORD);
  });

  it("an identifier that matches no account locks the same way, checking nothing while locked", async () => {
    const ghost = uniqueName("ghost");
    const reg = await registerUser(server.clients);
    for (let i = 0; i < 10; i++) {
      expect((await failure(login(ghost, `wrong password ${i}`))).reason).toBe("INVALID_CREDENTIALS");
      await failure(login(reg.username, `wrong password ${i}`));
    }
    const checkedBefore = verifies;
    const ghostAnswer = await failure(login(ghost, PASSWORD));
    const realAnswer = await failure(login(reg.username, PASSWORD));
    expect(verifies - checkedBefore).toBe(0);
    expect(shape(ghostAnswer)).toEqual(shape(realAnswer));
    expect(realAnswer.reason).toBe("ACCOUNT_LOCKED");
  });
});

describe("2. a stolen bearer cannot take the account over", () => {
  it("past the window UpdateMe(email), EnrollTotp, DeleteMe need Reauthenticate; the old address is told", async () => {
    const { users, auth } = server.clients;
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    clock.advance(REAUTH_MS + 1000);
    // A refreshed token is no fresher: refreshing does not renew the authentication.
    const refreshed = await call(auth, auth.refreshToken, { refreshToken: reg.tokens!.refreshToken });
    const bearer = refreshed.tokens!.accessToken;
    const attacker = `attacker_${uniqueName()}@example.com`;
    const steps = [
      () => call(users, users.updateMe, { fullName: "", username: "", email: attacker, phone: "", updateMask: ["email"] }, { bearer }),
      () => call(users, users.updateMe, { fullName: "", username: "", email: "", phone: "+4915199999999", updateMask: ["phone"] }, { bearer }),
      () => call(users, users.updateMe, { fullName: "", username: uniqueName(), email: "", phone: "", updateMask: ["username"] }, { bearer }),
      () => call(users, users.enrollTotp, {}, { bearer }),
      () => call(users, users.confirmTotp, { code: "123456" }, { bearer }),
      () => call(users, users.disableTotp, { code: "123456", password: "" }, { bearer }),
      () => call(users, users.deleteMe, {}, { bearer }),
    ];
    for (const step of steps) {
      expect(await failure(step())).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "REAUTHENTICATION_REQUIRED" });
    }
    // Nothing changed; a change that is not sensitive still works.
    expect((await getMe(bearer)).email).toBe(reg.email);
    await call(users, users.updateMe, { fullName: "New Name", username: "", email: "", phone: "", updateMask: ["full_name"] }, { bearer });
    // A wrong password does not make the session fresh.
    const wrong = await failure(call(users, users.reauthenticate, { password: "not the password", code: "" }, { bearer }));
    expect(wrong.reason).toBe("INVALID_CREDENTIALS");
    expect((await failure(steps[0]!())).reason).toBe("REAUTHENTICATION_REQUIRED");

    const fresh = await call(users, users.reauthenticate, { password: PASSWORD, code: "" }, { bearer });
    expect(fresh.freshUntil!.getTime()).toBe(clock.now().getTime() + REAUTH_MS);
    await call(users, users.updateMe, { fullName: "", username: "", email: attacker, phone: "", updateMask: ["email"] }, { bearer });
    const notice = await mailMatching(reg.email, /email address changed/i);
    expect(`${notice.subject}${notice.text}${notice.html}`).not.toContain(attacker);
    expect(await events(bearer)).toContain("session.reauthenticated");
    // The window closes again.
    clock.advance(REAUTH_MS + 1000);
    expect((await failure(call(users, users.enrollTotp, {}, { bearer }))).reason).toBe("REAUTHENTICATION_REQUIRED");
  });

  it("a fresh login may make sensitive changes at once, and the old contacts hear of each", async () => {
    const { users } = server.clients;
    const phone = `+4917${Math.floor(1e8 + Math.random() * 8e8)}`;
    const reg = await registerUser(server.clients, { phone });
    await sms.waitForSms(phone); // the Register verification code
    const bearer = reg.tokens!.accessToken;
    const enrolled = await call(users, users.enrollTotp, {}, { bearer });
    await call(users, users.confirmTotp, { code: totpNow(enrolled.secret) }, { bearer });
    await mailMatching(reg.email, /two-step verification turned on/i);
    clock.advance(31_000); // next TOTP step
    await call(users, users.disableTotp, { code: totpNow(enrolled.secret), password: "" }, { bearer });
    await mailMatching(reg.email, /two-step verification turned off/i);
    const newPhone = `+4916${Math.floor(1e8 + Math.random() * 8e8)}`;
    await call(users, users.updateMe, { fullName: "", username: "", email: "", phone: newPhone, updateMask: ["phone"] }, { bearer });
    const notice = await smsMatching.waitFor(phone, /phone number of your account was changed/i);
    expect(notice).not.toContain(newPhone);
    await mailMatching(reg.email, /phone number changed/i);
  });
});

describe("3. factor checks behind a session share the account's failure limit", () => {
  it("after the limit ChangePassword, Reauthenticate and DisableTotp refuse even the right value; each failure is audited", async () => {
    const { users } = server.clients;
    const reg = await registerUser(server.clients);
    const bearer = reg.tokens!.accessToken;
    const enrolled = await call(users, users.enrollTotp, {}, { bearer });
    await call(users, users.confirmTotp, { code: totpNow(enrolled.secret) }, { bearer });
    clock.advance(31_000);
    // Ten failures of three kinds, mixed with login failures: one counter.
    for (let i = 0; i < 3; i++) await failure(login(reg.username, `wrong password ${i}`, "", totpNow(enrolled.secret)));
    for (let i = 0; i < 3; i++) {
      const e = await failure(
        call(users, users.changePassword, { currentPassword: `wrong ${i} password`, newPassword: "another good passphrase" }, { bearer }),
      );
      expect(e.reason).toBe("INVALID_CREDENTIALS");
    }
    for (let i = 0; i < 2; i++) {
      const e = await failure(call(users, users.disableTotp, { code: wrongCode(totpNow(enrolled.secret)), password: "" }, { bearer }));
      expect(e.reason).toBe("MFA_INVALID");
    }
    for (let i = 0; i < 2; i++) await failure(call(users, users.reauthenticate, { password: `wrong ${i} password`, code: "" }, { bearer }));
    const checkedBefore = verifies;
    const locked = [
      await failure(call(users, users.changePassword, { currentPassword: PASSWORD, newPassword: "another good passphrase" }, { bearer })),
      await failure(call(users, users.reauthenticate, { password: PASSWORD, code: "" }, { bearer })),
      await failure(call(users, users.reauthenticate, { password: "", code: totpNow(enrolled.secret) }, { bearer })),
      await failure(call(users, users.disableTotp, { code: totpNow(enrolled.secret), password: "" }, { bearer })),
      await failure(call(users, users.disableTotp, { code: "", password: PASSWORD }, { bearer })),
      await failure(login(reg.username, PASSWORD, "", totpNow(enrolled.secret))),
    ];
    expect(verifies - checkedBefore).toBe(0);
    for (const e of locked) expect(e).toMatchObject({ code: status.PERMISSION_DENIED, reason: "ACCOUNT_LOCKED" });
    const types = await events(bearer);
    // 3 wrong current passwords + 2 wrong Reauthenticate, and the locked ChangePassword.
    expect(types.filter((t) => t === "password.check_failed")).toHaveLength(6);
    // 2 wrong DisableTotp codes, and the two locked DisableTotp.
    expect(types.filter((t) => t === "mfa.failed")).toHaveLength(4);
    expect(types).toContain("account.locked");
    // The second factor is still on, the password unchanged.
    expect((await getMe(bearer)).mfaEnabled).toBe(true);
    clock.advance(2 * WINDOW_MS + 1000);
    await login(reg.username, PASSWORD, "", totpNow(enrolled.secret));
  });

  it("caps the failure audit rows one account can write", async () => {
    const reg = await registerUser(server.clients);
    for (let i = 0; i < 60; i++) await failure(login(reg.username, `wrong password ${i}`));
    const types = await events(reg.tokens!.accessToken);
    const failures = types.filter((t) => t === "login.failed").length;
    expect(failures).toBeGreaterThanOrEqual(10);
    expect(failures).toBeLessThanOrEqual(30);
  });
});

describe("4. one-time codes are capped across codes", () => {
  it("after the limit is reached by code checks on two destinations, the right code is refused until the window passes", async () => {
    const { auth } = server.clients;
    const phone = `+4915${Math.floor(1e8 + Math.random() * 8e8)}`;
    const reg = await registerUser(server.clients, { phone });
    await mailCode(reg.email);
    await sms.waitForSms(phone); // the Register verification code
    let failures = 0;
    // New codes keep coming (one a minute per destination): the account's limit stops the guessing.
    while (failures < 10) {
      nextCodeWindow();
      await requestOtp({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN);
      const right = await mailCode(reg.email);
      await requestOtp({ phone }, OtpPurpose.OTP_PURPOSE_LOGIN);
      const rightSms = codeOf(await smsMatching.waitFor(phone, /\b\d{6}\b/))!;
      for (const [contact, code] of [
        [{ email: reg.email }, right],
        [{ phone }, rightSms],
      ] as const) {
        if (failures >= 10) break;
        const e = await failure(call(auth, auth.loginWithOtp, { ...contact, code: wrongCode(code), mfaCode: "", deviceName: "" }));
        expect(e.reason).toBe("OTP_INVALID");
        failures++;
      }
    }
    nextCodeWindow();
    await requestOtp({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN);
    const right = await mailCode(reg.email);
    const refused = await failure(call(auth, auth.loginWithOtp, { email: reg.email, code: right, mfaCode: "", deviceName: "" }));
    expect(refused).toMatchObject({ code: status.PERMISSION_DENIED, reason: "ACCOUNT_LOCKED" });
    // VerifyContact and ResetPassword share the limit.
    nextCodeWindow();
    await requestOtp({ phone }, OtpPurpose.OTP_PURPOSE_VERIFY_CONTACT);
    const verifySms = codeOf(await smsMatching.waitFor(phone, /\b\d{6}\b/))!;
    expect((await failure(call(auth, auth.verifyContact, { phone, code: verifySms }))).reason).toBe("ACCOUNT_LOCKED");
    nextCodeWindow();
    await requestOtp({ email: reg.email }, OtpPurpose.OTP_PURPOSE_RESET_PASSWORD);
    const resetCode = await mailCode(reg.email);
    const reset = await failure(call(auth, auth.resetPassword, { email: reg.email, code: resetCode, newPassword: "a fresh passphrase" }));
    expect(reset.reason).toBe("ACCOUNT_LOCKED");
    // The window passes: a (new) right code works. The old one expired meanwhile.
    clock.advance(2 * WINDOW_MS + 1000);
    await requestOtp({ email: reg.email }, OtpPurpose.OTP_PURPOSE_RESET_PASSWORD);
    await call(auth, auth.resetPassword, { email: reg.email, code: await mailCode(reg.email), newPassword: "a fresh passphrase" });
    await login(reg.username, "a fresh passphrase");
  });

  it("wrong codes against an address nobody uses lock it the same way", async () => {
    const { auth } = server.clients;
    const email = `${uniqueName("nobody")}@example.com`;
    const answers: DecodedError[] = [];
    for (let i = 0; i < 11; i++) answers.push(await failure(call(auth, auth.loginWithOtp, { email, code: "123456", mfaCode: "", deviceName: "" })));
    expect(answers.slice(0, 10).every((a) => a.reason === "OTP_INVALID")).toBe(true);
    expect(answers[10]!.reason).toBe("ACCOUNT_LOCKED");
  });
});

describe("5. a login in flight does not survive a credential change", () => {
  const heldLogin = async (username: string) => {
    const hold = armHold();
    const pending = login(username, PASSWORD).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    await hold.reached; // the password checked out; the session transaction has not begun
    return { pending, release: hold.release };
  };

  it("ChangePassword committing while a login is held: the login fails", async () => {
    const reg = await registerUser(server.clients);
    const { pending, release } = await heldLogin(reg.username);
    await call(
      server.clients.users,
      server.clients.users.changePassword,
      { currentPassword: PASSWORD, newPassword: "the new passphrase" },
      { bearer: reg.tokens!.accessToken },
    );
    release();
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect((await failure(Promise.reject(outcome.e))).reason).toBe("INVALID_CREDENTIALS");
  });

  it("ResetPassword committing while a login is held: the login fails", async () => {
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    nextCodeWindow();
    await requestOtp({ email: reg.email }, OtpPurpose.OTP_PURPOSE_RESET_PASSWORD);
    const code = await mailCode(reg.email);
    const { pending, release } = await heldLogin(reg.username);
    await call(server.clients.auth, server.clients.auth.resetPassword, { email: reg.email, code, newPassword: "the reset passphrase" });
    release();
    expect((await pending).ok).toBe(false);
  });

  it("DeleteMe committing while a login is held: no session, and ValidateToken accepts none", async () => {
    const reg = await registerUser(server.clients);
    const { pending, release } = await heldLogin(reg.username);
    await call(server.clients.users, server.clients.users.deleteMe, {}, { bearer: reg.tokens!.accessToken });
    release();
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    const e = await failure(call(server.clients.auth, server.clients.auth.validateToken, { accessToken: reg.tokens!.accessToken }));
    expect(e.code).toBe(status.UNAUTHENTICATED);
  });
});

describe("6. email_verified only for an address that was proven", () => {
  it("UpdateMe moving the email while VerifyContact is held leaves the new address unverified", async () => {
    const { auth, users } = server.clients;
    const reg = await registerUser(server.clients);
    const code = await mailCode(reg.email);
    const hold = armHold();
    const pending = call(auth, auth.verifyContact, { email: reg.email, code }).then(
      () => null,
      (e: unknown) => e,
    );
    await hold.reached;
    const moved = `${uniqueName("moved")}@example.com`;
    await call(users, users.updateMe, { fullName: "", username: "", email: moved, phone: "", updateMask: ["email"] }, { bearer: reg.tokens!.accessToken });
    hold.release();
    const error = await pending;
    expect(error).not.toBeNull();
    expect((await failure(Promise.reject(error))).reason).toBe("OTP_INVALID");
    const me = await getMe(reg.tokens!.accessToken);
    expect(me.email).toBe(moved);
    expect(me.emailVerified).toBe(false);
  });
});

describe("7. ResetPassword with a wrong code tells nothing about the account", () => {
  it("answers OTP_INVALID whatever new_password is", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    const answers = [];
    for (const newPassword of [reg.username, reg.email, "a perfectly fine passphrase", "short"]) {
      answers.push(await failure(call(auth, auth.resetPassword, { email: reg.email, code: "123456", newPassword })));
    }
    for (const a of answers) expect(shape(a)).toEqual(shape(answers[2]!));
    expect(answers[0]!.reason).toBe("OTP_INVALID");
  });
});

describe("8. pre-account hijacking", () => {
  it("the owner's first sign-in by code ends the squatter's password and sessions", async () => {
    const { auth, users } = server.clients;
    const victim = `${uniqueName("victim")}@example.com`;
    // The squatter registers with the victim's address (and cannot read its mail).
    const squatter = await registerUser(server.clients, { email: victim, password: "squatter passphrase" });
    await mailCode(victim);
    // The owner signs in with a code sent to their address.
    nextCodeWindow();
    await requestOtp({ email: victim }, OtpPurpose.OTP_PURPOSE_LOGIN);
    const owner = await call(auth, auth.loginWithOtp, { email: victim, code: await mailCode(victim), mfaCode: "", deviceName: "" });
    expect(owner.user?.emailVerified).toBe(true);
    // The squatter's session and password are dead.
    expect((await failure(call(users, users.getMe, {}, { bearer: squatter.tokens!.accessToken }))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(call(auth, auth.refreshToken, { refreshToken: squatter.tokens!.refreshToken }))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(login(victim, "squatter passphrase"))).reason).toBe("INVALID_CREDENTIALS");
    expect(await events(owner.tokens!.accessToken)).toContain("account.claimed");
    // The owner's own session works, and a later code login is no claim (nothing is removed).
    await getMe(owner.tokens!.accessToken);
  });

  it("a second factor the squatter put on does not lock the owner out of a code sign-in", async () => {
    const { auth, users } = server.clients;
    const victim = `${uniqueName("victim")}@example.com`;
    const squatter = await registerUser(server.clients, { email: victim, password: "squatter passphrase" });
    await mailCode(victim);
    const enrolled = await call(users, users.enrollTotp, {}, { bearer: squatter.tokens!.accessToken });
    await call(users, users.confirmTotp, { code: totpNow(enrolled.secret) }, { bearer: squatter.tokens!.accessToken });
    nextCodeWindow();
    await requestOtp({ email: victim }, OtpPurpose.OTP_PURPOSE_LOGIN);
    const owner = await call(auth, auth.loginWithOtp, { email: victim, code: await mailCode(victim), mfaCode: "", deviceName: "" });
    expect(owner.user?.mfaEnabled).toBe(false);
  });
});

describe("9. no SMS to unknown numbers", () => {
  it("answers RequestOtp for an unknown number the same way and sends nothing", async () => {
    const unknown = `+4915${Math.floor(1e8 + Math.random() * 8e8)}`;
    const known = `+4915${Math.floor(1e8 + Math.random() * 8e8)}`;
    const reg = await registerUser(server.clients, { phone: known });
    await mailCode(reg.email);
    await sms.waitForSms(known);
    nextCodeWindow();
    const a = await requestOtp({ phone: unknown }, OtpPurpose.OTP_PURPOSE_LOGIN);
    const b = await requestOtp({ phone: known }, OtpPurpose.OTP_PURPOSE_LOGIN);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(a.resendAfterSeconds).toBe(b.resendAfterSeconds);
    await sms.waitForSms(known);
    await expect(sms.waitForSms(unknown, 300)).rejects.toThrow();
    // The resend limit answers the same too.
    const again = [
      await failure(requestOtp({ phone: unknown }, OtpPurpose.OTP_PURPOSE_LOGIN)),
      await failure(requestOtp({ phone: known }, OtpPurpose.OTP_PURPOSE_LOGIN)),
    ];
    expect(again[0]!.reason).toBe("RATE_LIMITED");
    expect(again[1]!.reason).toBe("RATE_LIMITED");
  });

  it("sends at most AUTH__NOTICES_PER_DAY 'no account' mails to one address a day", async () => {
    const email = `${uniqueName("stranger")}@example.com`;
    for (let i = 0; i < 8; i++) {
      nextCodeWindow();
      await requestOtp({ email }, OtpPurpose.OTP_PURPOSE_LOGIN);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(5);
  });
});
