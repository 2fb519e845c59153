import { describe, expect, it } from "vitest";
import { countingLimiter, testCtx as ctx, flushBackground } from "../../../test/support/fakes.js";
import {
  afterNextCall,
  lastCodeTo,
  noticesSent,
  PASSWORD,
  rejection,
  seedRecoveryCodes,
  seedTotp,
  seedUser,
  unitDeps,
} from "../../../test/support/use-case-deps.js";
import { RequestOtp } from "../codes/request-otp.js";
import type { OtpPurpose } from "../ports/delivery.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { LoginWithOtp } from "./login-with-otp.js";

const EMAIL = "ada@example.com";
const PHONE = "+4915112345678";

function setup(options: { maxFailures?: number } = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow, options.maxFailures ? { loginFailures: countingLimiter(options.maxFailures) } : {});
  const requestOtp = new RequestOtp(deps);
  /** Asks for a code the way a client does and reads it from the message sent. */
  const codeFor = async (contact: { email: string } | { phone: string }, purpose: OtpPurpose = "login") => {
    await requestOtp.execute({ ...contact, purpose }, ctx);
    return lastCodeTo(deps.notifier.sent, "email" in contact ? contact.email.trim().toLowerCase() : contact.phone.replace(/[\s().-]/g, ""));
  };
  return { uow, deps, codeFor, login: new LoginWithOtp(deps) };
}

const input = (code: string, over: Partial<{ email: string; phone: string; mfaCode: string; deviceName: string }> = {}) => ({
  email: EMAIL,
  code,
  mfaCode: "",
  deviceName: "phone",
  ...over,
});

const otherThan = (code: string) => (code === "000000" ? "111111" : "000000");

