import { describe, expect, it } from "vitest";
import { makeDeps, recordingBus, seedAdminWorld, testCtx } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ChangePlan } from "./change-plan.js";
import { PLAN_OWNER_MARKER, SubjectPlans } from "./subject-plans.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const bus = recordingBus();
  const deps = makeDeps({ uow });
  const subjectPlans = new SubjectPlans(uow, bus, deps.clock, { ttlMs: 1000, maxEntries: 100 });
  return { uow, bus, subjectPlans, ...(await seedAdminWorld(uow)), changePlan: new ChangePlan({ ...deps, subjectPlans }) };
}

describe("ChangePlan", () => {
  it("moves the user, audits it with the actor and drops the cached plan everywhere", async () => {
    const { uow, bus, subjectPlans, bob, admin, asAdmin, changePlan } = await setup();
    expect((await subjectPlans.planOf(bob.id))?.code).toBe("free");
    const plan = await changePlan.execute({ userId: bob.id, planCode: "pro" }, asAdmin, testCtx);
    expect(plan).toEqual({ code: "pro", name: "Pro", dailyLimit: 1000, unlimited: false });
    expect((await uow.users.findById(bob.id))?.plan).toBe("pro");
    expect((await subjectPlans.planOf(bob.id))?.code).toBe("pro");
    expect(bus.published).toEqual([[PLAN_OWNER_MARKER + bob.id]]);
    expect((await uow.rows()).auditEvents).toEqual([
      expect.objectContaining({ type: "plan.changed", userId: bob.id, metadata: { actor: admin.id, plan: "pro", previous_plan: "free" } }),
    ]);
  });

  it("a service key's service is the actor", async () => {
    const { uow, bob, asService, changePlan } = await setup();
    await changePlan.execute({ userId: bob.id, planCode: "enterprise" }, asService, testCtx);
    expect((await uow.rows()).auditEvents[0]?.metadata).toEqual({ actor: "service:ops-tool", plan: "enterprise", previous_plan: "free" });
  });

  it("an unknown or empty plan is VALIDATION_FAILED on plan_code; an unknown user USER_NOT_FOUND; nothing written", async () => {
    const { uow, bus, bob, asAdmin, changePlan } = await setup();
    for (const planCode of ["platinum", "", "Not A Code"]) {
      await expect(changePlan.execute({ userId: bob.id, planCode }, asAdmin, testCtx)).rejects.toMatchObject({
        reason: "VALIDATION_FAILED",
        fieldViolations: [{ field: "plan_code" }],
      });
    }
    await expect(changePlan.execute({ userId: "00000000-0000-7000-8000-00000000ffff", planCode: "pro" }, asAdmin, testCtx)).rejects.toMatchObject({
      reason: "USER_NOT_FOUND",
    });
    await expect(changePlan.execute({ userId: "nope", planCode: "pro" }, asAdmin, testCtx)).rejects.toMatchObject({ reason: "VALIDATION_FAILED" });
    expect((await uow.users.findById(bob.id))?.plan).toBe("free");
    expect((await uow.rows()).auditEvents).toEqual([]);
    expect(bus.published).toEqual([]);
  });
});
