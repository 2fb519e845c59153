import { Counter, type Registry } from "prom-client";
import type { QuotaOutcomes } from "../../application/ports/quota.js";

/**
 * `auth_quota_checks_total{service,plan,outcome}`: CheckQuota decisions for operators. The
 * labels are catalogue and plan codes (bounded sets, validated before counting), never a
 * user, key or anonymous id. Made before the registry exists (use cases are built first);
 * the transports register it on the app's registry.
 */
export class PromQuotaOutcomes implements QuotaOutcomes {
  readonly counter = new Counter({
    name: "auth_quota_checks_total",
    help: "CheckQuota decisions by catalogue service, plan and outcome (allowed or refused).",
    labelNames: ["service", "plan", "outcome"] as const,
    registers: [],
  });

  record(service: string, plan: string, outcome: "allowed" | "refused"): void {
    this.counter.inc({ service, plan, outcome });
  }

  registerOn(registry: Registry): void {
    registry.registerMetric(this.counter);
  }
}