describe("LoginWithOtp", () => {
  it("refuses malformed input before counting anything", async () => {
    const { deps, login } = setup();
    const both = await rejection(login.execute({ ...input("12345"), phone: PHONE, deviceName: "\u0000" }, ctx));
    expect(both.reason).toBe("VALIDATION_FAILED");
    expect(both.fieldViolations?.map((v) => v.field).sort()).toEqual(["code", "device_name", "email"]);
    const neither = await rejection(login.execute({ ...input("123456"), email: "" }, ctx));
    expect(neither.fieldViolations?.map((v) => v.field)).toEqual(["email"]);
    const bad = await rejection(login.execute(input("123456", { email: "", phone: "0151 no" }), ctx));
    expect(bad.fieldViolations?.map((v) => v.field)).toEqual(["phone"]);
    expect(deps.ipAttempts.keys).toEqual([]);
    expect(deps.loginFailures.keys).toEqual([]);
  });

  it("a right code of a verified account opens a session as otp, keeps the password, and is single use", async () => {
    const { uow, deps, codeFor, login } = setup();
    const user = await seedUser(deps, { username: "ada", email: EMAIL });
    const code = await codeFor({ email: EMAIL });
    const out = await login.execute(input(code), ctx);
    expect(out.session).toMatchObject({ userId: user.id, authMethod: "otp", deviceName: "phone" });
    expect(out.tokens.accessToken).toBe(deps.tokens.issued[0]?.token);
    expect(out.user.passwordHash).toBe(`h:${PASSWORD}`);
    expect(out.user.authVersion).toBe(user.authVersion);
    const rows = await uow.rows();
    expect(rows.auditEvents.map((a) => [a.type, a.sessionId, a.metadata])).toEqual([["login.succeeded", out.session.id, { method: "otp", channel: "email" }]]);
    expect(rows.otpCodes[0]?.consumedAt).not.toBeNull();
    expect(deps.revoker.announced).toEqual([]);
    expect((await rejection(login.execute(input(code), ctx))).reason).toBe("OTP_INVALID");
  });

  it("a code to the phone verifies the phone", async () => {
    const { deps, codeFor, login } = setup();
    await seedUser(deps, { username: "ada", email: EMAIL, phone: PHONE, phoneVerified: false });
    const out = await login.execute(input(await codeFor({ phone: "+49 151 12345678" }), { email: "", phone: PHONE }), ctx);
    expect(out.user).toMatchObject({ phoneVerified: true, emailVerified: true });
  });

  it("a wrong code: OTP_INVALID, audited otp.failed, counted; the try reaching the code's limit burns it", async () => {
    const { uow, deps, codeFor, login } = setup({ maxFailures: 100 });
    const user = await seedUser(deps, { username: "ada", email: EMAIL });
    const code = await codeFor({ email: EMAIL });
    for (let i = 0; i < 5; i++) expect((await rejection(login.execute(input(otherThan(code)), ctx))).reason).toBe("OTP_INVALID");
    const rows = await uow.rows();
    expect(rows.auditEvents.map((a) => [a.type, a.userId, a.metadata])).toEqual(Array.from({ length: 5 }, () => ["otp.failed", user.id, { purpose: "login" }]));
    expect(deps.loginFailures.keys).toEqual(Array.from({ length: 5 }, () => `user:${user.id}`));
    expect((await rejection(login.execute(input(code), ctx))).reason).toBe("OTP_INVALID");
    expect(rows.sessions).toEqual([]);
  });

  it("expired, other-purpose and superseded codes answer OTP_INVALID", async () => {
    const { deps, codeFor, login } = setup({ maxFailures: 100 });
    await seedUser(deps, { username: "ada", email: EMAIL });
    const expired = await codeFor({ email: EMAIL });
    deps.clock.advanceSeconds(600);
    expect((await rejection(login.execute(input(expired), ctx))).reason).toBe("OTP_INVALID");
    deps.clock.advanceSeconds(61);
    const verify = await codeFor({ email: EMAIL }, "verify_contact");
    expect((await rejection(login.execute(input(verify), ctx))).reason).toBe("OTP_INVALID");
    deps.clock.advanceSeconds(61);
    const older = await codeFor({ email: EMAIL });
    deps.clock.advanceSeconds(61);
    const newer = await codeFor({ email: EMAIL });
    if (older !== newer) expect((await rejection(login.execute(input(older), ctx))).reason).toBe("OTP_INVALID");
    await expect(login.execute(input(newer), ctx)).resolves.toBeDefined();
  });

  it("an unknown contact answers OTP_INVALID, counted under the contact", async () => {
    const { deps, codeFor, login } = setup();
    await codeFor({ email: "ghost@example.com" }).catch(() => undefined);
    const e = await rejection(login.execute(input("123456", { email: "Ghost@example.com" }), ctx));
    expect(e.reason).toBe("OTP_INVALID");
    expect(deps.loginFailures.keys).toEqual(["ident:email:ghost@example.com"]);
  });

  it("a locked account answers ACCOUNT_LOCKED even to the right code", async () => {
    const { deps, codeFor, login } = setup({ maxFailures: 3 });
    await seedUser(deps, { username: "ada", email: EMAIL });
    const code = await codeFor({ email: EMAIL });
    for (let i = 0; i < 3; i++) await rejection(login.execute(input(otherThan(code)), ctx));
    const e = await rejection(login.execute(input(code), ctx));
    expect(e.reason).toBe("ACCOUNT_LOCKED");
  });

  it("an account disabled after the code was sent gets no session", async () => {
    const { uow, deps, codeFor, login } = setup();
    const user = await seedUser(deps, { username: "ada", email: EMAIL });
    const code = await codeFor({ email: EMAIL });
    await uow.users.update(user.id, { isActive: false, updatedAt: deps.clock.now() });
    expect((await rejection(login.execute(input(code), ctx))).reason).toBe("OTP_INVALID");
    expect((await uow.rows()).sessions).toEqual([]);
  });

  describe("second factor of a verified account", () => {
    async function withTotp() {
      const s = setup();
      const user = await seedTotp(s.deps, await seedUser(s.deps, { username: "ada", email: EMAIL }));
      return { ...s, user, totp: () => s.deps.totp.codeAt("TOTPSECRET", s.deps.clock.now()) };
    }

    it("MFA_REQUIRED without it, and the code is not used up by asking", async () => {
      const { uow, codeFor, login, totp } = await withTotp();
      const code = await codeFor({ email: EMAIL });
      expect((await rejection(login.execute(input(code), ctx))).reason).toBe("MFA_REQUIRED");
      expect((await uow.rows()).sessions).toEqual([]);
      const out = await login.execute(input(code, { mfaCode: totp() }), ctx);
      expect(out.session.authMethod).toBe("otp+totp");
    });

    it("a wrong second factor is audited mfa.failed and counted", async () => {
      const { uow, deps, codeFor, login, user, totp } = await withTotp();
      const code = await codeFor({ email: EMAIL });
      expect((await rejection(login.execute(input(code, { mfaCode: otherThan(totp()) }), ctx))).reason).toBe("MFA_INVALID");
      const rows = await uow.rows();
      expect(rows.auditEvents.map((a) => [a.type, a.userId])).toEqual([["mfa.failed", user.id]]);
      expect(rows.sessions).toEqual([]);
      expect((await deps.loginFailures.peek(`user:${user.id}`)).remaining).toBe(4);
    });
  });

  describe("the first proof of a contact is a claim", () => {
    async function squatted() {
      const s = setup();
      let user = await seedUser(s.deps, { username: "squatter", email: EMAIL, emailVerified: false });
      user = await seedTotp(s.deps, user);
      await seedRecoveryCodes(s.deps, user, ["abcde-fghjk"]);
      const now = s.deps.clock.now();
      const old = [];
      for (const id of ["00000000-0000-7000-b000-000000000001", "00000000-0000-7000-b000-000000000002"]) {
        old.push(
          await s.uow.sessions.create({
            id,
            userId: user.id,
            deviceName: "squatter's",
            userAgent: "",
            ipAddress: "198.51.100.1",
            authMethod: "password",
            createdAt: now,
            expiresAt: new Date(now.getTime() + 86_400_000),
          }),
        );
      }
      return { ...s, user, old };
    }

    it("removes the password, the second factor, its recovery codes, provider identities, passkeys and every session set up before", async () => {
      const { uow, deps, codeFor, login, user, old } = await squatted();
      // The squatter also linked their own provider identity and registered a passkey.
      await uow.oauthIdentities.create({
        id: "00000000-0000-7000-8000-0000000000d1",
        userId: user.id,
        provider: "acme",
        issuer: "https://idp.acme.test",
        subject: "squatter",
        email: null,
        createdAt: deps.clock.now(),
        lastUsedAt: null,
      });
      await uow.passkeys.create({
        id: "00000000-0000-7000-8000-0000000000d2",
        userId: user.id,
        credentialId: "squatter-credential",
        publicKey: new Uint8Array([1]),
        counter: 0,
        transports: [],
        deviceType: "singleDevice",
        backedUp: false,
        name: "",
        createdAt: deps.clock.now(),
        lastUsedAt: null,
      });
      const out = await login.execute(input(await codeFor({ email: EMAIL })), ctx);
      // The unproven second factor is not asked for: it is dropped.
      expect(out.session.authMethod).toBe("otp");
      expect(out.user).toMatchObject({
        emailVerified: true,
        passwordHash: null,
        mfaEnabled: false,
        totpSecretEnc: null,
        totpLastStep: null,
        authVersion: user.authVersion + 1,
      });
      const rows = await uow.rows();
      expect(rows.recoveryCodes.filter((c) => c.userId === user.id)).toEqual([]);
      expect(rows.oauthIdentities).toEqual([]);
      expect(rows.passkeys).toEqual([]);
      const sessions = new Map(rows.sessions.map((s) => [s.id, s]));
      for (const s of old) expect(sessions.get(s.id)).toMatchObject({ revokedReason: "contact_claimed", revokedAt: deps.clock.now() });
      expect(sessions.get(out.session.id)?.revokedAt).toBeNull();
      expect(deps.revoker.announced.flat().sort()).toEqual(old.map((s) => s.id).sort());
      expect(rows.auditEvents.find((a) => a.type === "account.claimed")?.metadata).toEqual({
        channel: "email",
        revoked_sessions: 2,
        password_removed: true,
        removed_identities: 1,
        removed_passkeys: 1,
      });
      expect(rows.auditEvents.map((a) => a.type)).toContain("login.succeeded");
      await flushBackground();
      expect(noticesSent(deps.notifier.sent)).toEqual([["account_claimed", EMAIL]]);
    });

    it("a contact changed between the check and the write: OTP_INVALID, and nothing of the claim is done", async () => {
      const { uow, deps, codeFor, login, user, old } = await squatted();
      const code = await codeFor({ email: EMAIL });
      // Someone else's UpdateMe commits right after the code's owner was read.
      afterNextCall(uow.users, "findById", () => uow.users.update(user.id, { email: "elsewhere@example.com", updatedAt: deps.clock.now() }));
      const e = await rejection(login.execute(input(code), ctx));
      expect(e.reason).toBe("OTP_INVALID");
      const rows = await uow.rows();
      expect(rows.users[0]).toMatchObject({ email: "elsewhere@example.com", emailVerified: false, passwordHash: user.passwordHash, mfaEnabled: true });
      expect(rows.sessions.map((s) => [s.id, s.revokedAt])).toEqual(old.map((s) => [s.id, null]));
      expect(rows.recoveryCodes).toHaveLength(1);
      expect(rows.auditEvents.map((a) => a.type)).toEqual([]);
      expect(deps.revoker.announced).toEqual([]);
      expect(deps.tokens.issued).toEqual([]);
    });
  });
});
