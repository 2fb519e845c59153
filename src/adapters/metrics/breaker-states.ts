import { Gauge, type Registry } from "prom-client";

export type BreakerState = "closed" | "half-open" | "open";

const VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/**
 * `auth_breaker_state{dependency}`: 0 closed, 1 half-open, 2 open, one series per outbound
 * breaker ("database", "smtp", "sms-webhook", "oidc:<provider id>"). The names come from the
 * configuration, a bounded set, never from a request. Every series exists from the start (at 0):
 * the names given to the constructor, and each breaker that reports "closed" when it is made.
 * Made before the registry exists (the database's breaker is among the first things built);
 * the transports register it on the app's registry.
 */
export class PromBreakerStates {
  readonly gauge = new Gauge({
    name: "auth_breaker_state",
    help: "Circuit breaker state per outbound dependency: 0 closed, 1 half-open, 2 open.",
    labelNames: ["dependency"] as const,
    registers: [],
  });

  constructor(known: readonly string[] = []) {
    for (const dependency of known) this.set(dependency, "closed");
  }

  /** Records a breaker's state (from its onStateChange). */
  set(dependency: string, state: BreakerState): void {
    this.gauge.set({ dependency }, VALUE[state]);
  }

  registerOn(registry: Registry): void {
    registry.registerMetric(this.gauge);
  }
}
