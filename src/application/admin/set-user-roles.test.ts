import { describe, expect, it } from "vitest";
import { makeDeps, seedAdminWorld, testCtx } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { SetUserRoles } from "./set-user-roles.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  return { uow, ...(await seedAdminWorld(uow)), setRoles: new SetUserRoles(deps) };
}

describe("SetUserRoles", () => {
  it("replaces the roles (duplicates dropped) and audits old and new with the actor", async () => {
    const { uow, bob, admin, asAdmin, setRoles } = await setup();
    const out = await setRoles.execute({ userId: bob.id, roles: ["user", "admin", "user"] }, asAdmin, testCtx);
    expect(out.roles).toEqual(["user", "admin"]);
    expect((await uow.users.findById(bob.id))?.roles).toEqual(["user", "admin"]);
    expect((await uow.rows()).auditEvents).toEqual([
      expect.objectContaining({
        type: "admin.roles_changed",
        userId: bob.id,
        metadata: { actor: admin.id, roles: "user,admin", previous_roles: "user" },
      }),
    ]);
  });

  it("validates role names, naming each bad one", async () => {
    const { setRoles, bob, asAdmin } = await setup();
    await expect(setRoles.execute({ userId: bob.id, roles: ["ok", "Bad Role", ""] }, asAdmin, testCtx)).rejects.toMatchObject({
      reason: "VALIDATION_FAILED",
      fieldViolations: [{ field: "roles[1]" }, { field: "roles[2]" }],
    });
  });

  it("taking admin from the last admin is LAST_ADMIN; with a second admin it goes through", async () => {
    const { uow, admin, bob, asService, setRoles } = await setup();
    await expect(setRoles.execute({ userId: admin.id, roles: ["user"] }, asService, testCtx)).rejects.toMatchObject({ reason: "LAST_ADMIN" });
    expect((await uow.rows()).auditEvents).toEqual([]);
    await setRoles.execute({ userId: bob.id, roles: ["admin"] }, asService, testCtx);
    expect((await setRoles.execute({ userId: admin.id, roles: ["user"] }, asService, testCtx)).roles).toEqual(["user"]);
  });

  it("of two concurrent calls that would each remove one of two admins, one is refused", async () => {
    const { uow, admin, bob, asService, setRoles } = await setup();
    await uow.users.update(bob.id, { roles: ["admin"], updatedAt: bob.updatedAt });
    const results = await Promise.allSettled([admin, bob].map((u) => setRoles.execute({ userId: u.id, roles: ["user"] }, asService, testCtx)));
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await uow.rows()).users.filter((u) => u.roles.includes("admin"))).toHaveLength(1);
  });
});
