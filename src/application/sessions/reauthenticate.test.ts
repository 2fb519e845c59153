import { describe, expect, it } from "vitest";
import { makeDeps, principalFor, seedUser, T0, testCtx, userRecord } from "../../../test/support/fakes.js";
import type { User } from "../../domain/user.js";
import { accountKey } from "../shared/credential-attempts.js";
import { normalizeRecoveryCode, recoveryContext, totpSecretContext } from "../shared/second-factor.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { openSession } from "./open-session.js";
import { Reauthenticate } from "./reauthenticate.js";
import { RequireFreshAuthentication } from "./require-fresh-authentication.js";

const PASSWORD = "correct horse battery staple";
const SECRET = "TOTPSECRET";
const RECOVERY = "ABCD-EFGH-2345";

async function setup(overrides: Partial<User> = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const base = userRecord(overrides);
  const user = await seedUser(uow, {
    ...overrides,
    ...(base.mfaEnabled ? { totpSecretEnc: deps.sealer.seal(SECRET, totpSecretContext(base.id)) } : {}),
  });
  if (user.mfaEnabled) {
    await uow.recoveryCodes.replaceAll(user.id, [{ id: "rc1", codeHash: deps.codeHasher.hash(normalizeRecoveryCode(RECOVERY), recoveryContext(user.id)) }], T0);
  }
  const { session } = await uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "" }));
  const principal = principalFor(user.id, session.id);
  const reauth = new Reauthenticate(deps);
  const run = (input: Partial<{ password: string; code: string }>) => reauth.execute({ password: "", code: "", ...input }, principal, testCtx);
  const audit = async () => (await uow.rows()).auditEvents.map((e) => [e.type, e.metadata]);
  return { uow, deps, user, session, principal, run, audit };
}

describe("Reauthenticate — with the password", () => {
  it("marks the session authenticated now and answers freshUntil = now + the re-auth window", async () => {
    const { uow, deps, session, principal, run, audit } = await setup();
    deps.clock.advance(3600_000);
    const fresh = new RequireFreshAuthentication(deps);
    await expect(fresh.execute(principal)).rejects.toMatchObject({ reason: "REAUTHENTICATION_REQUIRED" });
    const out = await run({ password: PASSWORD });
    expect(out.freshUntil).toEqual(new Date(deps.clock.now().getTime() + deps.settings.reauthMaxAgeSeconds * 1000));
    expect((await uow.sessions.findById(session.id))?.authenticatedAt).toEqual(deps.clock.now());
    await fresh.execute(principal);
    expect(await audit()).toEqual([["session.reauthenticated", { method: "password" }]]);
  });

  it("a wrong password is INVALID_CREDENTIALS, audited `password.check_failed` and counted on the account", async () => {
    const { deps, user, session, uow, run } = await setup();
    await expect(run({ password: "wrong password" })).rejects.toMatchObject({
      reason: "INVALID_CREDENTIALS",
      fieldViolations: [{ field: "password" }],
    });
    const rows = (await uow.rows()).auditEvents;
    expect(rows.map((r) => [r.type, r.outcome, r.sessionId])).toEqual([["password.check_failed", "failure", session.id]]);
    expect(deps.loginFailures.keys).toEqual([accountKey(user.id)]);
    expect((await uow.sessions.findById(session.id))?.authenticatedAt).toEqual(T0);
  });

  it("past the failure limit even the right password is ACCOUNT_LOCKED with the lockout as RetryInfo", async () => {
    const { deps, uow, session, run, audit } = await setup();
    for (let i = 0; i < 5; i++) await expect(run({ password: `wrong ${i}` })).rejects.toMatchObject({ reason: "INVALID_CREDENTIALS" });
    deps.clock.advance(60_000);
    const verifiesBefore = deps.hasher.verifies;
    await expect(run({ password: PASSWORD })).rejects.toMatchObject({ reason: "ACCOUNT_LOCKED", retryAfterSeconds: deps.settings.lockoutSeconds });
    expect(deps.hasher.verifies).toBe(verifiesBefore); // nothing was checked
    expect((await uow.sessions.findById(session.id))?.authenticatedAt).toEqual(T0);
    expect((await audit()).map(([type]) => type)).toContain("account.locked");
  });

  it("a success clears the account's failure count", async () => {
    const { deps, user, run } = await setup();
    await run({ password: "wrong" }).catch(() => {});
    await run({ password: PASSWORD });
    expect((await deps.loginFailures.peek(accountKey(user.id))).remaining).toBe(5);
  });

  it("a revoked session is SESSION_REVOKED and nothing is audited as re-authenticated", async () => {
    const { uow, deps, session, run, audit } = await setup();
    await uow.sessions.revoke(session.id, "logout", deps.clock.now());
    await expect(run({ password: PASSWORD })).rejects.toMatchObject({ reason: "SESSION_REVOKED" });
    expect(await audit()).toEqual([]);
  });

  it("a deleted account is USER_NOT_FOUND", async () => {
    const { uow, deps, user, run } = await setup();
    await uow.users.update(user.id, { deletedAt: T0, isActive: false, updatedAt: T0 });
    await expect(run({ password: PASSWORD })).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
    expect(deps.loginFailures.keys).toEqual([]);
  });
});

