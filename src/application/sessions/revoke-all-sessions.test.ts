import { describe, expect, it } from "vitest";
import { makeDeps, principalFor, seedUser, testCtx, userRecord } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { openSession } from "./open-session.js";
import { RevokeAllSessions } from "./revoke-all-sessions.js";

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
  const others = [await open(), await open()];
  const bobs = await open(other);
  const live = async () => (await uow.rows()).sessions.filter((s) => s.revokedAt === null).map((s) => s.id);
  return { uow, deps, user, current, others, bobs, live, principal: principalFor(user.id, current.session.id), revokeAll: new RevokeAllSessions(deps) };
}

describe("RevokeAllSessions", () => {
  it("keep_current revokes every other session of the caller, audits the count and announces the ids", async () => {
    const { uow, deps, user, current, others, bobs, live, principal, revokeAll } = await setup();
    expect(await revokeAll.execute({ keepCurrent: true }, principal, testCtx)).toBe(2);
    expect((await live()).sort()).toEqual([current.session.id, bobs.session.id].sort());
    expect((await uow.sessions.findById(others[0]!.session.id))?.revokedReason).toBe("revoke_all");
    expect((await uow.rows()).auditEvents).toEqual([
      expect.objectContaining({
        type: "sessions.revoked_all",
        userId: user.id,
        sessionId: current.session.id,
        metadata: { count: 2, keep_current: true },
      }),
    ]);
    expect(deps.revoker.announced.map((ids) => [...ids].sort())).toEqual([others.map((o) => o.session.id).sort()]);
  });

  it("without keep_current the caller's own session goes too; other users' sessions never do", async () => {
    const { bobs, live, principal, revokeAll } = await setup();
    expect(await revokeAll.execute({ keepCurrent: false }, principal, testCtx)).toBe(3);
    expect(await live()).toEqual([bobs.session.id]);
  });

  it("counts only sessions this call revoked", async () => {
    const { principal, revokeAll, uow } = await setup();
    await revokeAll.execute({ keepCurrent: true }, principal, testCtx);
    expect(await revokeAll.execute({ keepCurrent: true }, principal, testCtx)).toBe(0);
    expect((await uow.rows()).auditEvents.map((e) => e.metadata.count)).toEqual([2, 0]);
  });
});
