import { Counter, type Registry } from "prom-client";
import type { SecurityEvent, SecurityEvents } from "../../application/ports/security-events.js";

const EVENTS: readonly SecurityEvent[] = ["account_locked", "refresh_token_reused"];

/**
 * `auth_security_events_total{event}`: accounts locked by failed credential checks and refresh
 * tokens reused (each revoked a session). The one label is the event's kind, a closed set: never
 * a user, identifier or address. Every kind starts at 0, so `rate()` and `increase()` have a
 * series to work on before the first event. Made before the registry exists (use cases are
 * built first); the transports register it on the app's registry.
 */
export class PromSecurityEvents implements SecurityEvents {
  readonly counter = new Counter({
    name: "auth_security_events_total",
    help: "Security events: account_locked (failed credential checks locked an account), refresh_token_reused (a session was revoked).",
    labelNames: ["event"] as const,
    registers: [],
  });

  constructor() {
    for (const event of EVENTS) this.counter.inc({ event }, 0);
  }

  record(event: SecurityEvent): void {
    this.counter.inc({ event });
  }

  registerOn(registry: Registry): void {
    registry.registerMetric(this.counter);
  }
}
