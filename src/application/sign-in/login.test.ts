import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { countingLimiter, testCtx as ctx, flushBackground } from "../../../test/support/fakes.js";
import { noticesSent, PASSWORD, rejection, seedRecoveryCodes, seedTotp, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import type { AuthSettings } from "../shared/settings.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { Login } from "./login.js";

function setup(settings: Partial<AuthSettings> = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow, { settings });
  return { uow, deps, login: new Login(deps) };
}

const input = (over: Partial<{ identifier: string; password: string; otpCode: string; deviceName: string }> = {}) => ({
  identifier: "ada",
  password: PASSWORD,
  otpCode: "",
  deviceName: "laptop",
  ...over,
});

/** What a caller can observe of a refusal: the reason, the words and the retry hint. */
const answer = (e: { reason?: string; message: string; retryAfterSeconds?: number; fieldViolations?: unknown }) => ({
  reason: e.reason,
  message: e.message,
  retryAfterSeconds: e.retryAfterSeconds,
  fieldViolations: e.fieldViolations,
});

describe("Login", () => {
  it("refuses malformed input before counting, looking up or hashing anything", async () => {
    const { deps, login } = setup();
    const e = await rejection(login.execute(input({ identifier: " ", password: "", deviceName: "x".repeat(101) }), ctx));
    expect(e.reason).toBe("VALIDATION_FAILED");
    expect(e.fieldViolations?.map((v) => v.field).sort()).toEqual(["device_name", "identifier", "password"]);
    const long = await rejection(login.execute(input({ identifier: "ada\u0000", password: "p".repeat(128 * 4 + 1) }), ctx));
    expect(long.fieldViolations?.map((v) => v.field).sort()).toEqual(["identifier", "password"]);
    expect(deps.hasher.calls).toEqual([]);
    expect(deps.ipAttempts.keys).toEqual([]);
    expect(deps.loginFailures.keys).toEqual([]);
  });

  it("a right password opens a new session: tokens for it, only the refresh token's hash stored, audited", async () => {
    const { uow, deps, login } = setup();
    const user = await seedUser(deps, { username: "Ada" });
    deps.clock.advanceSeconds(60);
    const out = await login.execute(input({ identifier: "ADA" }), ctx);
    expect(out.user.id).toBe(user.id);
    expect(out.user.lastLoginAt).toEqual(deps.clock.now());
    expect(out.session).toMatchObject({ userId: user.id, authMethod: "password", deviceName: "laptop", ipAddress: ctx.ipAddress });
    expect(deps.tokens.issued.map((t) => [t.userId, t.sessionId, t.token])).toEqual([[user.id, out.session.id, out.tokens.accessToken]]);
    const rows = await uow.rows();
    expect(rows.sessions.map((s) => s.id)).toEqual([out.session.id]);
    expect(rows.refreshTokens.map((r) => [r.sessionId, r.tokenHash])).toEqual([
      [out.session.id, createHash("sha256").update(out.tokens.refreshToken).digest("hex")],
    ]);
    expect(rows.refreshTokens[0]!.tokenHash).not.toContain(out.tokens.refreshToken);
    expect(rows.auditEvents.map((a) => [a.type, a.userId, a.sessionId, a.metadata])).toEqual([
      ["login.succeeded", user.id, out.session.id, { method: "password", identifier_kind: "username" }],
    ]);
    expect(deps.hasher.calls).toEqual(["verify"]);
    // A success clears the account's count.
    expect((await deps.loginFailures.peek(`user:${user.id}`)).remaining).toBe(5);
  });

  it("every login makes a new session, by email or phone too", async () => {
    const { deps, login } = setup();
    await seedUser(deps, { username: "ada", email: "ada@example.com", phone: "+4915112345678" });
    const a = await login.execute(input({ identifier: " Ada@Example.COM " }), ctx);
    const b = await login.execute(input({ identifier: "+49 151 1234 5678" }), ctx);
    expect(a.session.id).not.toBe(b.session.id);
    expect(a.tokens.refreshToken).not.toBe(b.tokens.refreshToken);
  });

  it("NFC and NFD spellings of one password are the same password", async () => {
    const { deps, login } = setup();
    const nfc = "Crème brûlée au café";
    await seedUser(deps, { username: "ada", passwordHash: `h:${nfc.normalize("NFKC")}` });
    await expect(login.execute(input({ password: nfc.normalize("NFD") }), ctx)).resolves.toBeDefined();
    await expect(login.execute(input({ password: nfc.normalize("NFC") }), ctx)).resolves.toBeDefined();
  });

  it("an unknown user still spends a (dummy) hash, and answers exactly like a wrong password", async () => {
    const { uow, deps, login } = setup();
    const user = await seedUser(deps, { username: "ada" });
    const unknown = await rejection(login.execute(input({ identifier: "ghost" }), ctx));
    expect(deps.hasher.calls).toEqual(["verifyDummy"]);
    const wrong = await rejection(login.execute(input({ password: "wrong password" }), ctx));
    expect(deps.hasher.calls).toEqual(["verifyDummy", "verify"]);
    expect(answer(unknown)).toEqual(answer(wrong));
    expect(unknown.reason).toBe("INVALID_CREDENTIALS");
    // Both counted (the unknown one under its identifier) and audited; no session.
    expect(deps.loginFailures.keys).toEqual(["ident:username:ghost", `user:${user.id}`]);
    const rows = await uow.rows();
    expect(rows.auditEvents.map((a) => [a.type, a.outcome, a.userId, a.metadata])).toEqual([
      ["login.failed", "failure", null, { reason: "invalid_credentials" }],
      ["login.failed", "failure", user.id, { reason: "invalid_credentials" }],
    ]);
    expect(rows.sessions).toEqual([]);
    expect(deps.tokens.issued).toEqual([]);
  });

  it("an account without a password answers like a wrong one, after a dummy hash", async () => {
    const { deps, login } = setup();
    await seedUser(deps, { username: "ada", passwordHash: null });
    const e = await rejection(login.execute(input(), ctx));
    expect(e.reason).toBe("INVALID_CREDENTIALS");
    expect(deps.hasher.calls).toEqual(["verifyDummy"]);
  });

  it("locked: ACCOUNT_LOCKED before any hash, the same answer for the right, a wrong and an unknown login; not extended", async () => {
    const { uow, deps, login } = setup();
    const user = await seedUser(deps, { username: "ada" });
    for (let i = 0; i < 5; i++) await rejection(login.execute(input({ password: `wrong ${i}` }), ctx));
    for (let i = 0; i < 5; i++) await rejection(login.execute(input({ identifier: "ghost", password: `wrong ${i}` }), ctx));
    const hashes = deps.hasher.calls.length;
    const counted = deps.loginFailures.keys.length;

    const right = await rejection(login.execute(input(), ctx));
    const wrong = await rejection(login.execute(input({ password: "still wrong" }), ctx));
    const unknown = await rejection(login.execute(input({ identifier: "GHOST" }), ctx));
    expect(right.reason).toBe("ACCOUNT_LOCKED");
    expect(right.retryAfterSeconds).toBe(900);
    expect(answer(wrong)).toEqual(answer(right));
    expect(answer(unknown)).toEqual(answer(right));
    expect(deps.hasher.calls).toHaveLength(hashes);
    expect(deps.loginFailures.keys).toHaveLength(counted);

    // The lock itself is audited once and told to the owner.
    await flushBackground();
    const rows = await uow.rows();
    expect(rows.auditEvents.filter((a) => a.type === "account.locked").map((a) => a.userId)).toEqual([user.id]);
    expect(rows.auditEvents.filter((a) => a.metadata.reason === "locked").length).toBe(3);
    expect(noticesSent(deps.notifier.sent)).toEqual([["account_locked", user.email]]);
    expect(rows.sessions).toEqual([]);
  });

  it("a success resets the count: failures before it do not add up with failures after it", async () => {
    const { deps, login } = setup();
    await seedUser(deps, { username: "ada" });
    for (let i = 0; i < 4; i++) await rejection(login.execute(input({ password: "nope nope" }), ctx));
    await login.execute(input(), ctx);
    for (let i = 0; i < 4; i++) await rejection(login.execute(input({ password: "nope nope" }), ctx));
    await expect(login.execute(input(), ctx)).resolves.toBeDefined();
  });

  it("case variants of a username share one counter", async () => {
    const { deps, login } = setup();
    await seedUser(deps, { username: "ada" });
    for (const identifier of ["ada", "ADA", "Ada", "aDa", "adA"]) await rejection(login.execute(input({ identifier, password: "nope nope" }), ctx));
    expect((await rejection(login.execute(input({ identifier: "ada" }), ctx))).reason).toBe("ACCOUNT_LOCKED");
  });

  it("a disabled or deleted account says so only after the password checked out", async () => {
    const { uow, deps, login } = setup();
    const disabled = await seedUser(deps, { username: "ada", isActive: false });
    await seedUser(deps, { username: "bob", deletedAt: deps.clock.now() });
    expect((await rejection(login.execute(input({ password: "wrong wrong" }), ctx))).reason).toBe("INVALID_CREDENTIALS");
    expect((await rejection(login.execute(input(), ctx))).reason).toBe("ACCOUNT_DISABLED");
    expect((await rejection(login.execute(input({ identifier: "bob", password: "wrong wrong" }), ctx))).reason).toBe("INVALID_CREDENTIALS");
    expect((await rejection(login.execute(input({ identifier: "bob" }), ctx))).reason).toBe("ACCOUNT_DISABLED");
    const rows = await uow.rows();
    expect(rows.auditEvents.filter((a) => a.userId === disabled.id).map((a) => a.metadata.reason)).toEqual(["invalid_credentials", "disabled"]);
    expect(rows.sessions).toEqual([]);
  });

  it("with requireVerifiedContact, no session until an email or phone is verified", async () => {
    const { uow, deps, login } = setup({ requireVerifiedContact: true });
    await seedUser(deps, { username: "ada", emailVerified: false });
    await seedUser(deps, { username: "bob", emailVerified: false, phone: "+4915112345678", phoneVerified: true });
    expect((await rejection(login.execute(input(), ctx))).reason).toBe("CONTACT_NOT_VERIFIED");
    expect((await uow.rows()).sessions).toEqual([]);
    await expect(login.execute(input({ identifier: "bob" }), ctx)).resolves.toBeDefined();
  });

  describe("second factor", () => {
    async function withTotp() {
      const s = setup();
      const user = await seedTotp(s.deps, await seedUser(s.deps, { username: "ada" }));
      return { ...s, user, code: () => s.deps.totp.codeAt("TOTPSECRET", s.deps.clock.now()) };
    }

    it("MFA_REQUIRED without a code, and no session", async () => {
      const { uow, login } = await withTotp();
      const e = await rejection(login.execute(input(), ctx));
      expect(e.reason).toBe("MFA_REQUIRED");
      expect((await uow.rows()).sessions).toEqual([]);
    });

    it("a current code signs in as password+totp; the same code again is a replay", async () => {
      const { uow, login, code } = await withTotp();
      const otpCode = code();
      const out = await login.execute(input({ otpCode }), ctx);
      expect(out.session.authMethod).toBe("password+totp");
      expect((await uow.rows()).auditEvents.at(-1)?.metadata).toMatchObject({ method: "password+totp" });
      expect((await rejection(login.execute(input({ otpCode }), ctx))).reason).toBe("MFA_INVALID");
    });

    it("a wrong code is audited mfa.failed and stays counted, so it locks like a wrong password", async () => {
      const { uow, deps, login, user, code } = await withTotp();
      const right = code();
      const wrong = right === "000000" ? "111111" : "000000";
      for (let i = 0; i < 5; i++) expect((await rejection(login.execute(input({ otpCode: wrong }), ctx))).reason).toBe("MFA_INVALID");
      const rows = await uow.rows();
      expect(rows.auditEvents.filter((a) => a.type === "mfa.failed").map((a) => [a.userId, a.outcome])).toEqual(
        Array.from({ length: 5 }, () => [user.id, "failure"]),
      );
      expect(rows.sessions).toEqual([]);
      expect((await rejection(login.execute(input({ otpCode: right }), ctx))).reason).toBe("ACCOUNT_LOCKED");
      expect(deps.hasher.calls).toHaveLength(5);
    });

    it("a recovery code works once, as password+recovery_code, and its use is audited", async () => {
      const { uow, deps, login, user } = await withTotp();
      await seedRecoveryCodes(deps, user, ["abcde-fghjk", "mnpqr-stuvw"]);
      const out = await login.execute(input({ otpCode: "ABCDE-FGHJK" }), ctx);
      expect(out.session.authMethod).toBe("password+recovery_code");
      const types = (await uow.rows()).auditEvents.map((a) => a.type);
      expect(types).toEqual(["mfa.recovery_code_used", "login.succeeded"]);
      expect((await rejection(login.execute(input({ otpCode: "abcdefghjk" }), ctx))).reason).toBe("MFA_INVALID");
      await expect(login.execute(input({ otpCode: "mnpqrstuvw" }), ctx)).resolves.toBeDefined();
    });
  });

  it("re-hashes a hash of old parameters with the password it just checked, and only then", async () => {
    const { uow, deps, login } = setup();
    const old = await seedUser(deps, { username: "ada", passwordHash: `h1:${PASSWORD}` });
    const current = await seedUser(deps, { username: "bob" });
    await login.execute(input(), ctx);
    expect(deps.hasher.calls).toEqual(["verify", "hash"]);
    await login.execute(input({ identifier: "bob" }), ctx);
    expect(deps.hasher.calls).toEqual(["verify", "hash", "verify"]);
    const users = new Map((await uow.rows()).users.map((u) => [u.id, u]));
    expect(users.get(old.id)?.passwordHash).toBe(`h:${PASSWORD}`);
    expect(users.get(current.id)?.passwordHash).toBe(current.passwordHash);
  });

  it("a password change committed while the password is checked makes the login fail: INVALID_CREDENTIALS, no session", async () => {
    const { uow, deps, login } = setup();
    const user = await seedUser(deps, { username: "ada" });
    deps.hasher.beforeVerify = () => uow.users.update(user.id, { passwordHash: "h:another one entirely", bumpAuthVersion: true, updatedAt: deps.clock.now() });
    const before = (await deps.loginFailures.peek(`user:${user.id}`)).remaining;
    const e = await rejection(login.execute(input(), ctx));
    expect(e.reason).toBe("INVALID_CREDENTIALS");
    // The lost login stays counted: only a login that went through clears the count.
    expect((await deps.loginFailures.peek(`user:${user.id}`)).remaining).toBe(before - 1);
    const rows = await uow.rows();
    expect(rows.sessions).toEqual([]);
    expect(rows.refreshTokens).toEqual([]);
    expect(rows.auditEvents.map((a) => a.type)).not.toContain("login.succeeded");
    expect(rows.users[0]?.lastLoginAt).toBeNull();
    expect(deps.tokens.issued).toEqual([]);
  });

  it("an account disabled while the password is checked gets no session", async () => {
    const { uow, deps, login } = setup();
    const user = await seedUser(deps, { username: "ada" });
    deps.hasher.beforeVerify = () => uow.users.update(user.id, { isActive: false, updatedAt: deps.clock.now() });
    expect((await rejection(login.execute(input(), ctx))).reason).toBe("INVALID_CREDENTIALS");
    expect((await uow.rows()).sessions).toEqual([]);
  });

  it("over the per-IP limit: RATE_LIMITED before the account is looked at", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = unitDeps(uow);
    deps.ipAttempts = countingLimiter(1);
    const login = new Login(deps);
    await seedUser(deps, { username: "ada" });
    await login.execute(input(), ctx);
    const e = await rejection(login.execute(input(), ctx));
    expect(e.reason).toBe("RATE_LIMITED");
    expect(e.retryAfterSeconds).toBeGreaterThan(0);
    expect(deps.hasher.calls).toEqual(["verify"]);
    expect(deps.loginFailures.keys).toHaveLength(1);
  });
});
