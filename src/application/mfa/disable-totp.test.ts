import { describe, expect, it } from "vitest";
import { testCtx as ctx, flushBackground, principalFor } from "../../../test/support/fakes.js";
import { noticesSent, PASSWORD, rejection, seedRecoveryCodes, seedTotp, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { DisableTotp } from "./disable-totp.js";

const SESSION = "00000000-0000-7000-b000-000000000001";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow);
  const user = await seedTotp(deps, await seedUser(deps, { username: "ada", email: "ada@example.com" }));
  await seedRecoveryCodes(deps, user, ["abcde-fghjk", "mnpqr-stuvw"]);
  const code = () => deps.totp.codeAt("TOTPSECRET", deps.clock.now());
  return { uow, deps, user, code, principal: principalFor(user.id, SESSION), disable: new DisableTotp(deps) };
}

const other = (code: string) => (code === "000000" ? "111111" : "000000");

async function expectOff(uow: ReturnType<typeof createMemoryUnitOfWork>, authVersion: number) {
  const rows = await uow.rows();
  expect(rows.users[0]).toMatchObject({ mfaEnabled: false, totpSecretEnc: null, totpLastStep: null, authVersion: authVersion + 1 });
  expect(rows.recoveryCodes).toEqual([]);
  return rows;
}

describe("DisableTotp", () => {
  it("wants a code or the password, and bounds the password", async () => {
    const { deps, principal, disable } = await setup();
    expect((await rejection(disable.execute({ code: " ", password: "" }, principal, ctx))).fieldViolations?.map((v) => v.field)).toEqual(["code"]);
    expect((await rejection(disable.execute({ code: "", password: "p".repeat(513) }, principal, ctx))).fieldViolations?.map((v) => v.field)).toEqual([
      "password",
    ]);
    expect(deps.loginFailures.keys).toEqual([]);
    expect(deps.hasher.calls).toEqual([]);
  });

  it("refuses when the factor is not on", async () => {
    const { deps, disable } = await setup();
    const off = await seedUser(deps, { username: "bob" });
    expect((await rejection(disable.execute({ code: "", password: PASSWORD }, principalFor(off.id, SESSION), ctx))).reason).toBe("MFA_STATE_CONFLICT");
  });

  it("a current code turns it off: secret and recovery codes gone, audited, the owner told; the password is not checked", async () => {
    const { uow, deps, user, code, principal, disable } = await setup();
    await disable.execute({ code: code(), password: "" }, principal, ctx);
    const rows = await expectOff(uow, user.authVersion);
    expect(rows.auditEvents.map((a) => [a.type, a.sessionId])).toEqual([["mfa.disabled", SESSION]]);
    expect(deps.hasher.calls).toEqual([]);
    await flushBackground();
    expect(noticesSent(deps.notifier.sent)).toEqual([["mfa_disabled", "ada@example.com"]]);
  });

  it("so does the password", async () => {
    const { uow, deps, user, principal, disable } = await setup();
    await disable.execute({ code: "", password: PASSWORD }, principal, ctx);
    await expectOff(uow, user.authVersion);
    expect(deps.hasher.calls).toEqual(["verify"]);
  });

  it("so does a recovery code, whose use is audited", async () => {
    const { uow, user, principal, disable } = await setup();
    await disable.execute({ code: "MNPQR-STUVW", password: "" }, principal, ctx);
    const rows = await expectOff(uow, user.authVersion);
    expect(rows.auditEvents.map((a) => a.type)).toEqual(["mfa.recovery_code_used", "mfa.disabled"]);
  });

  it("a wrong code (mfa.failed) or password (password.check_failed) is audited and counted; the factor stays on", async () => {
    const { uow, deps, user, code, principal, disable } = await setup();
    expect((await rejection(disable.execute({ code: other(code()), password: "" }, principal, ctx))).reason).toBe("MFA_INVALID");
    const wrong = await rejection(disable.execute({ code: "", password: "not the password" }, principal, ctx));
    expect(wrong.reason).toBe("INVALID_CREDENTIALS");
    expect(wrong.fieldViolations).toEqual([{ field: "password", description: "does not match" }]);
    const rows = await uow.rows();
    expect(rows.auditEvents.map((a) => [a.type, a.userId, a.sessionId])).toEqual([
      ["mfa.failed", user.id, SESSION],
      ["password.check_failed", user.id, SESSION],
    ]);
    expect(rows.users[0]?.mfaEnabled).toBe(true);
    expect(rows.recoveryCodes).toHaveLength(2);
    expect(deps.loginFailures.keys).toEqual([`user:${user.id}`, `user:${user.id}`]);
  });

  it("locked: the right password and the right code are refused, and nothing is hashed", async () => {
    const { uow, deps, code, principal, disable } = await setup();
    for (let i = 0; i < 5; i++) await rejection(disable.execute({ code: "", password: `wrong ${i}` }, principal, ctx));
    const hashed = deps.hasher.calls.length;
    expect((await rejection(disable.execute({ code: "", password: PASSWORD }, principal, ctx))).reason).toBe("ACCOUNT_LOCKED");
    expect((await rejection(disable.execute({ code: code(), password: "" }, principal, ctx))).reason).toBe("ACCOUNT_LOCKED");
    expect(deps.hasher.calls).toHaveLength(hashed);
    expect((await uow.rows()).users[0]?.mfaEnabled).toBe(true);
  });

  it("is conditional on what the check read: a change meanwhile answers MFA_STATE_CONFLICT and leaves it on", async () => {
    const { uow, deps, user, principal, disable } = await setup();
    deps.hasher.beforeVerify = () => uow.users.update(user.id, { passwordHash: "h:changed meanwhile", bumpAuthVersion: true, updatedAt: deps.clock.now() });
    expect((await rejection(disable.execute({ code: "", password: PASSWORD }, principal, ctx))).reason).toBe("MFA_STATE_CONFLICT");
    const rows = await uow.rows();
    expect(rows.users[0]).toMatchObject({ mfaEnabled: true });
    expect(rows.recoveryCodes).toHaveLength(2);
    expect(rows.auditEvents).toEqual([]);
  });
});
