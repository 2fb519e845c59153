// The PlanRepository and CatalogueRepository over in-memory tables (seeded: seeded-plans.ts).
import { byCode, type CatalogueRepository, type PlanRepository, planOrder } from "../ports/plans.js";
import { detached, type Run } from "./memory-tables.js";

export function memoryPlanRepository(run: Run): PlanRepository {
  return {
    list: () => run((t) => [...t.plans.values()].map(detached).sort(planOrder)),
    findByCode: (code) => run((t) => detached(t.plans.get(code) ?? null)),
  };
}

export function memoryCatalogueRepository(run: Run): CatalogueRepository {
  return {
    list: () => run((t) => [...t.catalogue.values()].map(detached).sort(byCode)),
    findByCode: (code) => run((t) => detached(t.catalogue.get(code) ?? null)),
  };
}
