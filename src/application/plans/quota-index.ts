import type { CoreDeps } from "../shared/deps.js";
import { CheckQuota } from "./check-quota.js";
import { CatalogueCodes } from "./check-quota-services.js";

/** CheckQuota, with the catalogue's codes held in memory (the hot path reads only the counter). */
export function createQuotaUseCases(deps: CoreDeps) {
  return {
    checkQuota: new CheckQuota({ ...deps, services: new CatalogueCodes(deps.uow.catalogue, deps.clock) }),
  };
}
