import { describe, expect, it } from "vitest";
import { makeDeps, seedUser } from "../../../test/support/fakes.js";
import { MemoryQuotaCounter } from "../../adapters/memory/quota-counter.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { quotaKey } from "./check-quota-keys.js";
import { GetSubscription } from "./get-subscription.js";

async function setup() {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow });
  const quota = new MemoryQuotaCounter(deps.clock);
  const user = await seedUser(uow);
  return { uow, deps, quota, user, getSubscription: new GetSubscription({ ...deps, quota }) };
}

describe("GetSubscription", () => {
  it("a new user is on free with nothing used today, resetting at the next UTC midnight", async () => {
    const { deps, user, getSubscription } = await setup();
    const out = await getSubscription.execute(user.id);
    expect(out.plan).toEqual({ code: "free", name: "Free", dailyLimit: 50, unlimited: false });
    expect(out.usage).toHaveLength(10);
    const midnight = new Date(Date.UTC(deps.clock.now().getUTCFullYear(), deps.clock.now().getUTCMonth(), deps.clock.now().getUTCDate() + 1));
    for (const u of out.usage) expect(u).toEqual({ serviceCode: expect.any(String), used: 0, limit: 50, resetTime: midnight });
  });

  it("shows today's counter of each service and not yesterday's", async () => {
    const { deps, quota, user, getSubscription } = await setup();
    const now = deps.clock.now();
    const end = new Date(now.getTime() + 86_400_000);
    await quota.consume(quotaKey(now, user.id, "cvmaker"), 3, 50, end);
    await quota.consume(quotaKey(new Date(now.getTime() - 86_400_000), user.id, "ocr"), 7, 50, end);
    const out = await getSubscription.execute(user.id);
    expect(out.usage.find((u) => u.serviceCode === "cvmaker")?.used).toBe(3);
    expect(out.usage.find((u) => u.serviceCode === "ocr")?.used).toBe(0);
  });

  it("an unlimited plan has no limit; an unknown or deleted user is USER_NOT_FOUND", async () => {
    const { uow, user, getSubscription } = await setup();
    await uow.users.update(user.id, { plan: "enterprise", updatedAt: user.updatedAt });
    const out = await getSubscription.execute(user.id);
    expect(out.plan.unlimited).toBe(true);
    expect(out.usage.every((u) => u.limit === null)).toBe(true);
    await expect(getSubscription.execute("00000000-0000-7000-8000-00000000ffff")).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
    await uow.users.update(user.id, { deletedAt: user.updatedAt, updatedAt: user.updatedAt });
    await expect(getSubscription.execute(user.id)).rejects.toMatchObject({ reason: "USER_NOT_FOUND" });
  });
});
