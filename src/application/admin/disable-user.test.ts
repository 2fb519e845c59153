import { describe, expect, it } from "vitest";
import { makeDeps, seedAdminWorld, testCtx } from "../../../test/support/fakes.js";
import type { ApiKeyRevocations } from "../api-keys/api-key-revocations.js";
import { openSession } from "../sessions/open-session.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { DisableUser } from "./disable-user.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const announcedOwners: string[] = [];
  const apiKeyRevocations = {
    async announceOwner(userId: string) {
      // The keys are announced only after the write committed.
      expect((await uow.users.findById(userId))?.isActive).toBe(false);
      announcedOwners.push(userId);
    },
  } as unknown as ApiKeyRevocations;
  const deps = makeDeps({ uow, apiKeyRevocations });
  const world = await seedAdminWorld(uow);
  const disable = new DisableUser(deps);
  const open = () => uow.transaction((tx) => openSession(deps, tx, world.bob, testCtx, { authMethod: "password", deviceName: "" }));
  return { uow, deps, ...world, disable, announcedOwners, open };
}

describe("DisableUser", () => {
  it("deactivates and bumps authVersion in one update, revokes and announces every session, stops the keys", async () => {
    const { uow, deps, bob, asAdmin, admin, disable, announcedOwners, open } = await setup();
    const s1 = await open();
    const s2 = await open();
    const out = await disable.execute({ userId: bob.id }, asAdmin, testCtx);
    expect(out.revokedSessions).toBe(2);
    expect(out.user).toMatchObject({ id: bob.id, isActive: false, authVersion: bob.authVersion + 1 });
    const rows = await uow.rows();
    expect(rows.sessions.filter((s) => s.userId === bob.id).every((s) => s.revokedAt !== null && s.revokedReason === "admin")).toBe(true);
    expect(deps.revoker.announced.map((ids) => [...ids].sort())).toEqual([[s1.session.id, s2.session.id].sort()]);
    expect(announcedOwners).toEqual([bob.id]);
    expect(rows.auditEvents).toEqual([
      expect.objectContaining({ type: "admin.user_disabled", userId: bob.id, sessionId: null, metadata: { actor: admin.id, revoked_sessions: 2 } }),
    ]);
  });

  it("is idempotent, and names a service actor as service:<name>", async () => {
    const { uow, bob, asService, disable } = await setup();
    await disable.execute({ userId: bob.id }, asService, testCtx);
    const again = await disable.execute({ userId: bob.id }, asService, testCtx);
    expect(again.revokedSessions).toBe(0);
    const events = (await uow.rows()).auditEvents;
    expect(events.map((e) => e.metadata.actor)).toEqual(["service:ops-tool", "service:ops-tool"]);
  });

  it("refuses to disable the last active admin (LAST_ADMIN) and writes nothing", async () => {
    const { uow, admin, asService, disable, announcedOwners } = await setup();
    await expect(disable.execute({ userId: admin.id }, asService, testCtx)).rejects.toMatchObject({ reason: "LAST_ADMIN" });
    expect((await uow.users.findById(admin.id))?.isActive).toBe(true);
    expect((await uow.rows()).auditEvents).toEqual([]);
    expect(announcedOwners).toEqual([]);
  });

  it("an unknown user is USER_NOT_FOUND", async () => {
    const { asAdmin, disable } = await setup();
    await expect(disable.execute({ userId: "00000000-0000-7000-8000-000000000999" }, asAdmin, testCtx)).rejects.toMatchObject({
      reason: "USER_NOT_FOUND",
    });
  });
});
