import { DomainError, Violations } from "../../domain/errors.js";
import { type AdminActor, adminAudit, loadTargetUser } from "../admin/actor.js";
import type { Plan } from "../ports/plans.js";
import type { RequestContext } from "../ports/time.js";
import type { CoreDeps } from "../shared/deps.js";

const PLAN_CODE = /^[a-z0-9_-]{1,64}$/;

/**
 * Moves a user to another plan (an admin, or a service key with the `admin` scope): the write
 * and its audit event (`plan.changed` on the user, with the actor) commit together, then every
 * instance's plan cache drops the user, so the next CheckQuota anywhere counts on the new plan.
 * Today's counter is kept: usage so far counts against the new limit.
 */
export class ChangePlan {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "ids" | "subjectPlans">) {}

  async execute(input: { userId: string; planCode: string }, actor: AdminActor, ctx: RequestContext): Promise<Plan> {
    const violations = new Violations();
    if (input.planCode === "") violations.add("plan_code", "is required");
    else if (!PLAN_CODE.test(input.planCode)) violations.add("plan_code", "is not a plan code");
    violations.throwIfAny();
    const user = await loadTargetUser(this.deps, input.userId);
    const plan = await this.deps.uow.plans.findByCode(input.planCode);
    if (!plan) {
      throw new DomainError("VALIDATION_FAILED", "No such plan", { fieldViolations: [{ field: "plan_code", description: "is not a known plan" }] });
    }
    if (user.deletedAt !== null) throw new DomainError("USER_NOT_FOUND", "No such user");
    const now = this.deps.clock.now();
    const audit = await adminAudit(this.deps, ctx, user, actor);
    await this.deps.uow.transaction(async (tx) => {
      await tx.users.update(user.id, { plan: plan.code, updatedAt: now });
      await audit.trail.record(tx, "plan.changed", { metadata: { actor: audit.actor, plan: plan.code, previous_plan: user.plan } });
    });
    await this.deps.subjectPlans.announce(user.id);
    return plan;
  }
}
