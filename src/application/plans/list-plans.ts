import type { Plan } from "../ports/plans.js";
import type { CoreDeps } from "../shared/deps.js";

/** Every plan (public): smallest daily limit first, unlimited last. */
export class ListPlans {
  constructor(private readonly deps: Pick<CoreDeps, "uow">) {}

  execute(): Promise<Plan[]> {
    return this.deps.uow.plans.list();
  }
}
