import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerRevocationBusHealth } from "./revocation-bus-health.js";

describe("auth_revocation_bus_healthy", () => {
  it("reads the bus at each scrape: 1 while healthy, 0 while not", async () => {
    let healthy = true;
    const registry = new Registry();
    registerRevocationBusHealth(registry, { isHealthy: () => healthy });
    expect(await registry.metrics()).toMatch(/^auth_revocation_bus_healthy 1$/m);
    healthy = false;
    expect(await registry.metrics()).toMatch(/^auth_revocation_bus_healthy 0$/m);
    healthy = true;
    expect(await registry.metrics()).toMatch(/^auth_revocation_bus_healthy 1$/m);
  });
});
