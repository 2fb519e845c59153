import { describe, expect, it } from "vitest";
import { testCtx as ctx, flushBackground, principalFor } from "../../../test/support/fakes.js";
import { afterNextCall, noticesSent, rejection, seedTotp, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ConfirmTotp } from "./confirm-totp.js";

const SESSION = "00000000-0000-7000-b000-000000000001";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow);
  const seeded = await seedUser(deps, { username: "ada", email: "ada@example.com" });
  // Enrolled (as EnrollTotp leaves it): a sealed secret, the factor still off.
  const user = await uow.users.update(seeded.id, {
    totpSecretEnc: deps.sealer.seal("TOTPSECRET", `totp:${seeded.id}`),
    totpLastStep: null,
    bumpAuthVersion: true,
    updatedAt: deps.clock.now(),
  });
  const code = () => deps.totp.codeAt("TOTPSECRET", deps.clock.now());
  return { uow, deps, user, code, principal: principalFor(user.id, SESSION), confirm: new ConfirmTotp(deps) };
}

const other = (code: string) => (code === "000000" ? "111111" : "000000");

describe("ConfirmTotp", () => {
  it("wants the 6-digit code, and counts nothing otherwise", async () => {
    const { deps, principal, confirm } = await setup();
    const e = await rejection(confirm.execute({ code: "12345a" }, principal, ctx));
    expect(e.reason).toBe("VALIDATION_FAILED");
    expect(e.fieldViolations?.map((v) => v.field)).toEqual(["code"]);
    expect(deps.loginFailures.keys).toEqual([]);
  });

  it("a current code turns the factor on and hands out 10 distinct recovery codes, stored only as hashes", async () => {
    const { uow, deps, user, code, principal, confirm } = await setup();
    const codes = await confirm.execute({ code: ` ${code()} ` }, principal, ctx);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
    const rows = await uow.rows();
    expect(rows.users[0]).toMatchObject({ mfaEnabled: true, authVersion: user.authVersion + 1, totpLastStep: Math.floor(deps.clock.now().getTime() / 30_000) });
    expect(rows.recoveryCodes).toHaveLength(10);
    // Each one is usable once, in the dash-less form a login compares.
    expect(await uow.recoveryCodes.use(user.id, deps.codeHasher.hash(codes[3]!.replace("-", ""), `recovery:${user.id}`), deps.clock.now())).toBe(true);
    expect(rows.auditEvents.map((a) => [a.type, a.sessionId])).toEqual([["mfa.enabled", SESSION]]);
    await flushBackground();
    expect(noticesSent(deps.notifier.sent)).toEqual([["mfa_enabled", "ada@example.com"]]);
    expect((await deps.loginFailures.peek(`user:${user.id}`)).remaining).toBe(5);
  });

  it("refuses before enrolment and once the factor is on", async () => {
    const { uow, deps, confirm } = await setup();
    const fresh = await seedUser(deps, { username: "bob" });
    expect((await rejection(confirm.execute({ code: "123456" }, principalFor(fresh.id, SESSION), ctx))).reason).toBe("MFA_STATE_CONFLICT");
    const on = await seedTotp(deps, await seedUser(deps, { username: "carol" }));
    expect((await rejection(confirm.execute({ code: "123456" }, principalFor(on.id, SESSION), ctx))).reason).toBe("MFA_STATE_CONFLICT");
    expect(deps.loginFailures.keys).toEqual([]);
    expect((await uow.rows()).auditEvents).toEqual([]);
  });

  it("a wrong code is audited mfa.failed and counted; past the limit even the right code is refused", async () => {
    const { uow, user, code, principal, confirm } = await setup();
    for (let i = 0; i < 5; i++) expect((await rejection(confirm.execute({ code: other(code()) }, principal, ctx))).reason).toBe("MFA_INVALID");
    const rows = await uow.rows();
    expect(rows.auditEvents.filter((a) => a.type === "mfa.failed").map((a) => [a.userId, a.sessionId])).toEqual(
      Array.from({ length: 5 }, () => [user.id, SESSION]),
    );
    expect(rows.auditEvents.map((a) => a.type)).toContain("account.locked");
    expect((await rejection(confirm.execute({ code: code() }, principal, ctx))).reason).toBe("ACCOUNT_LOCKED");
    expect((await uow.rows()).users[0]?.mfaEnabled).toBe(false);
  });

  it("a code of a time step already accepted is a replay", async () => {
    const { uow, deps, user, code, principal, confirm } = await setup();
    await uow.users.update(user.id, { totpLastStep: Math.floor(deps.clock.now().getTime() / 30_000), updatedAt: deps.clock.now() });
    expect((await rejection(confirm.execute({ code: code() }, principal, ctx))).reason).toBe("MFA_INVALID");
    expect((await uow.rows()).users[0]?.mfaEnabled).toBe(false);
  });

  it("is conditional on the enrolment checked: a re-enrolment meanwhile leaves the factor off and no codes", async () => {
    const { uow, deps, user, code, principal, confirm } = await setup();
    afterNextCall(uow.users, "advanceTotpStep", () =>
      uow.users.update(user.id, { totpSecretEnc: deps.sealer.seal("ANOTHER", `totp:${user.id}`), bumpAuthVersion: true, updatedAt: deps.clock.now() }),
    );
    expect((await rejection(confirm.execute({ code: code() }, principal, ctx))).reason).toBe("MFA_STATE_CONFLICT");
    const rows = await uow.rows();
    expect(rows.users[0]?.mfaEnabled).toBe(false);
    expect(rows.recoveryCodes).toEqual([]);
    expect(rows.auditEvents.map((a) => a.type)).not.toContain("mfa.enabled");
    await flushBackground();
    expect(noticesSent(deps.notifier.sent)).toEqual([]);
  });
});
