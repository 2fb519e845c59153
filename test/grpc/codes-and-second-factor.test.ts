/**
 * Issue 4 end to end: codes by real SMTP (smtp-server, parsed with mailparser) and a real SMS
 * webhook, an injected clock for expiry and resend, TOTP with otplib.
 */
import { status } from "@grpc/grpc-js";
import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OtpPurpose } from "../../src/gen/pb/auth/v1/auth_service.js";
import { PASSWORD, registerUser, uniqueName } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { ManualClock, startTestServer, type TestServer } from "../support/server.js";
import { startSmsWebhook, type TestSmsWebhook } from "../support/sms-webhook.js";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp.js";

let smtp: TestSmtpServer;
let sms: TestSmsWebhook;
let server: TestServer;
const clock = new ManualClock();
const seen: string[] = []; // every code and secret handed out, for the log check

beforeAll(async () => {
  [smtp, sms] = await Promise.all([startSmtpServer(), startSmsWebhook()]);
  server = await startTestServer({
    clock,
    env: { MAIL__SMTP_URL: smtp.url, MAIL__TIMEOUT_MS: "1000", SMS__WEBHOOK_URL: sms.url, SMS__TIMEOUT_MS: "1000", SERVER__ENVIRONMENT: "test" },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([smtp?.stop(), sms?.stop()]);
});

const codeIn = (text: string) => {
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (!code) throw new Error(`no code in: ${text}`);
  seen.push(code);
  return code;
};
const mailCode = async (to: string) => codeIn((await smtp.waitForMail(to)).text);
const smsCode = async (to: string) => codeIn((await sms.waitForSms(to)).body);
const request = (contact: { email?: string; phone?: string }, purpose: OtpPurpose) =>
  call(server.clients.auth, server.clients.auth.requestOtp, { ...contact, purpose });
const nextWindow = () => clock.advance(61_000); // past OTP__RESEND_SECONDS
const totpNow = (secret: string) => generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });

describe("contact verification", () => {
  it("sends a code at Register; VerifyContact marks the email verified; wrong codes fail", async () => {
    const { auth, users } = server.clients;
    const reg = await registerUser(server.clients);
    const mail = await smtp.waitForMail(reg.email);
    expect(mail.subject).toMatch(/verif/i);
    expect(mail.html).toContain(/\b\d{6}\b/.exec(mail.text)![0]);
    expect(mail.text).toMatch(/10 minutes|expires/i);
    const code = codeIn(mail.text);
    const wrong = await failure(call(auth, auth.verifyContact, { email: reg.email, code: code === "000000" ? "111111" : "000000" }));
    expect(wrong).toMatchObject({ code: status.UNAUTHENTICATED, reason: "OTP_INVALID" });
    await call(auth, auth.verifyContact, { email: reg.email.toUpperCase(), code });
    expect((await call(users, users.getMe, {}, { bearer: reg.tokens!.accessToken })).user?.emailVerified).toBe(true);
    // Single use.
    expect((await failure(call(auth, auth.verifyContact, { email: reg.email, code }))).reason).toBe("OTP_INVALID");
  });

  it("does not hold Register while the mail provider hangs (the code is best effort)", async () => {
    smtp.hang(true);
    try {
      const started = performance.now();
      const reg = await registerUser(server.clients);
      // Awaiting the send would take MAIL__TIMEOUT_MS (1 s) × 3 attempts here.
      expect(performance.now() - started).toBeLessThan(900);
      expect(reg.tokens?.accessToken).toBeTruthy();
    } finally {
      smtp.hang(false);
    }
  });

  it("sends to the phone through the SMS webhook", async () => {
    const phone = `+4915${Math.floor(1e8 + Math.random() * 8e8)}`;
    const reg = await registerUser(server.clients, { phone });
    await mailCode(reg.email);
    const code = await smsCode(phone);
    await call(server.clients.auth, server.clients.auth.verifyContact, { phone, code });
    expect((await call(server.clients.users, server.clients.users.getMe, {}, { bearer: reg.tokens!.accessToken })).user?.phoneVerified).toBe(true);
  });

  it("UpdateMe sends a code to a changed email", async () => {
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    const email = `${uniqueName("moved")}@example.org`;
    await call(
      server.clients.users,
      server.clients.users.updateMe,
      { fullName: "", username: "", email, phone: "", updateMask: ["email"] },
      { bearer: reg.tokens!.accessToken },
    );
    await call(server.clients.auth, server.clients.auth.verifyContact, { email, code: await mailCode(email) });
  });
});

