import { describe, expect, it } from "vitest";
import { makeDeps } from "../../../test/support/fakes.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { ListPlans } from "./list-plans.js";

describe("ListPlans", () => {
  it("lists the seeded plans, smallest limit first and unlimited last", async () => {
    const plans = await new ListPlans(makeDeps({ uow: createMemoryUnitOfWork() })).execute();
    expect(plans).toEqual([
      { code: "anonym", name: "Anonymous", dailyLimit: 1, unlimited: false },
      { code: "free", name: "Free", dailyLimit: 50, unlimited: false },
      { code: "pro", name: "Pro", dailyLimit: 1000, unlimited: false },
      { code: "enterprise", name: "Enterprise", dailyLimit: 0, unlimited: true },
    ]);
  });
});
