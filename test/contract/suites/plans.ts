// The PlanRepository and CatalogueRepository contract, and the users.plan subscription, for
// every adapter: the migration's seed (the database) and the memory unit of work's tables hold
// the same rows in the same order; a user's plan is one of them (a foreign key) and changes
// with users.update, inside a transaction or not at all.
import { beforeAll, describe, expect, it } from "vitest";
import type { UnitOfWork } from "../../../src/application/ports/unit-of-work.js";
import { SEEDED_PLANS, SEEDED_SERVICES } from "../../../src/application/testing/seeded-plans.js";
import { newUserRecord } from "../../support/users.js";
import { type MakeRepositories, useRepositories } from "./harness.js";

const T0 = new Date("2024-05-01T10:00:00.123Z");

export function describePlansContract(name: string, makeRepositories: MakeRepositories): void {
  describe(`PlanRepository and CatalogueRepository on ${name}`, () => {
    const subject = useRepositories(makeRepositories);
    let uow: UnitOfWork;

    beforeAll(() => {
      uow = subject().uow;
    });

    it("lists the seeded plans: by daily limit, unlimited last, enterprise with limit 0", async () => {
      expect(await uow.plans.list()).toEqual(SEEDED_PLANS);
      expect((await uow.plans.list()).map((p) => p.code)).toEqual(["anonym", "free", "pro", "enterprise"]);
    });

    it("lists the ten seeded services by code (bytewise), each named and described", async () => {
      const services = await uow.catalogue.list();
      expect(services).toEqual([...SEEDED_SERVICES].sort((a, b) => (a.code < b.code ? -1 : 1)));
      expect(services).toHaveLength(10);
    });

    it("finds a plan and a service by code; an unknown code is null", async () => {
      expect(await uow.plans.findByCode("pro")).toEqual({ code: "pro", name: "Pro", dailyLimit: 1000, unlimited: false });
      expect(await uow.plans.findByCode("Pro")).toBeNull();
      expect(await uow.catalogue.findByCode("cvmaker")).toMatchObject({ code: "cvmaker", name: "CV Maker" });
      expect(await uow.catalogue.findByCode("nope")).toBeNull();
    });

    it("a user starts on the plan it is created with and moves with users.update; an unknown plan is refused", async () => {
      const user = await uow.users.create(newUserRecord(T0));
      expect(user.plan).toBe("free");
      expect((await uow.users.update(user.id, { plan: "pro", updatedAt: T0 })).plan).toBe("pro");
      expect((await uow.users.findById(user.id))?.plan).toBe("pro");
      await expect(uow.users.update(user.id, { plan: "platinum", updatedAt: T0 })).rejects.toThrow();
      await expect(uow.users.create(newUserRecord(T0, { plan: "platinum" }))).rejects.toThrow();
      expect((await uow.users.findById(user.id))?.plan).toBe("pro");
    });

    it("a plan change in a transaction that throws is not kept", async () => {
      const user = await uow.users.create(newUserRecord(T0));
      await expect(
        uow.transaction(async (tx) => {
          await tx.users.update(user.id, { plan: "enterprise", updatedAt: T0 });
          expect((await tx.plans.findByCode("enterprise"))?.unlimited).toBe(true);
          throw new Error("rollback");
        }),
      ).rejects.toThrow("rollback");
      expect((await uow.users.findById(user.id))?.plan).toBe("free");
    });
  });
}