describe("one-time codes", () => {
  it("passwordless login; a VERIFY code cannot log in (purpose-bound)", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    const verifyCode = await mailCode(reg.email);
    expect((await failure(call(auth, auth.loginWithOtp, { email: reg.email, code: verifyCode, mfaCode: "", deviceName: "" }))).reason).toBe("OTP_INVALID");
    nextWindow();
    await request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN);
    const login = await call(auth, auth.loginWithOtp, { email: reg.email, code: await mailCode(reg.email), mfaCode: "", deviceName: "otp-device" });
    expect(login.session?.authMethod).toBe("otp");
    expect(login.user?.emailVerified).toBe(true);
    await call(auth, auth.validateToken, { accessToken: login.tokens!.accessToken });
  });

  it("answers the same for an unknown contact, and sends it a notice without a code", async () => {
    const email = `${uniqueName("nobody")}@example.com`;
    const unknown = await request({ email }, OtpPurpose.OTP_PURPOSE_LOGIN);
    // The resend limit applies to unknown destinations too.
    expect((await failure(request({ email }, OtpPurpose.OTP_PURPOSE_LOGIN))).reason).toBe("RATE_LIMITED");
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    nextWindow();
    const known = await request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN);
    expect(Object.keys(unknown).sort()).toEqual(Object.keys(known).sort());
    expect(unknown.resendAfterSeconds).toBe(known.resendAfterSeconds);
    const notice = await smtp.waitForMail(email);
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    expect(notice.text).toMatch(/no account/i);
    await mailCode(reg.email);
  });

  it("takes as long for an unknown contact as for a known one", async () => {
    const known = await Promise.all(Array.from({ length: 8 }, () => registerUser(server.clients)));
    await Promise.all(known.map((k) => mailCode(k.email)));
    nextWindow();
    const time = async (email: string) => {
      const t = performance.now();
      await request({ email }, OtpPurpose.OTP_PURPOSE_LOGIN);
      return performance.now() - t;
    };
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < known.length; i++) {
      knownMs.push(await time(known[i]!.email));
      unknownMs.push(await time(`${uniqueName("ghost")}@example.com`));
    }
    await Promise.all(known.map((k) => mailCode(k.email)));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(unknownMs) / median(knownMs);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it("allows one send per destination per minute (injected clock), with RetryInfo", async () => {
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    const limited = await failure(request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN));
    expect(limited.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(limited.retryDelaySeconds).toBeGreaterThan(0);
    nextWindow();
    await request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN);
    await mailCode(reg.email);
  });

  it("expires after 10 minutes", async () => {
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    nextWindow();
    await request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN);
    const code = await mailCode(reg.email);
    clock.advance(10 * 60_000 + 1000);
    expect((await failure(call(server.clients.auth, server.clients.auth.loginWithOtp, { email: reg.email, code, mfaCode: "", deviceName: "" }))).reason).toBe(
      "OTP_INVALID",
    );
  });

  it("burns a code after 3 wrong tries", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    nextWindow();
    await request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN);
    const code = await mailCode(reg.email);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    for (let i = 0; i < 3; i++) await failure(call(auth, auth.loginWithOtp, { email: reg.email, code: wrong, mfaCode: "", deviceName: "" }));
    expect((await failure(call(auth, auth.loginWithOtp, { email: reg.email, code, mfaCode: "", deviceName: "" }))).reason).toBe("OTP_INVALID");
  });

  it("forgot password → reset → every old session is dead, the new password works", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    const other = await call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" });
    nextWindow();
    await request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_RESET_PASSWORD);
    const code = await mailCode(reg.email);
    const weak = await failure(call(auth, auth.resetPassword, { email: reg.email, code, newPassword: "password1234" }));
    expect(weak.reason).toBe("PASSWORD_TOO_WEAK"); // the code is not spent by a weak choice
    await call(auth, auth.resetPassword, { email: reg.email, code, newPassword: "a fresh reset passphrase" });
    for (const token of [reg.tokens!.accessToken, other.tokens!.accessToken]) {
      expect((await failure(call(auth, auth.validateToken, { accessToken: token }))).reason).toBe("SESSION_REVOKED");
    }
    expect((await failure(call(auth, auth.refreshToken, { refreshToken: other.tokens!.refreshToken }))).reason).toBe("SESSION_REVOKED");
    expect((await failure(call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" }))).reason).toBe(
      "INVALID_CREDENTIALS",
    );
    const fresh = await call(auth, auth.login, { identifier: reg.username, password: "a fresh reset passphrase", otpCode: "", deviceName: "" });
    const trail = await call(
      server.clients.users,
      server.clients.users.listAuditEvents,
      { pageSize: 100, pageToken: "" },
      { bearer: fresh.tokens!.accessToken },
    );
    const reset = trail.events.find((e) => e.type === "password.reset");
    expect(reset).toMatchObject({ outcome: "success", metadata: { channel: "email", revoked_sessions: "2" } });
  });

  it("a provider outage answers UNAVAILABLE and loses nothing: a resend right after works", async () => {
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    nextWindow();
    await smtp.down();
    const down = await failure(request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN));
    expect(down).toMatchObject({ code: status.UNAVAILABLE, reason: "SERVICE_UNAVAILABLE" });
    await smtp.up();
    // Retry until the breaker (if it opened) lets calls through again; no resend limit was spent.
    let sent = false;
    for (let i = 0; i < 40 && !sent; i++) {
      sent = await request({ email: reg.email }, OtpPurpose.OTP_PURPOSE_LOGIN).then(
        () => true,
        () => false,
      );
      if (!sent) await new Promise((r) => setTimeout(r, 250));
    }
    expect(sent).toBe(true);
    await call(server.clients.auth, server.clients.auth.loginWithOtp, { email: reg.email, code: await mailCode(reg.email), mfaCode: "", deviceName: "" });
  });
});

