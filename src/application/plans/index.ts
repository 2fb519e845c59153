import type { CoreDeps } from "../shared/deps.js";
import { ChangePlan } from "./change-plan.js";
import { GetSubscription } from "./get-subscription.js";
import { ListPlans } from "./list-plans.js";
import { ListServices } from "./list-services.js";

/** Plans, the service catalogue and subscriptions (PlanService; CheckQuota: quota-index.ts). */
export function createPlanUseCases(deps: CoreDeps) {
  return {
    listPlans: new ListPlans(deps),
    listServices: new ListServices(deps),
    getSubscription: new GetSubscription(deps),
    changePlan: new ChangePlan(deps),
  };
}
