import { describe, expect, it } from "vitest";
import { makeDeps, principalFor, seedUser, testCtx, userRecord } from "../../../test/support/fakes.js";
import { openSession } from "../sessions/open-session.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { DeleteMe } from "./delete-me.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const user = await seedUser(uow);
  const bob = await seedUser(
    uow,
    userRecord({ id: "00000000-0000-7000-8000-0000000000bb", username: "bob", usernameNormalized: "bob", email: "bob@example.com" }),
  );
  const open = (u = user) => uow.transaction((tx) => openSession(deps, tx, u, testCtx, { authMethod: "password", deviceName: "" }));
  const current = await open();
  const other = await open();
  const bobs = await open(bob);
  return { uow, deps, user, current, other, bobs, principal: principalFor(user.id, current.session.id), deleteMe: new DeleteMe(deps) };
}

describe("DeleteMe", () => {
  it("soft-deletes the account (the row and its identifiers stay), bumping authVersion", async () => {
    const { uow, deps, user, principal, deleteMe } = await setup();
    deps.clock.advance(5000);
    await deleteMe.execute(principal, testCtx);
    const row = await uow.users.findById(user.id);
    expect(row).toMatchObject({
      isActive: false,
      deletedAt: deps.clock.now(),
      updatedAt: deps.clock.now(),
      authVersion: user.authVersion + 1,
      username: user.username,
      email: user.email,
    });
  });

  it("revokes every session of the account, the current one included, audits and announces them", async () => {
    const { uow, deps, user, current, other, bobs, principal, deleteMe } = await setup();
    await deleteMe.execute(principal, testCtx);
    const sessions = (await uow.rows()).sessions;
    expect(sessions.filter((s) => s.revokedAt === null).map((s) => s.id)).toEqual([bobs.session.id]);
    expect(sessions.find((s) => s.id === current.session.id)?.revokedReason).toBe("account_deleted");
    expect((await uow.rows()).auditEvents).toEqual([
      expect.objectContaining({ type: "user.deleted", userId: user.id, sessionId: current.session.id, metadata: { revoked_sessions: 2 } }),
    ]);
    expect(deps.revoker.announced.map((ids) => [...ids].sort())).toEqual([[current.session.id, other.session.id].sort()]);
  });

  it("a second call is USER_NOT_FOUND and changes nothing", async () => {
    const { uow, principal, deleteMe } = await setup();
    await deleteMe.execute(principal, testCtx);
    await expect(deleteMe.execute(principal, testCtx)).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
    expect((await uow.rows()).auditEvents).toHaveLength(1);
  });
});
