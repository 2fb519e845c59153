import { Gauge, type Registry } from "prom-client";
import type { RevocationBus } from "../../application/ports/coordination.js";

/**
 * `auth_revocation_bus_healthy`: 1 while the revocation bus can deliver (subscribed), 0 while
 * it cannot and every cache is bypassed. Read from the bus at each scrape, so it is never
 * staler than the scrape itself.
 */
export function registerRevocationBusHealth(registry: Registry, bus: Pick<RevocationBus, "isHealthy">): void {
  registry.registerMetric(
    new Gauge({
      name: "auth_revocation_bus_healthy",
      help: "1 while the revocation bus (Redis pub/sub, or in-process) delivers revocations to this instance, 0 while it does not.",
      registers: [],
      collect() {
        this.set(bus.isHealthy() ? 1 : 0);
      },
    }),
  );
}
