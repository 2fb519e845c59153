import { describe, expect, it } from "vitest";
import { ManualClock, recordingBus, seedUser } from "../../../test/support/fakes.js";
import { MemoryRevocationBus } from "../../adapters/memory/revocation-bus.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { PLAN_OWNER_MARKER, SubjectPlans } from "./subject-plans.js";

/** The memory unit of work, counting the user reads. */
function counting(uow: UnitOfWork) {
  const reads = { users: 0, plans: 0 };
  return {
    reads,
    uow: {
      users: { ...uow.users, findById: (id: string) => (reads.users++, uow.users.findById(id)) },
      plans: { ...uow.plans, findByCode: (code: string) => (reads.plans++, uow.plans.findByCode(code)) },
    } as Pick<UnitOfWork, "users" | "plans">,
  };
}

describe("SubjectPlans", () => {
  it("caches a user's plan within the TTL, shares concurrent misses, never caches an unknown user", async () => {
    const uow = createMemoryUnitOfWork();
    const clock = new ManualClock();
    const user = await seedUser(uow);
    const { reads, uow: view } = counting(uow);
    const plans = new SubjectPlans(view, recordingBus(), clock, { ttlMs: 1000, maxEntries: 10 });
    const all = await Promise.all(Array.from({ length: 20 }, () => plans.planOf(user.id)));
    expect(all.every((p) => p?.code === "free" && p.dailyLimit === 50)).toBe(true);
    expect(reads.users).toBe(1);
    clock.advance(999);
    await plans.planOf(user.id);
    expect(reads).toEqual({ users: 1, plans: 1 });
    clock.advance(1);
    await plans.planOf(user.id);
    expect(reads).toEqual({ users: 2, plans: 2 });
    const ghost = "00000000-0000-7000-8000-00000000ffff";
    expect(await plans.planOf(ghost)).toBeNull();
    expect(await plans.planOf(ghost)).toBeNull();
    expect(reads.users).toBe(4);
    expect(await plans.plan("enterprise")).toEqual({ code: "enterprise", name: "Enterprise", dailyLimit: 0, unlimited: true });
    expect(await plans.plan("nope")).toBeNull();
  });

  it("announce on one instance drops the user on another at once (the bus); session ids leave it alone", async () => {
    const uow = createMemoryUnitOfWork();
    const clock = new ManualClock();
    const user = await seedUser(uow);
    const bus = new MemoryRevocationBus();
    const here = new SubjectPlans(uow, bus, clock, { ttlMs: 60_000, maxEntries: 10 });
    const there = new SubjectPlans(uow, bus, clock, { ttlMs: 60_000, maxEntries: 10 });
    await here.start();
    await there.start();
    expect((await there.planOf(user.id))?.code).toBe("free");
    await uow.users.update(user.id, { plan: "pro", updatedAt: user.updatedAt });
    await bus.publish(["00000000-0000-7000-8000-000000000001"]);
    expect((await there.planOf(user.id))?.code).toBe("free");
    await here.announce(user.id);
    expect((await there.planOf(user.id))?.code).toBe("pro");
    await here.stop();
    await there.stop();
  });

  it("is bypassed while the bus is unhealthy, and a failed publish is reported after dropping locally", async () => {
    const uow = createMemoryUnitOfWork();
    const clock = new ManualClock();
    const user = await seedUser(uow);
    const bus = recordingBus();
    const { reads, uow: view } = counting(uow);
    const errors: unknown[] = [];
    const plans = new SubjectPlans(view, { ...bus, isHealthy: () => bus.healthy, publish: async () => Promise.reject(new Error("down")) }, clock, {
      ttlMs: 1000,
      maxEntries: 10,
      reportError: (e) => errors.push(e),
    });
    bus.healthy = false;
    await plans.planOf(user.id);
    await plans.planOf(user.id);
    expect(reads.users).toBe(2);
    bus.healthy = true;
    await plans.planOf(user.id);
    await plans.announce(user.id);
    await plans.planOf(user.id);
    expect(reads.users).toBe(4);
    expect(errors).toHaveLength(1);
    expect(PLAN_OWNER_MARKER).toBe("plan-owner:");
  });
});
