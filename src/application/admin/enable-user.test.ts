import { describe, expect, it } from "vitest";
import { makeDeps, seedAdminWorld, T0, testCtx } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { EnableUser } from "./enable-user.js";

describe("EnableUser", () => {
  it("reactivates a disabled account and audits it with the actor; enabling an active one changes nothing", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = makeDeps({ uow });
    const { bob, admin, asAdmin } = await seedAdminWorld(uow);
    await uow.users.update(bob.id, { isActive: false, updatedAt: T0 });
    const enable = new EnableUser(deps);
    expect((await enable.execute({ userId: bob.id }, asAdmin, testCtx)).isActive).toBe(true);
    expect((await enable.execute({ userId: bob.id }, asAdmin, testCtx)).isActive).toBe(true);
    expect((await uow.rows()).auditEvents).toEqual([expect.objectContaining({ type: "admin.user_enabled", userId: bob.id, metadata: { actor: admin.id } })]);
  });

  it("a deleted account stays gone: USER_NOT_FOUND", async () => {
    const uow = createMemoryUnitOfWork();
    const { bob, asAdmin } = await seedAdminWorld(uow);
    await uow.users.update(bob.id, { isActive: false, deletedAt: T0, updatedAt: T0 });
    await expect(new EnableUser(makeDeps({ uow })).execute({ userId: bob.id }, asAdmin, testCtx)).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
  });
});
