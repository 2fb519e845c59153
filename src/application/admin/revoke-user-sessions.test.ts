import { describe, expect, it } from "vitest";
import { makeDeps, seedAdminWorld, testCtx } from "../../../test/support/fakes.js";
import { openSession } from "../sessions/open-session.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { RevokeUserSessions } from "./revoke-user-sessions.js";

describe("RevokeUserSessions", () => {
  it("revokes every session of the user (no one else's), announces them and audits with the actor", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = makeDeps({ uow });
    const { bob, admin, asService } = await seedAdminWorld(uow);
    const open = (u = bob) => uow.transaction((tx) => openSession(deps, tx, u, testCtx, { authMethod: "password", deviceName: "" }));
    const s1 = await open();
    const s2 = await open();
    const admins = await open(admin);
    expect(await new RevokeUserSessions(deps).execute({ userId: bob.id }, asService, testCtx)).toBe(2);
    const rows = await uow.rows();
    expect(rows.sessions.filter((s) => s.revokedAt === null).map((s) => s.id)).toEqual([admins.session.id]);
    expect(deps.revoker.announced.map((ids) => [...ids].sort())).toEqual([[s1.session.id, s2.session.id].sort()]);
    expect(rows.auditEvents).toEqual([
      expect.objectContaining({ type: "admin.sessions_revoked", userId: bob.id, metadata: { actor: "service:ops-tool", revoked_sessions: 2 } }),
    ]);
    // The user itself stays active.
    expect((await uow.users.findById(bob.id))?.isActive).toBe(true);
  });
});
