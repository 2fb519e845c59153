import { DomainError } from "../../domain/errors.js";
import type { Plan } from "../ports/plans.js";
import type { QuotaCounter } from "../ports/quota.js";
import type { CoreDeps } from "../shared/deps.js";
import { nextUtcMidnight, quotaKey } from "./check-quota-keys.js";

export interface ServiceUsage {
  serviceCode: string;
  used: number;
  /** null with unlimited. */
  limit: number | null;
  resetTime: Date;
}

export interface Subscription {
  plan: Plan;
  usage: ServiceUsage[];
}

/**
 * The caller's plan and today's usage (UTC day) of every catalogue service, read from the same
 * counters CheckQuota writes (its owner key is the user id, which its API keys share). Reads
 * the plan from the database, not the cache: this is the caller looking, not the hot path.
 */
export class GetSubscription {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock"> & { quota: Pick<QuotaCounter, "peek"> }) {}

  async execute(userId: string): Promise<Subscription> {
    const user = await this.deps.uow.users.findById(userId);
    if (!user || user.deletedAt !== null) throw new DomainError("USER_NOT_FOUND", "No such user");
    const [plan, services] = await Promise.all([this.deps.uow.plans.findByCode(user.plan), this.deps.uow.catalogue.list()]);
    if (!plan) throw new Error(`plan ${user.plan} of a user is missing (the foreign key forbids it)`);
    const now = this.deps.clock.now();
    const resetTime = nextUtcMidnight(now);
    const used = await Promise.all(services.map((s) => this.deps.quota.peek(quotaKey(now, user.id, s.code))));
    return {
      plan,
      usage: services.map((s, i) => ({
        serviceCode: s.code,
        used: used[i] ?? 0,
        limit: plan.unlimited ? null : plan.dailyLimit,
        resetTime,
      })),
    };
  }
}