describe("TOTP second factor", () => {
  it("enroll → login needs the code → replay refused → recovery code works once → disable", async () => {
    const { auth, users } = server.clients;
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    const bearer = reg.tokens!.accessToken;
    const enrolled = await call(users, users.enrollTotp, {}, { bearer });
    seen.push(enrolled.secret);
    expect(enrolled.otpauthUri).toMatch(/^otpauth:\/\/totp\/.+secret=/);
    // Not on until confirmed.
    await call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" });
    expect((await failure(call(users, users.confirmTotp, { code: "000000" }, { bearer }))).reason).toBe("MFA_INVALID");
    const confirmed = await call(users, users.confirmTotp, { code: totpNow(enrolled.secret) }, { bearer });
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);
    seen.push(...confirmed.recoveryCodes);
    expect((await call(users, users.getMe, {}, { bearer })).user?.mfaEnabled).toBe(true);

    const login = (otpCode: string) => call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode, deviceName: "" });
    const required = await failure(login(""));
    expect(required).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "MFA_REQUIRED" });
    expect((await failure(call(auth, auth.login, { identifier: reg.username, password: "wrong password here", otpCode: "", deviceName: "" }))).reason).toBe(
      "INVALID_CREDENTIALS",
    );
    clock.advance(30_000);
    const code = totpNow(enrolled.secret);
    const ok = await login(code);
    expect(ok.session?.authMethod).toBe("password+totp");
    expect((await failure(login(code))).reason).toBe("MFA_INVALID"); // replay within its window
    clock.advance(30_000);
    await login(totpNow(enrolled.secret));

    const recovery = confirmed.recoveryCodes[0]!;
    expect((await login(recovery.toUpperCase())).session?.authMethod).toBe("password+recovery_code");
    expect((await failure(login(recovery))).reason).toBe("MFA_INVALID");

    expect((await failure(call(users, users.disableTotp, { code: "", password: "not my password" }, { bearer: ok.tokens!.accessToken }))).reason).toBe(
      "INVALID_CREDENTIALS",
    );
    await call(users, users.disableTotp, { code: "", password: PASSWORD }, { bearer: ok.tokens!.accessToken });
    await login("");
  });

  it("counts wrong second factors toward the account lock", async () => {
    const { auth, users } = server.clients;
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    const enrolled = await call(users, users.enrollTotp, {}, { bearer: reg.tokens!.accessToken });
    seen.push(enrolled.secret);
    clock.advance(30_000);
    await call(users, users.confirmTotp, { code: totpNow(enrolled.secret) }, { bearer: reg.tokens!.accessToken });
    for (let i = 0; i < 10; i++) {
      await failure(call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "abcdefghij", deviceName: "" }));
    }
    clock.advance(30_000);
    const locked = await failure(call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: totpNow(enrolled.secret), deviceName: "" }));
    expect(locked.reason).toBe("ACCOUNT_LOCKED");
  });

  it("refuses enrolment twice and confirmation without enrolment", async () => {
    const { users } = server.clients;
    const reg = await registerUser(server.clients);
    await mailCode(reg.email);
    const bearer = reg.tokens!.accessToken;
    expect((await failure(call(users, users.confirmTotp, { code: "123456" }, { bearer }))).reason).toBe("MFA_STATE_CONFLICT");
    expect((await failure(call(users, users.disableTotp, { code: "123456", password: "" }, { bearer }))).reason).toBe("MFA_STATE_CONFLICT");
    const enrolled = await call(users, users.enrollTotp, {}, { bearer });
    seen.push(enrolled.secret);
    clock.advance(30_000);
    await call(users, users.confirmTotp, { code: totpNow(enrolled.secret) }, { bearer });
    expect((await failure(call(users, users.enrollTotp, {}, { bearer }))).code).toBe(status.FAILED_PRECONDITION);
  });
});

describe("logs", () => {
  it("never carry a code, a TOTP secret or a recovery code outside development mode", () => {
    expect(seen.length).toBeGreaterThan(10);
    const text = server.logs.join("\n");
    for (const secret of seen) expect(text).not.toContain(secret);
  });
});

describe("AUTH__REQUIRE_VERIFIED_CONTACT", () => {
  it("gives no session at Register and refuses login until a contact is verified", async () => {
    const strict = await startTestServer({ env: { MAIL__SMTP_URL: smtp.url, AUTH__REQUIRE_VERIFIED_CONTACT: "true", SERVER__ENVIRONMENT: "test" } });
    try {
      const reg = await registerUser(strict.clients);
      expect(reg.tokens).toBeUndefined();
      const code = await mailCode(reg.email);
      const login = () => call(strict.clients.auth, strict.clients.auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" });
      expect(await failure(login())).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "CONTACT_NOT_VERIFIED" });
      await call(strict.clients.auth, strict.clients.auth.verifyContact, { email: reg.email, code });
      await login();
    } finally {
      await strict.close();
    }
  });
});