describe("Reauthenticate — input", () => {
  it.each([
    [{}, "password"],
    [{ password: PASSWORD, code: "123456" }, "password"],
    [{ password: "x".repeat(128 * 4 + 1) }, "password"],
    [{ code: "1".repeat(65) }, "code"],
  ])("%j is VALIDATION_FAILED on %s, before any check", async (input, field) => {
    const { deps, run } = await setup();
    await expect(run(input)).rejects.toMatchObject({ reason: "VALIDATION_FAILED", fieldViolations: [expect.objectContaining({ field })] });
    expect(deps.loginFailures.keys).toEqual([]);
  });

  it("a code for an account without a second factor is MFA_STATE_CONFLICT", async () => {
    const { run } = await setup();
    await expect(run({ code: "123456" })).rejects.toMatchObject({ reason: "MFA_STATE_CONFLICT" });
  });
});

describe("Reauthenticate — with a second-factor code", () => {
  it("accepts the current TOTP code (method totp)", async () => {
    const { deps, run, audit } = await setup({ mfaEnabled: true });
    const out = await run({ code: deps.totp.codeAt(SECRET, deps.clock.now()) });
    expect(out.freshUntil).toEqual(new Date(T0.getTime() + 600_000));
    expect(await audit()).toEqual([["session.reauthenticated", { method: "totp" }]]);
  });

  it("accepts a recovery code once (method recovery_code, its use audited)", async () => {
    const { run, audit } = await setup({ mfaEnabled: true });
    await run({ code: RECOVERY.toLowerCase() });
    expect(await audit()).toEqual([
      ["mfa.recovery_code_used", {}],
      ["session.reauthenticated", { method: "recovery_code" }],
    ]);
    await expect(run({ code: RECOVERY })).rejects.toMatchObject({ reason: "MFA_INVALID" });
  });

  it("past the failure limit even the right code is ACCOUNT_LOCKED, and the code is not spent", async () => {
    const { uow, deps, session, run, user } = await setup({ mfaEnabled: true });
    for (let i = 0; i < 5; i++) await run({ password: `wrong ${i}` }).catch(() => {});
    await expect(run({ code: deps.totp.codeAt(SECRET, deps.clock.now()) })).rejects.toMatchObject({ reason: "ACCOUNT_LOCKED" });
    await expect(run({ code: RECOVERY })).rejects.toMatchObject({ reason: "ACCOUNT_LOCKED" });
    expect((await uow.users.findById(user.id))?.totpLastStep).toBeNull();
    expect((await uow.rows()).recoveryCodes.every((c) => c.usedAt === null)).toBe(true);
    expect((await uow.sessions.findById(session.id))?.authenticatedAt).toEqual(T0);
  });

  it("a wrong code is MFA_INVALID, audited `mfa.failed` and counted", async () => {
    const { deps, user, run, audit } = await setup({ mfaEnabled: true });
    const right = deps.totp.codeAt(SECRET, deps.clock.now());
    const wrong = right === "000000" ? "000001" : "000000";
    await expect(run({ code: wrong })).rejects.toMatchObject({ reason: "MFA_INVALID" });
    expect(await audit()).toEqual([["mfa.failed", {}]]);
    expect(deps.loginFailures.keys).toEqual([accountKey(user.id)]);
  });
});
