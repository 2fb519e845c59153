import { describe, expect, it } from "vitest";
import { makeDeps, principalFor, seedUser, testCtx, userRecord } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { openSession } from "./open-session.js";
import { RevokeSession } from "./revoke-session.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const user = await seedUser(uow);
  const other = await seedUser(
    uow,
    userRecord({ id: "00000000-0000-7000-8000-0000000000bb", username: "bob", usernameNormalized: "bob", email: "bob@example.com" }),
  );
  const open = (u = user) => uow.transaction((tx) => openSession(deps, tx, u, testCtx, { authMethod: "password", deviceName: "" }));
  const current = await open();
  const phone = await open();
  const bobs = await open(other);
  const principal = principalFor(user.id, current.session.id);
  return { uow, deps, user, current, phone, bobs, principal, revoke: new RevokeSession(deps) };
}

describe("RevokeSession", () => {
  it("revokes one of the caller's sessions, audits `session.revoked` and announces it", async () => {
    const { uow, deps, user, current, phone, principal, revoke } = await setup();
    await revoke.execute({ sessionId: phone.session.id }, principal, testCtx);
    expect(await uow.sessions.findById(phone.session.id)).toMatchObject({ revokedAt: deps.clock.now(), revokedReason: "user_revoked" });
    expect((await uow.sessions.findById(current.session.id))?.revokedAt).toBeNull();
    expect((await uow.rows()).auditEvents).toEqual([
      expect.objectContaining({ type: "session.revoked", outcome: "success", userId: user.id, sessionId: phone.session.id }),
    ]);
    expect(deps.revoker.announced).toEqual([[phone.session.id]]);
  });

  it("another user's session is SESSION_NOT_FOUND, like a missing one, and stays live", async () => {
    const { uow, bobs, principal, revoke } = await setup();
    await expect(revoke.execute({ sessionId: bobs.session.id }, principal, testCtx)).rejects.toMatchObject({ reason: "SESSION_NOT_FOUND" });
    await expect(revoke.execute({ sessionId: "00000000-0000-7000-8000-00000000ffff" }, principal, testCtx)).rejects.toMatchObject({
      reason: "SESSION_NOT_FOUND",
    });
    expect((await uow.sessions.findById(bobs.session.id))?.revokedAt).toBeNull();
  });

  it("an already revoked session is SESSION_NOT_FOUND", async () => {
    const { phone, principal, revoke } = await setup();
    await revoke.execute({ sessionId: phone.session.id }, principal, testCtx);
    await expect(revoke.execute({ sessionId: phone.session.id }, principal, testCtx)).rejects.toMatchObject({ reason: "SESSION_NOT_FOUND" });
  });

  it.each([
    ["", "is required"],
    ["not-a-uuid", "must be a session id (UUID)"],
  ])("session_id %j is VALIDATION_FAILED (%s)", async (sessionId, description) => {
    const { principal, revoke } = await setup();
    await expect(revoke.execute({ sessionId }, principal, testCtx)).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "session_id", description }],
    });
  });

  it("a session revoked concurrently (between the read and the write) is neither audited nor announced again", async () => {
    const { uow, deps, phone, principal, revoke } = await setup();
    const transaction = uow.transaction.bind(uow);
    uow.transaction = async (fn) => {
      await uow.sessions.revoke(phone.session.id, "logout", deps.clock.now());
      return transaction(fn);
    };
    await revoke.execute({ sessionId: phone.session.id }, principal, testCtx);
    expect((await uow.rows()).auditEvents).toEqual([]);
    expect(deps.revoker.announced).toEqual([]);
  });
});
