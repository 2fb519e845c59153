import { describe, expect, it } from "vitest";
import { flushBackground, makeDeps, principalFor, seedUser, testCtx } from "../../../test/support/fakes.js";
import { openSession } from "../sessions/open-session.js";
import { accountKey } from "../shared/credential-attempts.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ChangePassword } from "./change-password.js";

const CURRENT = "correct horse battery staple";
const NEW = "a brand new passphrase";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const user = await seedUser(uow, { phone: "+4915112345678" });
  const open = () => uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "" }));
  const current = await open();
  const others = [await open(), await open()];
  const change = new ChangePassword(deps);
  const run = (input: Partial<{ currentPassword: string; newPassword: string }>) =>
    change.execute({ currentPassword: CURRENT, newPassword: NEW, ...input }, principalFor(user.id, current.session.id), testCtx);
  return { uow, deps, user, current, others, run };
}

describe("ChangePassword — success", () => {
  it("stores the new hash, bumps authVersion, revokes the other sessions (keeping this one) and returns their count", async () => {
    const { uow, deps, user, current, others, run } = await setup();
    expect(await run({})).toBe(2);
    const row = await uow.users.findById(user.id);
    expect(row).toMatchObject({ passwordHash: `h:${NEW}`, authVersion: user.authVersion + 1, updatedAt: deps.clock.now() });
    const sessions = (await uow.rows()).sessions;
    expect(sessions.filter((s) => s.revokedAt === null).map((s) => s.id)).toEqual([current.session.id]);
    expect(
      sessions
        .filter((s) => s.revokedReason === "password_changed")
        .map((s) => s.id)
        .sort(),
    ).toEqual(others.map((o) => o.session.id).sort());
    expect(deps.revoker.announced.map((ids) => [...ids].sort())).toEqual([others.map((o) => o.session.id).sort()]);
    expect((await uow.rows()).auditEvents).toEqual([
      expect.objectContaining({ type: "password.changed", outcome: "success", sessionId: current.session.id, metadata: { revoked_sessions: 2 } }),
    ]);
  });

  it("tells every contact of the account, and clears the failure count", async () => {
    const { deps, user, run } = await setup();
    await run({ currentPassword: "wrong" }).catch(() => {});
    await run({});
    await flushBackground();
    expect(deps.notifier.sent).toEqual([
      { channel: "email", to: "ada@example.com", kind: "notice", notice: "password_changed", at: deps.clock.now() },
      { channel: "sms", to: "+4915112345678", kind: "notice", notice: "password_changed", at: deps.clock.now() },
    ]);
    expect((await deps.loginFailures.peek(accountKey(user.id))).remaining).toBe(5);
  });
});

describe("ChangePassword — refusals", () => {
  it("a wrong current password is INVALID_CREDENTIALS on current_password, audited `password.check_failed`, counted, nothing changed", async () => {
    const { uow, deps, user, current, run } = await setup();
    await expect(run({ currentPassword: "not it" })).rejects.toMatchObject({
      reason: "INVALID_CREDENTIALS",
      fieldViolations: [{ field: "current_password" }],
    });
    expect((await uow.rows()).auditEvents.map((e) => [e.type, e.outcome, e.sessionId])).toEqual([["password.check_failed", "failure", current.session.id]]);
    expect(deps.loginFailures.keys).toEqual([accountKey(user.id)]);
    expect((await uow.users.findById(user.id))?.passwordHash).toBe(user.passwordHash);
    expect(deps.revoker.announced).toEqual([]);
  });

  it("past the failure limit the right current password is ACCOUNT_LOCKED and the password stays", async () => {
    const { uow, deps, user, run } = await setup();
    for (let i = 0; i < 5; i++) await expect(run({ currentPassword: `wrong ${i}` })).rejects.toMatchObject({ reason: "INVALID_CREDENTIALS" });
    await expect(run({})).rejects.toMatchObject({ reason: "ACCOUNT_LOCKED", retryAfterSeconds: deps.settings.lockoutSeconds });
    expect((await uow.users.findById(user.id))?.passwordHash).toBe(user.passwordHash);
    expect((await uow.rows()).auditEvents.map((e) => e.type)).toContain("account.locked");
  });

  it("a weak new password is PASSWORD_TOO_WEAK on new_password before the current one is checked", async () => {
    const { deps, run } = await setup();
    await expect(run({ newPassword: "short" })).rejects.toMatchObject({ reason: "PASSWORD_TOO_WEAK", fieldViolations: [{ field: "new_password" }] });
    await expect(run({ newPassword: "ada@example.com" })).rejects.toMatchObject({ reason: "PASSWORD_TOO_WEAK" });
    expect(deps.hasher.verifies).toBe(0);
    expect(deps.loginFailures.keys).toEqual([]);
  });

  it.each([
    [{ currentPassword: "" }, "current_password"],
    [{ currentPassword: "x".repeat(128 * 4 + 1) }, "current_password"],
    [{ newPassword: "" }, "new_password"],
  ])("%j is VALIDATION_FAILED on %s", async (input, field) => {
    const { run } = await setup();
    await expect(run(input)).rejects.toMatchObject({ reason: "VALIDATION_FAILED", fieldViolations: [expect.objectContaining({ field })] });
  });

  it("a concurrent change of how the account signs in wins: INVALID_CREDENTIALS, nothing revoked, no notice", async () => {
    const { uow, deps, user, run } = await setup();
    const hash = deps.hasher.hash.bind(deps.hasher);
    deps.hasher.hash = async (pw) => {
      // Another ChangePassword (or a reset) commits between this one's check and its write.
      await uow.users.update(user.id, { passwordHash: "h:someone else's", bumpAuthVersion: true, updatedAt: deps.clock.now() });
      return hash(pw);
    };
    await expect(run({})).rejects.toMatchObject({ reason: "INVALID_CREDENTIALS" });
    expect((await uow.users.findById(user.id))?.passwordHash).toBe("h:someone else's");
    expect((await uow.rows()).sessions.every((s) => s.revokedAt === null)).toBe(true);
    await flushBackground();
    expect(deps.notifier.sent).toEqual([]);
  });

  it("a deleted account is USER_NOT_FOUND", async () => {
    const { uow, deps, user, run } = await setup();
    await uow.users.update(user.id, { isActive: false, deletedAt: deps.clock.now(), updatedAt: deps.clock.now() });
    await expect(run({})).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
  });
});
