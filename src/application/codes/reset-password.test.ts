import { describe, expect, it } from "vitest";
import { testCtx as ctx, flushBackground } from "../../../test/support/fakes.js";
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
import type { User } from "../../domain/user.js";
import type { MemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { RequestOtp } from "./request-otp.js";
import { ResetPassword } from "./reset-password.js";

const EMAIL = "ada@example.com";
const NEW_PASSWORD = "a brand new passphrase";

function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow);
  const requestOtp = new RequestOtp(deps);
  const codeFor = async (email = EMAIL) => {
    await requestOtp.execute({ email, purpose: "reset_password" }, ctx);
    return lastCodeTo(deps.notifier.sent, email);
  };
  return { uow, deps, codeFor, reset: new ResetPassword(deps) };
}

async function openSessions(uow: MemoryUnitOfWork, user: User, now: Date, n = 2) {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const s = await uow.sessions.create({
      id: `00000000-0000-7000-b000-00000000000${i}`,
      userId: user.id,
      deviceName: `device ${i}`,
      userAgent: "",
      ipAddress: "198.51.100.1",
      authMethod: "password",
      createdAt: now,
      expiresAt: new Date(now.getTime() + 86_400_000),
    });
    ids.push(s.id);
  }
  return ids;
}

const other = (code: string) => (code === "000000" ? "111111" : "000000");

describe("ResetPassword", () => {
  it("refuses malformed input before counting anything", async () => {
    const { deps, reset } = setup();
    const e = await rejection(reset.execute({ email: EMAIL, code: "abc", newPassword: "" }, ctx));
    expect(e.fieldViolations?.map((v) => v.field).sort()).toEqual(["code", "new_password"]);
    expect(deps.ipAttempts.keys).toEqual([]);
  });

  it.each([
    ["weak", "short"],
    ["the username", "ada_lovelace"],
    ["strong", NEW_PASSWORD],
  ])("a wrong code answers OTP_INVALID whatever new_password is (%s), and hashes nothing", async (_what, newPassword) => {
    const { uow, deps, codeFor, reset } = setup();
    const user = await seedUser(deps, { username: "ada_lovelace", email: EMAIL });
    const code = await codeFor();
    const e = await rejection(reset.execute({ email: EMAIL, code: other(code), newPassword }, ctx));
    expect(e.reason).toBe("OTP_INVALID");
    expect(e.fieldViolations).toEqual([]);
    expect(deps.hasher.calls).toEqual([]);
    const rows = await uow.rows();
    expect(rows.users[0]?.passwordHash).toBe(user.passwordHash);
    expect(rows.auditEvents.map((a) => [a.type, a.metadata])).toEqual([["otp.failed", { purpose: "reset_password" }]]);
  });

  it("the policy is checked after the code, and a weak choice does not use the code up", async () => {
    const { uow, deps, codeFor, reset } = setup();
    await seedUser(deps, { username: "ada_lovelace", email: EMAIL });
    const code = await codeFor();
    const weak = await rejection(reset.execute({ email: EMAIL, code, newPassword: "Ada_Lovelace" }, ctx));
    expect(weak.reason).toBe("PASSWORD_TOO_WEAK");
    expect(weak.fieldViolations?.map((v) => v.field)).toEqual(["new_password"]);
    expect(deps.hasher.calls).toEqual([]);
    await reset.execute({ email: EMAIL, code, newPassword: NEW_PASSWORD }, ctx);
    expect((await uow.rows()).users[0]?.passwordHash).toBe(`h:${NEW_PASSWORD}`);
    expect((await rejection(reset.execute({ email: EMAIL, code, newPassword: NEW_PASSWORD }, ctx))).reason).toBe("OTP_INVALID");
  });

  it("sets the new password, ends every session, keeps a proven second factor, audits and notifies", async () => {
    const { uow, deps, codeFor, reset } = setup();
    const user = await seedTotp(deps, await seedUser(deps, { username: "ada", email: EMAIL }));
    const sessions = await openSessions(uow, user, deps.clock.now());
    await reset.execute({ email: EMAIL, code: await codeFor(), newPassword: NEW_PASSWORD }, ctx);
    const rows = await uow.rows();
    expect(rows.users[0]).toMatchObject({ passwordHash: `h:${NEW_PASSWORD}`, authVersion: user.authVersion + 1, mfaEnabled: true, emailVerified: true });
    expect(rows.sessions.map((s) => [s.id, s.revokedReason])).toEqual(sessions.map((id) => [id, "password_reset"]));
    expect(deps.revoker.announced.flat().sort()).toEqual(sessions);
    expect(rows.auditEvents.map((a) => [a.type, a.metadata])).toEqual([["password.reset", { channel: "email", revoked_sessions: 2 }]]);
    expect(deps.hasher.calls).toEqual(["hash"]);
    await flushBackground();
    expect(noticesSent(deps.notifier.sent)).toEqual([["password_changed", EMAIL]]);
  });

  it("as the first proof of a contact it is a claim: the second factor and its recovery codes go too", async () => {
    const { uow, deps, codeFor, reset } = setup();
    let user = await seedUser(deps, { username: "squatter", email: EMAIL, emailVerified: false });
    user = await seedTotp(deps, user);
    await seedRecoveryCodes(deps, user, ["abcde-fghjk"]);
    const sessions = await openSessions(uow, user, deps.clock.now(), 1);
    await reset.execute({ email: EMAIL, code: await codeFor(), newPassword: NEW_PASSWORD }, ctx);
    const rows = await uow.rows();
    expect(rows.users[0]).toMatchObject({ passwordHash: `h:${NEW_PASSWORD}`, emailVerified: true, mfaEnabled: false, totpSecretEnc: null, totpLastStep: null });
    expect(rows.recoveryCodes).toEqual([]);
    expect(rows.sessions.map((s) => [s.id, s.revokedReason])).toEqual(sessions.map((id) => [id, "contact_claimed"]));
    expect(rows.auditEvents.map((a) => a.type)).toEqual(["password.reset", "account.claimed"]);
    await flushBackground();
    expect(noticesSent(deps.notifier.sent)).toEqual([["account_claimed", EMAIL]]);
  });

  it("is conditional on the contact: an address changed after the check leaves the password and sessions alone", async () => {
    const { uow, deps, codeFor, reset } = setup();
    const user = await seedUser(deps, { username: "ada", email: EMAIL });
    const sessions = await openSessions(uow, user, deps.clock.now(), 1);
    const code = await codeFor();
    afterNextCall(uow.users, "findById", () => uow.users.update(user.id, { email: "new@example.com", updatedAt: deps.clock.now() }));
    expect((await rejection(reset.execute({ email: EMAIL, code, newPassword: NEW_PASSWORD }, ctx))).reason).toBe("OTP_INVALID");
    const rows = await uow.rows();
    expect(rows.users[0]?.passwordHash).toBe(`h:${PASSWORD}`);
    expect(rows.sessions.map((s) => [s.id, s.revokedAt])).toEqual(sessions.map((id) => [id, null]));
    expect(rows.auditEvents).toEqual([]);
    expect(deps.revoker.announced).toEqual([]);
  });
});
