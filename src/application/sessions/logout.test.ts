import { describe, expect, it } from "vitest";
import { makeDeps, principalFor, seedUser, testCtx } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { Logout } from "./logout.js";
import { openSession } from "./open-session.js";
import { newRefreshToken } from "./refresh-token-codec.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const user = await seedUser(uow);
  const open = () => uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "" }));
  const a = await open();
  const b = await open();
  return { uow, deps, user, a, b, logout: new Logout(deps) };
}

describe("Logout", () => {
  it("with a bearer token revokes that session only, audits `logout` and announces it", async () => {
    const { uow, deps, user, a, b, logout } = await setup();
    await logout.execute({ refreshToken: "" }, principalFor(user.id, a.session.id), testCtx);
    expect(await uow.sessions.findById(a.session.id)).toMatchObject({ revokedAt: deps.clock.now(), revokedReason: "logout" });
    expect((await uow.sessions.findById(b.session.id))?.revokedAt).toBeNull();
    expect((await uow.rows()).auditEvents).toEqual([
      expect.objectContaining({ type: "logout", outcome: "success", userId: user.id, sessionId: a.session.id, requestId: testCtx.requestId }),
    ]);
    expect(deps.revoker.announced).toEqual([[a.session.id]]);
  });

  it("with only a refresh token revokes the session it belongs to", async () => {
    const { uow, b, logout, deps } = await setup();
    await logout.execute({ refreshToken: ` ${b.refreshToken} ` }, null, testCtx);
    expect((await uow.sessions.findById(b.session.id))?.revokedReason).toBe("logout");
    expect(deps.revoker.announced).toEqual([[b.session.id]]);
  });

  it("the bearer's session wins over a refresh token sent with it", async () => {
    const { uow, user, a, b, logout } = await setup();
    await logout.execute({ refreshToken: b.refreshToken }, principalFor(user.id, a.session.id), testCtx);
    expect((await uow.sessions.findById(a.session.id))?.revokedAt).not.toBeNull();
    expect((await uow.sessions.findById(b.session.id))?.revokedAt).toBeNull();
  });

  it("with neither is AUTHENTICATION_REQUIRED", async () => {
    const { logout } = await setup();
    await expect(logout.execute({ refreshToken: "  " }, null, testCtx)).rejects.toMatchObject({ reason: "AUTHENTICATION_REQUIRED" });
  });

  it("is idempotent: an unknown, malformed or already revoked token answers OK and writes nothing", async () => {
    const { uow, deps, user, a, logout } = await setup();
    await logout.execute({ refreshToken: "garbage" }, null, testCtx);
    await logout.execute({ refreshToken: newRefreshToken(deps.random) }, null, testCtx);
    await logout.execute({ refreshToken: "" }, principalFor(user.id, "00000000-0000-7000-8000-00000000ffff"), testCtx);
    expect((await uow.rows()).auditEvents).toEqual([]);
    await logout.execute({ refreshToken: a.refreshToken }, null, testCtx);
    await logout.execute({ refreshToken: a.refreshToken }, null, testCtx);
    await logout.execute({ refreshToken: "" }, principalFor(user.id, a.session.id), testCtx);
    expect((await uow.rows()).auditEvents).toHaveLength(1);
    expect(deps.revoker.announced).toEqual([[a.session.id]]);
  });
});
