import { describe, expect, it } from "vitest";
import { makeDeps, seedUser, T0, testCtx } from "../../../test/support/fakes.js";
import type { User } from "../../domain/user.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { accountKey, beginCredentialCheck } from "./credential-attempts.js";
import { checkSecondFactor, normalizeRecoveryCode, recoveryContext, requireSecondFactor, totpSecretContext, verifySecondFactor } from "./second-factor.js";

const SECRET = "TOTPSECRET";
const RECOVERY = "abcd-efgh-2345";

async function setup(mfa = true) {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const id = "00000000-0000-7000-8000-0000000000aa";
  const user: User = await seedUser(uow, mfa ? { id, mfaEnabled: true, totpSecretEnc: deps.sealer.seal(SECRET, totpSecretContext(id)) } : { id });
  await uow.recoveryCodes.replaceAll(user.id, [{ id: "rc1", codeHash: deps.codeHasher.hash(normalizeRecoveryCode(RECOVERY), recoveryContext(user.id)) }], T0);
  const attempt = () => beginCredentialCheck(deps, testCtx, accountKey(user.id), { userId: user.id, type: "login.failed" });
  const code = () => deps.totp.codeAt(SECRET, deps.clock.now());
  const wrongCode = () => (code() === "000000" ? "000001" : "000000");
  const audit = async () => (await uow.rows()).auditEvents.map((e) => [e.type, e.outcome, e.sessionId]);
  return { uow, deps, user, attempt, code, wrongCode, audit };
}

describe("normalizeRecoveryCode", () => {
  it("drops dashes and blanks and lower-cases, so any shown form matches", () => {
    expect(normalizeRecoveryCode(" ABCD-efgh 2345 ")).toBe("abcdefgh2345");
  });
});

describe("verifySecondFactor", () => {
  it("accepts the current TOTP code once per time step: the same code again is a replay", async () => {
    const { uow, deps, user, code } = await setup();
    const now = code();
    expect(await verifySecondFactor(deps, user, ` ${now} `)).toEqual({ ok: true, method: "totp" });
    expect((await uow.users.findById(user.id))?.totpLastStep).toBe(Math.floor(T0.getTime() / 30_000));
    expect(await verifySecondFactor(deps, user, now)).toEqual({ ok: false });
    deps.clock.advance(30_000);
    expect(await verifySecondFactor(deps, user, code())).toEqual({ ok: true, method: "totp" });
  });

  it("refuses a wrong code and a code for a step too far away", async () => {
    const { deps, user, code, wrongCode } = await setup();
    expect(await verifySecondFactor(deps, user, wrongCode())).toEqual({ ok: false });
    const old = code();
    deps.clock.advance(5 * 30_000);
    expect(await verifySecondFactor(deps, user, old)).toEqual({ ok: false });
  });

  it("accepts an unused recovery code in any shown form, once", async () => {
    const { deps, user } = await setup();
    expect(await verifySecondFactor(deps, user, "ABCD EFGH-2345")).toEqual({ ok: true, method: "recovery_code" });
    expect(await verifySecondFactor(deps, user, RECOVERY)).toEqual({ ok: false });
  });

  it.each(["abc-123", "x".repeat(33), "zzzz-zzzz-zzzz"])("refuses the recovery code %j", async (code) => {
    const { deps, user } = await setup();
    expect(await verifySecondFactor(deps, user, code)).toEqual({ ok: false });
  });

  it("an account without a TOTP secret has no second factor to pass", async () => {
    const { deps, user } = await setup(false);
    expect(await verifySecondFactor(deps, user, RECOVERY)).toEqual({ ok: false });
  });

  it("a secret that cannot be opened is a fault (it throws), never a wrong code", async () => {
    const { deps, user, code } = await setup();
    await expect(verifySecondFactor(deps, { ...user, totpSecretEnc: "sealed[elsewhere]:x" }, code())).rejects.toThrow("cannot open");
  });
});

describe("checkSecondFactor and requireSecondFactor (inside a counted attempt)", () => {
  it("a wrong code is MFA_INVALID, audited `mfa.failed` on the session and left counted", async () => {
    const { deps, user, attempt, wrongCode, audit } = await setup();
    await expect(checkSecondFactor(deps, testCtx, await attempt(), user, wrongCode(), "s1")).rejects.toMatchObject({ reason: "MFA_INVALID" });
    expect(await audit()).toEqual([["mfa.failed", "failure", "s1"]]);
    expect((await deps.loginFailures.peek(accountKey(user.id))).remaining).toBe(4);
  });

  it("a recovery code used is audited `mfa.recovery_code_used`; a TOTP code is not audited here", async () => {
    const { deps, user, attempt, code, audit } = await setup();
    expect(await checkSecondFactor(deps, testCtx, await attempt(), user, code())).toBe("totp");
    expect(await audit()).toEqual([]);
    expect(await checkSecondFactor(deps, testCtx, await attempt(), user, RECOVERY)).toBe("recovery_code");
    expect(await audit()).toEqual([["mfa.recovery_code_used", "success", null]]);
  });

  it("requireSecondFactor: nothing for an account without one, MFA_REQUIRED naming the field when missing", async () => {
    const plain = await setup(false);
    expect(await requireSecondFactor(plain.deps, testCtx, await plain.attempt(), plain.user, "", "mfa_code")).toBeNull();
    const { deps, user, attempt, code } = await setup();
    await expect(requireSecondFactor(deps, testCtx, await attempt(), user, "  ", "otp_code")).rejects.toMatchObject({
      reason: "MFA_REQUIRED",
      message: expect.stringContaining("otp_code"),
    });
    expect(await requireSecondFactor(deps, testCtx, await attempt(), user, code(), "mfa_code")).toBe("totp");
  });
});
